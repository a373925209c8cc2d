/*
 * cunwind.c: libunwind capture for the heapprof recorder (see CUnwind.h for the contract).
 */
#ifndef _GNU_SOURCE
#error "CUnwind needs _GNU_SOURCE (set in Package.swift cSettings / tools/build-runtime.sh)"
#endif
#ifndef UNW_LOCAL_ONLY
#define UNW_LOCAL_ONLY
#endif
#include "CUnwind.h"

#include <libunwind.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define CUNWIND_MAX_TOTAL 272 /* max_frames (<= 256) + skip + 1 fit in this */

static atomic_int cunwind_initialized; /* 1 once the caching policy is set */

/* Set while this thread is inside libunwind: a nested call (libunwind -> malloc -> hook)
 * returns no frames instead of recursing. */
static __thread int cunwind_busy __attribute__((tls_model("initial-exec")));

void cunwind_init(void) {
  int expected = 0;
  if (atomic_compare_exchange_strong(&cunwind_initialized, &expected, 1)) {
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
  }
}

__attribute__((noinline)) int cunwind_backtrace(void **frames, int max_frames, int skip) {
  if (cunwind_busy || max_frames <= 0) return 0;
  if (skip < 0) skip = 0;
  if (!atomic_load_explicit(&cunwind_initialized, memory_order_relaxed)) cunwind_init();
  cunwind_busy = 1;
  void *buffer[CUNWIND_MAX_TOTAL];
  int want = max_frames + skip + 1; /* +1: this function's own frame */
  if (want > CUNWIND_MAX_TOTAL) want = CUNWIND_MAX_TOTAL;
  int got = unw_backtrace(buffer, want);
  cunwind_busy = 0;
  int first = skip + 1;
  int n = 0;
  for (int i = first; i < got && n < max_frames; i++) frames[n++] = buffer[i];
  return n;
}

/* ---------------------------------------------------------------------------------
 * Frame-pointer walk
 * --------------------------------------------------------------------------------- */
static __thread uintptr_t cunwind_stack_lo __attribute__((tls_model("initial-exec"))); /* lowest stack byte */
static __thread uintptr_t cunwind_stack_hi __attribute__((tls_model("initial-exec"))); /* one past the highest; 1 = unknown */

/* Reads this thread's stack bounds once (pthread_getattr_np may allocate: the caller holds
 * the runtime's guard, so that allocation passes straight through). */
static int stack_bounds(void) {
  if (cunwind_stack_hi > 1) return 1;
  if (cunwind_stack_hi == 1) return 0;
  cunwind_stack_hi = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void *addr = NULL;
  size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0 || addr == NULL || size == 0) return 0;
  cunwind_stack_lo = (uintptr_t)addr;
  cunwind_stack_hi = (uintptr_t)addr + size;
  return 1;
}

__attribute__((noinline)) int cunwind_fp_backtrace(void **frames, int max_frames, int skip,
                                                   int *clean_end) {
  *clean_end = 0;
#if defined(__x86_64__) || defined(__aarch64__)
  if (max_frames <= 0 || !stack_bounds()) return -1;
  if (skip < 0) skip = 0;
  const uintptr_t lo = cunwind_stack_lo, hi = cunwind_stack_hi;
  uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
  int n = 0;
  for (int k = 0;; k++) {
    if (fp < lo || fp > hi - 2 * sizeof(uintptr_t) || (fp & (sizeof(uintptr_t) - 1)) != 0)
      return -1;
    const uintptr_t *frame = (const uintptr_t *)fp;
    uintptr_t next = frame[0], ra = frame[1];
    if (ra < 4096) return -1;
    if (k >= skip) {
      frames[n++] = (void *)ra;
      if (n == max_frames) return n;
    }
    /* The frame that called this one keeps no frame pointer we can follow: zero (the ABI's
     * outermost marker), or any value that is not a higher address of this stack. */
    if (next <= fp || next > hi - 2 * sizeof(uintptr_t) || (next & (sizeof(uintptr_t) - 1)) != 0) {
      *clean_end = k >= skip;
      return k >= skip ? n : -1;
    }
    fp = next;
  }
#else
  (void)frames;
  (void)max_frames;
  (void)skip;
  return -1;
#endif
}
