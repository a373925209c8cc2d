/* ulimit.c: malloc failure passed through unchanged. The program limits its own address
 * space (RLIMIT_AS, like `ulimit -v`) to what it maps now + 256 MiB, then allocates 1 MiB
 * blocks in limited_alloc until one fails; that failure must be NULL with errno ENOMEM, as
 * without the runtime. It frees all but 10 blocks, then lifts nothing and allocates 10 x
 * 100 bytes in after_failure (the heap still works). Prints the outcome, not the count
 * (the runtime's own mappings take part of the budget). */
#include "stress.h"
#include <errno.h>
#include <sys/resource.h>

static tally t_limited = TALLY(limited_alloc), t_after = TALLY(after_failure);

__attribute__((noinline)) void *limited_alloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *after_failure(size_t n) { return malloc(n); }

int main(void) {
  long pages = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL || fscanf(f, "%ld", &pages) != 1) return 1;
  fclose(f);
  struct rlimit lim = {(rlim_t)pages * 4096 + ((rlim_t)256 << 20), RLIM_INFINITY};
  if (setrlimit(RLIMIT_AS, &lim) != 0) return 1;
  static void *blocks[4096];
  int n = 0, err = 0;
  for (; n < 4096; n++) {
    errno = 0;
    blocks[n] = limited_alloc((size_t)1 << 20);
    if (blocks[n] == NULL) {
      err = errno;
      break;
    }
    tally_alloc(&t_limited, 1 << 20);
  }
  printf("malloc failed: %s, errno %s\n", n < 4096 ? "yes" : "no", err == ENOMEM ? "ENOMEM" : "other");
  for (int i = 10; i < n; i++) {
    free(blocks[i]);
    tally_free(&t_limited, 1 << 20);
  }
  int ok = 1;
  for (int i = 0; i < 10; i++) {
    void *p = after_failure(100);
    if (p == NULL) ok = 0;
    else tally_alloc(&t_after, 100);
  }
  printf("heap after failure: %s\n", ok ? "ok" : "broken");
  expect_tally(&t_limited);
  expect_tally(&t_after);
  return 0;
}
