/*
 * hp_runtime: the process-wide recorder that libheapprof.so runs: configuration, one
 * capture unit, one recorder, the dumper, and the entry points the malloc-family
 * wrappers call.
 *
 * Hook contract. hp_hook_* are called by the wrappers in HeapProfPreload with the
 * re-entry guard already set: alloc after the real function, free before it, realloc
 * around it (begin, real realloc, end). A hook never calls the malloc family itself, nor
 * stdio or getenv. Below the guard it may still allocate and take locks:
 *  - the stack capture (hp_capture.h): a thread's first capture calls pthread_getattr_np,
 *    which mallocs; libunwind may malloc and mmap;
 *  - a site table's first count on a thread sets a pthread key (pthread_setspecific may
 *    calloc);
 *  - creating a site or a trusted stack may map an arena chunk under the arena's global
 *    spinlock; a live-table entry takes its shard's spinlock, and a full shard grows by
 *    mapping a larger array (mmap with MAP_POPULATE) under that lock.
 * This is safe because the guard is set for the hook's whole run: any malloc made
 * meanwhile on this thread (by pthread or libunwind, or by a signal handler that
 * interrupts the hook) goes straight to the real allocator, unrecorded, and never
 * re-enters the hooks; and no spinlock is held across a call that may malloc (only
 * across mmap). Other threads that want a held spinlock spin, then sched_yield.
 * hp_hook_alloc and hp_hook_realloc_end must be called directly from the wrapper: they
 * skip exactly two frames (the hook's and the wrapper's), so that a stack starts at the
 * return address into the program.
 * hp_runtime_init runs once, from the preload library's constructor.
 */
#ifndef HP_RUNTIME_H
#define HP_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "hp_recorder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the environment (`envp`, NULL-terminated) and, when HEAPPROF_OUT is set, starts
 * recording: maps the tables, installs the signal handler, fork and exit handlers and
 * the dumper thread. Returns 1 when recording, 0 when off. Idempotent. */
int hp_runtime_init(char *const *envp);

/* 1 while recording (HEAPPROF_OUT set and init done). */
int hp_runtime_is_active(void);

/* Pauses (0) or resumes (1) recording of new allocations; returns the previous state. */
int hp_runtime_set_enabled(int enabled);

/* Records allocation `ptr` of `size` bytes at the caller's stack (sampling applied). */
void hp_hook_alloc(void *ptr, size_t size);

/* Credits the free of `ptr` (call before the real free). */
void hp_hook_free(void *ptr);

/* realloc(old, size), in two halves around the real call (rules in hp_recorder.h): begin
 * takes old's entry out of the live table (or, for size 0, credits its free)... */
void hp_hook_realloc_begin(void *old, size_t size, hp_realloc *r);
/* ...end puts it back when the real call returned NULL, else credits it and records
 * `result` as a new allocation of `size` bytes at the caller's stack (sampling applied;
 * not for size 0). */
void hp_hook_realloc_end(hp_realloc *r, void *result);

/* Writes a dump now (from the calling thread): to `path`, or to the next numbered file
 * when `path` is NULL. Returns 0 and copies the final path to path_out, or -1 with errno
 * set (and one stderr line for the first failure of the process). */
int hp_runtime_dump(const char *path, const char *reason, char *path_out, size_t path_out_len);

/* The program is leaving through _exit/_Exit: writes the last dump (HEAPPROF_AT_EXIT=1)
 * and removes the state file, in the process that loaded the runtime only (not in fork
 * or vfork children). */
void hp_runtime_before_exit(void);

/* Totals of the process's recorder, with the sampling rate, the dumps written and the
 * stacks that libunwind captured. Returns 0, or -1 when not recording. */
int hp_runtime_stats(hp_stats *out);

#if !defined(__swift__)
/* Non-zero while the wrappers should call the hooks (read without a lock). */
extern _Atomic int hp_hook_recording;
#endif

#ifdef __cplusplus
}
#endif
#endif /* HP_RUNTIME_H */
