/* forkmt.c: fork from a multi-threaded process. 4 threads allocate and free without pause
 * (in worker_alloc) while main forks 10 x scale children, one after the other. Each child
 * allocates 5 x 200 bytes in child_alloc (keeps them), frees nothing else and exits with
 * status (i % 7) through exit(), so that it writes its own dump. Main checks every status,
 * allocates 7 x 300 in parent_alloc after the forks, stops the threads and exits.
 * Blocks made by before_fork (3 x 1000) are live in the parent and in every child.
 * The children cannot know the exact state of worker_alloc at the instant of fork, so
 * they state only before_fork and child_alloc; the parent states all three. Prints "ok". */
#include "stress.h"
#include <pthread.h>
#include <sys/wait.h>

static tally t_worker = TALLY(worker_alloc), t_before = TALLY(before_fork),
             t_child = TALLY(child_alloc), t_parent = TALLY(parent_alloc);
static _Atomic int stop;

__attribute__((noinline)) void *worker_alloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *before_fork(size_t n) { return malloc(n); }
__attribute__((noinline)) void *child_alloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *parent_alloc(size_t n) { return malloc(n); }

static void *worker(void *arg) {
  uint64_t seed = 77 + (uintptr_t)arg;
  void *ring[16] = {0};
  size_t sizes[16] = {0};
  for (unsigned i = 0; !atomic_load(&stop); i++) {
    unsigned k = i % 16;
    if (ring[k]) {
      free(ring[k]);
      tally_free(&t_worker, (int64_t)sizes[k]);
    }
    sizes[k] = 1 + rng_next(&seed) % 4096;
    ring[k] = worker_alloc(sizes[k]);
    tally_alloc(&t_worker, (int64_t)sizes[k]);
  }
  for (int k = 0; k < 16; k++) {
    if (ring[k]) {
      free(ring[k]);
      tally_free(&t_worker, (int64_t)sizes[k]);
    }
  }
  return NULL;
}

int main(void) {
  void *keep[3];
  for (int i = 0; i < 3; i++) {
    keep[i] = before_fork(1000);
    tally_alloc(&t_before, 1000);
  }
  pthread_t t[4];
  for (intptr_t i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  usleep(20000);
  int children = 10 * stress_scale(), wrong = 0;
  for (int i = 0; i < children; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      void *mine[5];
      for (int k = 0; k < 5; k++) {
        mine[k] = child_alloc(200);
        tally_alloc(&t_child, 200);
      }
      (void)mine;
      expect_tally(&t_before);
      expect_tally(&t_child);
      exit(i % 7);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != i % 7) wrong++;
  }
  void *later[7];
  for (int k = 0; k < 7; k++) {
    later[k] = parent_alloc(300);
    tally_alloc(&t_parent, 300);
  }
  (void)later;
  (void)keep;
  atomic_store(&stop, 1);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  expect_tally(&t_before);
  expect_tally(&t_child);
  expect_tally(&t_parent);
  expect_tally(&t_worker);
  printf("%s\n", wrong == 0 ? "ok" : "a child failed");
  return 0;
}
