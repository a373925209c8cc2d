/* growing.c: grow_step allocates one block of argv[1] bytes every argv[2] milliseconds,
 * argv[3] times, keeping all of them. Used for HEAPPROF_INUSE_INTERVAL and
 * HEAPPROF_INTERVAL dumps. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void *grow_step(size_t size) {
  void *p = malloc(size);
  memset(p, 1, size);
  return p;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  size_t size = (size_t)atol(argv[1]);
  int pause_ms = atoi(argv[2]), steps = atoi(argv[3]);
  for (int i = 0; i < steps; i++) {
    (void)grow_step(size);
    usleep((useconds_t)pause_ms * 1000);
  }
  return 0;
}
