/*
 * HeapProfRuntime: the recorder of libheapprof.so (umbrella header).
 *
 * Defines no libc symbol, so tests link it directly and drive the pieces below with
 * made-up pointers and stacks. Every function named hp_* in these headers is hook-safe:
 * no malloc, no stdio, no getenv, no lock that may allocate (see each header for its
 * thread-safety contract).
 *
 *   hp_arena.h        mmap-backed memory, the only source of runtime memory
 *   hp_site_table.h   stack -> site with alloc/free counters (lock-free)
 *   hp_live_table.h   pointer -> (size, site) (sharded, spinlock per shard)
 *   hp_recorder.h     both tables and the record-alloc / credit-free operations
 *   hp_sampler.h      Poisson byte sampling
 *   hp_config.h       HEAPPROF_* environment
 *   hp_dump_writer.h  gperftools legacy text heap profile writer
 *   hp_guard.h        thread-local re-entry guard
 *   hp_state_file.h   the per-process state file that `heapprof snapshot` reads
 *   hp_runtime.h      the process-wide runtime and the wrappers' entry points
 */
#ifndef HEAPPROFRUNTIME_H
#define HEAPPROFRUNTIME_H

#include "hp_arena.h"
#include "hp_config.h"
#include "hp_dump_writer.h"
#include "hp_fp_tails.h"
#include "hp_guard.h"
#include "hp_live_table.h"
#include "hp_recorder.h"
#include "hp_runtime.h"
#include "hp_sampler.h"
#include "hp_site_table.h"
#include "hp_state_file.h"

#endif /* HEAPPROFRUNTIME_H */
