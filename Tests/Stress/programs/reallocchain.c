/* reallocchain.c: realloc chains. grow: 20 x scale chains, each realloc'ing one block from
 * 1 B up by 4099 B steps to >= 1 MiB (256 reallocs) then down by halves to 1 B; the last
 * block of every chain is kept. Every realloc frees the old object and allocates the new
 * size at chain_realloc. Plus realloc(NULL, 100) in chain_start, realloc(p, 0) (frees,
 * records nothing new), reallocarray overflow (fails with ENOMEM, records nothing). */
#include "stress.h"
#include <errno.h>

static tally t_realloc = TALLY(chain_realloc), t_start = TALLY(chain_start);

__attribute__((noinline)) void *chain_realloc(void *p, size_t n) { return realloc(p, n); }
__attribute__((noinline)) void *chain_start(size_t n) { return realloc(NULL, n); }
__attribute__((noinline)) void *chain_overflow(void *p) { return reallocarray(p, SIZE_MAX / 2, 3); }

int main(void) {
  int chains = 20 * stress_scale(), wrong = 0;
  for (int c = 0; c < chains; c++) {
    void *p = chain_start(100);
    tally_alloc(&t_start, 100);
    int64_t size = 100;
    tally *owner = &t_start;
    for (size_t n = 1; ; n += 4099) {
      void *q = chain_realloc(p, n);
      if (q == NULL) { wrong++; break; }
      tally_free(owner, size);
      tally_alloc(&t_realloc, (int64_t)n);
      owner = &t_realloc, size = (int64_t)n, p = q;
      if (n >= (1u << 20)) break;
    }
    for (size_t n = (size_t)size / 2; n >= 1; n /= 2) {
      void *q = chain_realloc(p, n);
      if (q == NULL) { wrong++; break; }
      tally_free(owner, size);
      tally_alloc(&t_realloc, (int64_t)n);
      size = (int64_t)n, p = q;
    }
    errno = 0;
    if (chain_overflow(p) != NULL || errno != ENOMEM) wrong++;
  }
  void *z = chain_start(100);
  tally_alloc(&t_start, 100);
  if (chain_realloc(z, 0) != NULL) wrong++; /* glibc frees and returns NULL */
  tally_free(&t_start, 100);
  expect_tally(&t_realloc);
  expect_tally(&t_start);
  printf("%s\n", wrong == 0 ? "ok" : "realloc failed");
  return 0;
}
