/* controlled.c: uses the control API of CHeapProfAPI.h (weak symbols). Prints whether the
 * runtime is active, makes 2 x 64 bytes in api_alloc, dumps through heapprof_dump with
 * reason "checkpoint", pauses recording, makes 3 x 64 (unrecorded), resumes, and prints
 * the stats. Then it asks for the stats as a program built with the first release's
 * header would (a ten-field struct followed by a canary) and prints the canary, which
 * the runtime must not overwrite. Without the runtime every function pointer is NULL. */
#include <stdio.h>
#include <stdlib.h>

#include "CHeapProfAPI.h"

static void *kept[8];

__attribute__((noinline)) void api_alloc(int n, int base) { for (int i = 0; i < n; i++) kept[base + i] = malloc(64); }

int main(void) {
  if (heapprof_is_active == NULL) {
    puts("runtime not loaded");
    return 0;
  }
  printf("active=%d\n", heapprof_is_active());
  api_alloc(2, 0);
  char path[4096];
  int rc = heapprof_dump(NULL, "checkpoint", path, sizeof path);
  printf("dump rc=%d path=%s\n", rc, path);
  int previous = heapprof_set_enabled(0);
  api_alloc(3, 2);
  heapprof_set_enabled(1);
  heapprof_stats stats;
  heapprof_get_stats(&stats);
  printf("previous=%d dumps=%llu sample_rate=%llu\n", previous, (unsigned long long)stats.dumps_written,
         (unsigned long long)stats.sample_rate);
  struct {
    uint64_t fields[10];
    uint64_t canary;
  } old = {{0}, 0xc0ffee};
  heapprof_get_stats((heapprof_stats *)(void *)&old);
  printf("old layout: alloc_count=%llu canary=%llx\n", (unsigned long long)old.fields[0], (unsigned long long)old.canary);
  return 0;
}
