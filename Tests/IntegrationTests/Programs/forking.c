/* forking.c: before_fork makes 3 x 1000 bytes; then fork. The child makes 5 x 200 in
 * child_alloc and exits; the parent waits, makes 7 x 300 in parent_alloc and exits.
 * Prints "parent=<pid> child=<pid>". Each process writes its own at-exit dump
 * (PREFIX.<pid>.0001.heap); the child's holds before_fork + child_alloc, the parent's
 * before_fork + parent_alloc. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *kept[32];
static int nkept;

__attribute__((noinline)) void before_fork(void) { for (int i = 0; i < 3; i++) kept[nkept++] = malloc(1000); }
__attribute__((noinline)) void child_alloc(void) { for (int i = 0; i < 5; i++) kept[nkept++] = malloc(200); }
__attribute__((noinline)) void parent_alloc(void) { for (int i = 0; i < 7; i++) kept[nkept++] = malloc(300); }

int main(void) {
  before_fork();
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    child_alloc();
    exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  parent_alloc();
  printf("main=%p parent=%d child=%d child_status=%d\n", (void *)main, (int)getpid(), (int)child,
         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
