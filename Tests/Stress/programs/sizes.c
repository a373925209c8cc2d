/* sizes.c: huge and zero sizes. zero_alloc: malloc(0) x 10, calloc(0, 8) x 5 and
 * calloc(8, 0) x 5 (glibc returns unique pointers; recorded with 0 bytes), all kept.
 * huge_alloc: malloc(SIZE_MAX), malloc(SIZE_MAX / 2), malloc(1 << 46), calloc with an
 * overflowing product, posix_memalign(SIZE_MAX), aligned_alloc(64, SIZE_MAX - 63),
 * memalign(4096, SIZE_MAX / 2), valloc(SIZE_MAX), pvalloc(SIZE_MAX): all fail with NULL
 * (or ENOMEM) and record nothing; one malloc(64 MiB) succeeds and is freed. Prints each
 * result. */
#include "stress.h"
#include <errno.h>
#include <malloc.h>

static tally t_zero = TALLY(zero_alloc), t_huge = TALLY(huge_alloc);

__attribute__((noinline)) void *zero_alloc(int kind) {
  return kind == 0 ? malloc(0) : kind == 1 ? calloc(0, 8) : calloc(8, 0);
}

__attribute__((noinline)) void *huge_alloc(int kind) {
  void *p = NULL;
  switch (kind) {
  case 0: return malloc(SIZE_MAX);
  case 1: return malloc(SIZE_MAX / 2);
  case 2: return malloc((size_t)1 << 46);
  case 3: return calloc(SIZE_MAX / 16, 32);
  case 4: return posix_memalign(&p, 64, SIZE_MAX) == 0 ? p : NULL;
  case 5: return aligned_alloc(64, SIZE_MAX - 63);
  case 6: return memalign(4096, SIZE_MAX / 2);
  case 7: return valloc(SIZE_MAX);
  case 8: return pvalloc(SIZE_MAX);
  default: return malloc((size_t)64 << 20);
  }
}

int main(void) {
  void *keep[20];
  for (int i = 0; i < 20; i++) {
    keep[i] = zero_alloc(i < 10 ? 0 : i < 15 ? 1 : 2);
    if (keep[i] != NULL) tally_alloc(&t_zero, 0);
    printf("zero %d: %s\n", i, keep[i] ? "pointer" : "NULL");
  }
  for (int k = 0; k < 9; k++) {
    errno = 0;
    void *p = huge_alloc(k);
    printf("huge %d: %s %s\n", k, p ? "pointer" : "NULL", errno == ENOMEM ? "ENOMEM" : "");
    if (p) {
      tally_alloc(&t_huge, 1);
      free(p);
    }
  }
  void *big = huge_alloc(9);
  printf("64 MiB: %s\n", big ? "pointer" : "NULL");
  if (big) {
    tally_alloc(&t_huge, (int64_t)64 << 20);
    free(big);
    tally_free(&t_huge, (int64_t)64 << 20);
  }
  expect_tally(&t_zero);
  expect_tally(&t_huge);
  return 0;
}
