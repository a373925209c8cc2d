/*
 * CUnwind: the libunwind bridge of heapprof's runtime.
 *
 * This is the only place that includes <libunwind.h> (with UNW_LOCAL_ONLY). It wraps the
 * one thing the recorder needs: fill a caller-owned array with return addresses.
 *
 * The frame-pointer fast path that avoids most of these calls lives in the runtime
 * (hp_capture.h), which checks it against this function.
 *
 * Allocation contract: never allocates from the wrapped heap itself. libunwind may call
 * mmap, and (through pthread keys) rarely malloc; the caller must hold the runtime's
 * re-entry guard so such a malloc is passed straight through.
 * Thread safety: every function may be called from any thread at the same time.
 * Hook-safe: yes (async-signal-safe as far as libunwind's local unwinder is).
 */
#ifndef CUNWIND_H
#define CUNWIND_H

#ifdef __cplusplus
extern "C" {
#endif

/* Sets libunwind's per-thread caching policy once per process. Idempotent. */
void cunwind_init(void);

/* Fills `frames` with up to `max_frames` return addresses of the calling thread, leaf
 * first, after dropping the `skip` innermost frames (cunwind_backtrace itself is never
 * reported). Returns the number of entries written (0 when called re-entrantly). */
int cunwind_backtrace(void **frames, int max_frames, int skip);

#ifdef __cplusplus
}
#endif
#endif /* CUNWIND_H */
