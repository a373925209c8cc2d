/*
 * HeapProfRuntime: the recorder of libheapprof.so (umbrella header).
 *
 * Defines no libc symbol, so tests link it directly and drive the pieces below with
 * made-up pointers and stacks.
 *
 * What the hooks call (capture, recorder, site and live tables, sampler, arena, guard)
 * is hook-safe: it may run inside a malloc wrapper with the re-entry guard set. It never
 * calls the malloc family itself, nor stdio or getenv; some of it takes a spinlock, maps
 * memory, or calls into pthread and libunwind, which may malloc below the guard (each
 * header says which, and hp_runtime.h why that is safe). The rest (config parsing, the
 * dump writer, the state file, init and dumps) runs at init or on the dumper thread,
 * never from a hook.
 *
 *   hp_arena.h        mmap-backed memory, the only source of runtime memory
 *   hp_capture.h      the current stack: frame-pointer walk verified against libunwind
 *   hp_site_table.h   stack -> site with alloc/free counters (lock-free)
 *   hp_live_table.h   pointer -> (size, site) (sharded, spinlock per shard)
 *   hp_recorder.h     both tables and the hooks' operations on them (alloc, free, realloc)
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
#include "hp_capture.h"
#include "hp_config.h"
#include "hp_dump_writer.h"
#include "hp_guard.h"
#include "hp_live_table.h"
#include "hp_recorder.h"
#include "hp_runtime.h"
#include "hp_sampler.h"
#include "hp_site_table.h"
#include "hp_state_file.h"

#endif /* HEAPPROFRUNTIME_H */
