/* unwinder.c: 1000 allocations of 32 bytes at one stack (one_site, called from main's
 * loop), all freed, then the runtime's totals through the control API of CHeapProfAPI.h:
 *   allocs=<alloc_count> unwound=<stacks_unwound> dropped=<dropped>
 * With the frame-pointer fast path only the first of the 1000 stacks needs libunwind;
 * with HEAPPROF_FP_WALK=0 every one does. */
#include <stdio.h>
#include <stdlib.h>

#include "CHeapProfAPI.h"

static void *kept[1000];

__attribute__((noinline)) void one_site(int i) { kept[i] = malloc(32); }

int main(void) {
  for (int i = 0; i < 1000; i++) one_site(i);
  for (int i = 0; i < 1000; i++) free(kept[i]);
  heapprof_stats stats;
  if (heapprof_api_get_stats(&stats) != 0) {
    puts("runtime not recording");
    return 1;
  }
  printf("allocs=%llu unwound=%llu dropped=%llu\n", (unsigned long long)stats.alloc_count,
         (unsigned long long)stats.stacks_unwound, (unsigned long long)stats.dropped);
  return 0;
}
