/*
 * CHeapProfAPI: weak declarations of the control API that libheapprof.so exports.
 *
 * A Swift program (through the HeapProfiler module) or a C program includes this header
 * and tests each function pointer for NULL before calling it: when the program runs
 * without the preloaded runtime, every symbol here resolves to NULL and nothing happens.
 * Nothing that defines malloc is ever linked into the caller.
 *
 * Thread safety: every function may be called from any thread, never from a signal
 * handler. None of them may be called from inside malloc.
 */
#ifndef CHEAPPROFAPI_H
#define CHEAPPROFAPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Totals of everything the runtime recorded so far (sampled counts when sampling).
 * The struct only grows at its end. heapprof_get_stats fills the first ten fields (its
 * layout since the first release, so that programs built with an older header are never
 * written past their struct); heapprof_get_stats_sized fills as many as the caller's
 * struct holds. heapprof_api_get_stats picks the right one. */
typedef struct heapprof_stats {
  uint64_t alloc_count;   /* allocations recorded                        */
  uint64_t alloc_bytes;   /* bytes requested by those allocations         */
  uint64_t free_count;    /* recorded allocations freed again             */
  uint64_t free_bytes;    /* their bytes                                  */
  uint64_t inuse_count;   /* alloc_count - free_count                     */
  uint64_t inuse_bytes;   /* alloc_bytes - free_bytes                     */
  uint64_t sites;         /* distinct stacks in the site table            */
  uint64_t sample_rate;   /* HEAPPROF_SAMPLE_RATE, 0 = every allocation   */
  uint64_t dumps_written; /* dumps written by this process so far         */
  uint64_t dropped;       /* allocations not recorded because a table was full */
  uint64_t stacks_unwound; /* stacks that libunwind captured; the others came from the
                              frame-pointer walk, verified earlier against libunwind
                              (with HEAPPROF_FP_WALK=0, every stack is libunwind's) */
} heapprof_stats;

/* 1 when the runtime is loaded and recording (HEAPPROF_OUT set), else 0. */
int heapprof_is_active(void) __attribute__((weak));

/* Fills the first ten fields of *out (through `dropped`). Returns 0, or -1 when the
 * runtime is not recording. */
int heapprof_get_stats(heapprof_stats *out) __attribute__((weak));

/* Fills the fields of *out that fit in `size` bytes (pass sizeof *out) and zeroes what
 * the runtime does not know of. Returns 0, or -1 when not recording. */
int heapprof_get_stats_sized(heapprof_stats *out, size_t size) __attribute__((weak));

/* Writes a dump now, from the calling thread, to the next numbered file
 * (PREFIX.<pid>.<seq>.heap), or to `path` when it is not NULL. `reason` is written
 * into the dump's metadata (may be NULL). On success returns 0 and, when
 * `path_out` is not NULL, copies the final path there (truncated to path_out_len).
 * Returns -1 and sets errno on failure. */
int heapprof_dump(const char *path, const char *reason, char *path_out, size_t path_out_len)
    __attribute__((weak));

/* Pause (0) or resume (1) recording of new allocations on all threads. Frees of
 * recorded allocations are always credited. Returns the previous state. */
int heapprof_set_enabled(int enabled) __attribute__((weak));

/* Safe wrappers for callers that cannot test a weak symbol for NULL (Swift): each
 * returns -1 (or 0 for is_active) when the runtime is not loaded. */
static inline int heapprof_api_is_active(void) {
  return heapprof_is_active ? heapprof_is_active() : 0;
}
static inline int heapprof_api_get_stats(heapprof_stats *out) {
  if (heapprof_get_stats_sized) return heapprof_get_stats_sized(out, sizeof *out);
  return heapprof_get_stats ? heapprof_get_stats(out) : -1;
}
static inline int heapprof_api_dump(const char *path, const char *reason, char *path_out,
                                    size_t path_out_len) {
  return heapprof_dump ? heapprof_dump(path, reason, path_out, path_out_len) : -1;
}
static inline int heapprof_api_set_enabled(int enabled) {
  return heapprof_set_enabled ? heapprof_set_enabled(enabled) : -1;
}

#ifdef __cplusplus
}
#endif
#endif /* CHEAPPROFAPI_H */
