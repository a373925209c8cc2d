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
