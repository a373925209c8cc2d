/* churn.c: an allocation-heavy workload for the sampled-dump interop test: 200000
 * allocations of sizes 16...4096 from three functions, a quarter kept live. */
#include <stdio.h>
#include <stdlib.h>

static void *kept[50000];
static int nkept;

__attribute__((noinline)) void *small_alloc(int i) { return malloc(16 + (i % 8) * 8); }
__attribute__((noinline)) void *medium_alloc(int i) { return malloc(256 + (i % 16) * 32); }
__attribute__((noinline)) void *large_alloc(int i) { return malloc(4096); }

int main(void) {
  for (int i = 0; i < 200000; i++) {
    void *p = (i % 3 == 0) ? small_alloc(i) : (i % 3 == 1) ? medium_alloc(i) : large_alloc(i);
    if (i % 4 == 0 && nkept < 50000) kept[nkept++] = p;
    else free(p);
  }
  printf("kept %d\n", nkept);
  return 0;
}
