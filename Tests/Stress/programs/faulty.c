/* faulty.c: the program of the fault scenarios. Main and 2 threads allocate and free
 * (64..8255 bytes, rings of 64 blocks) for argv[1] milliseconds while the runtime dumps
 * into a directory that goes away, fills up, is read-only or writes slowly. It measures the
 * longest single malloc and prints "done" and whether that stayed under 1 s (a dump must
 * never stall the program), then exits 0. */
#include "stress.h"
#include <pthread.h>
#include <time.h>

static _Atomic int stop;
static _Atomic int64_t worst_ns;
static tally t_fault = TALLY(fault_alloc);

__attribute__((noinline)) void *fault_alloc(size_t n) { return malloc(n); }

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *churn(void *arg) {
  uint64_t seed = 99 + (uintptr_t)arg;
  void *ring[64] = {0};
  size_t sizes[64] = {0};
  for (unsigned i = 0; !atomic_load(&stop); i++) {
    unsigned k = i % 64;
    if (ring[k]) {
      free(ring[k]);
      tally_free(&t_fault, (int64_t)sizes[k]);
    }
    sizes[k] = 64 + rng_next(&seed) % 8192;
    int64_t t0 = now_ns();
    ring[k] = fault_alloc(sizes[k]);
    int64_t dt = now_ns() - t0;
    tally_alloc(&t_fault, (int64_t)sizes[k]);
    int64_t w = atomic_load(&worst_ns);
    while (dt > w && !atomic_compare_exchange_weak(&worst_ns, &w, dt)) {}
    if (i % 256 == 0) usleep(1000);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 1000;
  pthread_t t[2];
  for (intptr_t i = 0; i < 2; i++) pthread_create(&t[i], NULL, churn, (void *)(i + 1));
  int64_t end = now_ns() + (int64_t)ms * 1000000;
  while (now_ns() < end) usleep(10000);
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  expect_tally(&t_fault);
  printf("done\nlongest malloc under 1 s: %s\n", atomic_load(&worst_ns) < 1000000000 ? "yes" : "no");
  return 0;
}
