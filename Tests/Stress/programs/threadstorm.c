/* threadstorm.c: thread creation and exit storms. 100 x scale rounds; each round starts 8
 * joinable threads and 2 detached ones. Every thread allocates 3 blocks of 100 + id bytes in
 * storm_alloc, frees one, and leaves two live until main frees half of all kept blocks at
 * the end. Threads exit by returning, by pthread_exit and (detached ones) while main
 * already makes the next round. Prints "ok". */
#include "stress.h"
#include <pthread.h>

enum { JOINABLE = 8, DETACHED = 2, KEEP = 2 };

static tally t_storm = TALLY(storm_alloc);
static void **kept;
static _Atomic long nkept;
static _Atomic int detached_done;

__attribute__((noinline)) void *storm_alloc(size_t n) { return malloc(n); }

static void *thread_main(void *arg) {
  intptr_t id = (intptr_t)arg;
  size_t n = 100 + (size_t)(id % 50);
  void *a = storm_alloc(n), *b = storm_alloc(n), *c = storm_alloc(n);
  tally_alloc(&t_storm, (int64_t)n);
  tally_alloc(&t_storm, (int64_t)n);
  tally_alloc(&t_storm, (int64_t)n);
  free(b);
  tally_free(&t_storm, (int64_t)n);
  long k = atomic_fetch_add(&nkept, 2);
  kept[k] = a;
  kept[k + 1] = c;
  if (id < 0) atomic_fetch_add(&detached_done, 1);
  if (id % 2) pthread_exit(NULL);
  return NULL;
}

int main(void) {
  int rounds = 100 * stress_scale();
  kept = calloc((size_t)rounds * (JOINABLE + DETACHED) * KEEP, sizeof(void *));
  pthread_attr_t detached;
  pthread_attr_init(&detached);
  pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
  for (int r = 0; r < rounds; r++) {
    pthread_t t[JOINABLE], d;
    for (int i = 0; i < JOINABLE; i++) pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)(r * 16 + i));
    for (int i = 0; i < DETACHED; i++) pthread_create(&d, &detached, thread_main, (void *)(intptr_t)-(r * 16 + i + 1));
    for (int i = 0; i < JOINABLE; i++) pthread_join(t[i], NULL);
  }
  while (atomic_load(&detached_done) < rounds * DETACHED) usleep(1000);
  expect_tally(&t_storm);
  puts("ok");
  return 0;
}
