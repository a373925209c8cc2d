/* deep.c: a recursion 1000 x scale frames deep (argument: none) allocates 48 bytes at
 * each of its 10 deepest levels in deep_alloc (kept), far more frames than
 * HEAPPROF_MAX_DEPTH; the dump keeps the innermost frames only. Prints "ok". */
#include "stress.h"

static tally t_deep = TALLY(deep_alloc);
static void *kept[10];

__attribute__((noinline)) void *deep_alloc(size_t n) { return malloc(n); }

__attribute__((noinline)) int descend(int depth, int limit) {
  volatile char pad[32];
  pad[0] = (char)depth;
  if (depth >= limit - 10) {
    kept[limit - 1 - depth] = deep_alloc(48);
    tally_alloc(&t_deep, 48);
  }
  if (depth + 1 < limit) return descend(depth + 1, limit) + pad[0] - (char)depth;
  return 0;
}

int main(void) {
  int r = descend(0, 1000 * stress_scale());
  expect_tally(&t_deep);
  printf("%s\n", r == 0 ? "ok" : "wrong");
  return 0;
}
