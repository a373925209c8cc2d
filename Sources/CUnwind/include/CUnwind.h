/*
 * CUnwind: the libunwind bridge of heapprof's runtime.
 *
 * This is the only place that includes <libunwind.h> (with UNW_LOCAL_ONLY). It wraps the
 * one thing the recorder needs: fill a caller-owned array with return addresses.
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

/* Frame-pointer walk with the same contract as cunwind_backtrace (call it from the same
 * caller with the same `skip`, and entry k of both describes the same frame). Follows the
 * saved-%rbp chain of the calling thread inside its stack bounds and never reads outside
 * them. Returns the number of frames written, or -1 when the chain looks wrong (a frame
 * pointer outside the stack, not growing, misaligned; or no frame pointers on this
 * architecture): the caller must then use cunwind_backtrace. *clean_end is set to 1 when
 * the walk stopped because the last frame's caller left no frame pointer to follow (zero,
 * the ABI's outermost marker, or not a higher address of this stack: the C library's start
 * code) with room left in `frames`, else 0. It cannot see a function that keeps no frame pointer: the
 * caller must check its result against cunwind_backtrace before trusting it. */
int cunwind_fp_backtrace(void **frames, int max_frames, int skip, int *clean_end);

#ifdef __cplusplus
}
#endif
#endif /* CUNWIND_H */
