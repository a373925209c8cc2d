/* signals.c: SIGUSR2 100 times while 4 threads allocate (signal_worker_alloc, 16..4111
 * bytes, a ring of 32 blocks per thread). Under the runtime (found with dlsym) main waits
 * after each signal until the dump it asked for exists (argv[1] = the dump prefix), so the
 * run makes exactly 100 signal dumps + the exit dump; without the runtime, SIGUSR2 is
 * ignored. At the end the threads stop and keep their rings live. Prints "ok". */
#include "stress.h"
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>

enum { THREADS = 4, RING = 32, SIGNALS = 100 };
static tally t_worker = TALLY(signal_worker_alloc);
static _Atomic int stop;

__attribute__((noinline)) void *signal_worker_alloc(size_t n) { return malloc(n); }

static void *worker(void *arg) {
  uint64_t seed = 1234 + (uintptr_t)arg;
  void *ring[RING] = {0};
  size_t sizes[RING] = {0};
  for (unsigned i = 0; !atomic_load(&stop); i++) {
    unsigned k = i % RING;
    if (ring[k]) {
      tally_free(&t_worker, (int64_t)sizes[k]);
      free(ring[k]);
    }
    sizes[k] = 16 + rng_next(&seed) % 4096;
    ring[k] = signal_worker_alloc(sizes[k]);
    tally_alloc(&t_worker, (int64_t)sizes[k]);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int recorded = dlsym(RTLD_DEFAULT, "heapprof_dump") != NULL && getenv("HEAPPROF_OUT") != NULL;
  struct sigaction old;
  sigaction(SIGUSR2, NULL, &old);
  if (!recorded) signal(SIGUSR2, SIG_IGN);
  pthread_t t[THREADS];
  for (intptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  int missing = 0;
  for (int s = 1; s <= SIGNALS; s++) {
    kill(getpid(), SIGUSR2);
    if (!recorded) continue;
    char path[4200];
    snprintf(path, sizeof path, "%s.%d.%04d.heap", argv[1], (int)getpid(), s);
    int i = 0;
    while (access(path, F_OK) != 0 && i++ < 1000) usleep(2000);
    if (i > 1000) missing++;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  expect_tally(&t_worker);
  if (recorded) {
    char line[64];
    snprintf(line, sizeof line, "expect %d dumps %d\n", (int)getpid(), SIGNALS + 1);
    expect_line(line);
  }
  printf("%s\n", missing == 0 ? "ok" : "a dump did not appear within 2 s");
  return 0;
}
