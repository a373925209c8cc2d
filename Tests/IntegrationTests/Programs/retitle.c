/* retitle.c: overwrites its argument and environment strings with a process title, as
 * redis and nginx do (so /proc/PID/environ no longer holds HEAPPROF_OUT), then makes
 * 10 x 1000 bytes in make_kept, prints "ready <pid>" and sleeps argv[1] seconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
static void *kept[10];

__attribute__((noinline)) void make_kept(void) {
  for (int i = 0; i < 10; i++) kept[i] = malloc(1000);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 10;
  /* The strings of argv and environ are contiguous: from argv[0] to the end of the last
   * environment string. */
  char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
  for (char **e = environ; *e != NULL; e++) end = *e + strlen(*e);
  memset(start, 0, (size_t)(end - start));
  snprintf(start, (size_t)(end - start), "retitle: serving");
  make_kept();
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  for (int i = 0; i < (int)(seconds * 100); i++) usleep(10000);
  return 0;
}
