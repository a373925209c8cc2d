/*
 * runtime_impl.h: the process-wide runtime state, shared by runtime.c and dumper.c.
 * Private to the runtime.
 */
#ifndef HP_RUNTIME_IMPL_H
#define HP_RUNTIME_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "arena_impl.h"
#include "hp_capture.h"
#include "hp_config.h"
#include "hp_runtime.h"

typedef struct hp_runtime_state {
  hp_config config;                /* HEAPPROF_* values */
  hp_arena arena;                  /* every byte the runtime keeps */
  hp_recorder *recorder;           /* sites + live table */
  hp_capture *capture;             /* stacks: frame-pointer walk, checked by libunwind */
  char program[HP_PATH_MAX];       /* /proc/self/exe */
  _Atomic int enabled;             /* heapprof_set_enabled */
  _Atomic int pid;                 /* this process (changes in a fork child) */
  uint32_t seq;                    /* last dump sequence number (dump_lock) */
  pthread_mutex_t dump_lock;       /* serialises dumps */
  _Atomic uint64_t dumps_written;  /* successful dumps */
  _Atomic int failure_reported;    /* one stderr line per process */
  _Atomic int64_t inuse_estimate;  /* in-use bytes, from per-thread batches */
  _Atomic int64_t inuse_estimate_at_dump; /* inuse_estimate when the last dump ended */
  int64_t inuse_batch;             /* flush a thread's delta beyond this */
  _Atomic int exiting;             /* the last dump has started */
} hp_runtime_state;

extern hp_runtime_state hp_rt;

/* dumper.c: starts the signal handler and dumper thread, registers fork/exit handlers. */
void hp_dumper_start(void);

#endif /* HP_RUNTIME_IMPL_H */
