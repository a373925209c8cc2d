/* waiting.c: make_kept makes 10 x 1000 bytes and keeps them; then the program prints
 * "ready <pid>" and sleeps (argv[1] seconds, default 10, in 10 ms steps), prints "done"
 * and exits 0. It has no signal handler of its own; with argv[2] = "exit_" it leaves
 * through _exit(0) instead of returning from main. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *kept[10];

__attribute__((noinline)) void make_kept(void) {
  for (int i = 0; i < 10; i++) kept[i] = malloc(1000);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 10;
  make_kept();
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  for (int i = 0; i < (int)(seconds * 100); i++) usleep(10000);
  puts("done");
  fflush(stdout);
  if (argc > 2 && strcmp(argv[2], "exit_") == 0) _exit(0);
  return 0;
}
