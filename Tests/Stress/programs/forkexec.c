/* forkexec.c: fork + exec and posix_spawn of this same program with argument "child N",
 * 5 x scale times each, from a process with 2 allocating threads. A child allocates N x 64
 * bytes in exec_child_alloc (keeps them) and exits with status N % 5; under the runtime it
 * is recorded too (LD_PRELOAD is inherited) and writes its own dump. The parent allocates
 * 4 x 128 in parent_alloc. Prints "ok". */
#include "stress.h"
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;
static tally t_child = TALLY(exec_child_alloc), t_parent = TALLY(parent_alloc), t_worker = TALLY(worker_alloc);
static _Atomic int stop;

__attribute__((noinline)) void *exec_child_alloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *parent_alloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *worker_alloc(size_t n) { return malloc(n); }

static void *worker(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    void *p = worker_alloc(48);
    tally_alloc(&t_worker, 48);
    free(p);
    tally_free(&t_worker, 48);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      void *p = exec_child_alloc(64);
      tally_alloc(&t_child, 64);
      (void)p;
    }
    expect_tally(&t_child);
    return n % 5;
  }
  pthread_t t[2];
  for (intptr_t i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  int rounds = 5 * stress_scale(), wrong = 0;
  for (int i = 0; i < rounds; i++) {
    char num[16];
    snprintf(num, sizeof num, "%d", i + 1);
    char *args[] = {argv[0], "child", num, NULL};
    int status = 0;
    pid_t pid = fork();
    if (pid == 0) {
      execve("/proc/self/exe", args, environ);
      _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != (i + 1) % 5) wrong++;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0) {
      wrong++;
      continue;
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != (i + 1) % 5) wrong++;
  }
  for (int k = 0; k < 4; k++) {
    void *p = parent_alloc(128);
    tally_alloc(&t_parent, 128);
    (void)p;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  expect_tally(&t_parent);
  expect_tally(&t_worker);
  printf("%s\n", wrong == 0 ? "ok" : "a child failed");
  return 0;
}
