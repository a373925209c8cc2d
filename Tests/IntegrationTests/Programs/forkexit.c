/* forkexit.c: parent_blocks makes 5 x 100 bytes; a fork child makes 3 x 100 in
 * child_blocks and leaves with _exit(0), as worker children (redis's BGSAVE) do; the
 * parent waits for it and leaves by returning from main, or with _exit(0) when argv[1]
 * is "exit_". Prints "parent <pid> child <pid>". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *kept[8];

__attribute__((noinline)) void parent_blocks(void) {
  for (int i = 0; i < 5; i++) kept[i] = malloc(100);
}

__attribute__((noinline)) void child_blocks(void) {
  for (int i = 5; i < 8; i++) kept[i] = malloc(100);
}

int main(int argc, char **argv) {
  parent_blocks();
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    child_blocks();
    _exit(0);
  }
  waitpid(child, NULL, 0);
  printf("parent %d child %d\n", (int)getpid(), (int)child);
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "exit_") == 0) _exit(0);
  return 0;
}
