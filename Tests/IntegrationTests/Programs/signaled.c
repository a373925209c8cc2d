/* signaled.c: before_signal makes 10 x 1000 bytes, prints "ready <pid>" and waits (up to
 * 10 s) until the dump PREFIX.<pid>.0001.heap appears (argv[1] = PREFIX), which the test
 * triggers with SIGUSR2. Then after_signal makes 6 x 500 and it exits 0, printing
 * "dumped" or "timeout". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void *kept[32];
static int nkept;

__attribute__((noinline)) void before_signal(void) { for (int i = 0; i < 10; i++) kept[nkept++] = malloc(1000); }
__attribute__((noinline)) void after_signal(void) { for (int i = 0; i < 6; i++) kept[nkept++] = malloc(500); }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  before_signal();
  char path[4096];
  snprintf(path, sizeof path, "%s.%d.0001.heap", argv[1], (int)getpid());
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  int found = 0;
  for (int i = 0; i < 1000 && !found; i++) {
    if (access(path, F_OK) == 0) found = 1;
    else usleep(10000);
  }
  after_signal();
  puts(found ? "dumped" : "timeout");
  return 0;
}
