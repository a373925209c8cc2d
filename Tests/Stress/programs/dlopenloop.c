/* dlopenloop.c: dlopen + dlclose, 50 x scale times, of the library named by argv[1]
 * (stressplugin.c), while 2 threads allocate; calls plugin_work once per load. The
 * library is unloaded before the exit dump, so its sites are stated by size: per load
 * 7771 B kept, 5553 B allocated and freed, 3331 B allocated and freed. Prints "ok". */
#include "stress.h"
#include <dlfcn.h>
#include <pthread.h>

static _Atomic int stop;
static tally t_worker = TALLY(worker_alloc);

__attribute__((noinline)) void *worker_alloc(size_t n) { return malloc(n); }

static void *worker(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    void *p = worker_alloc(24);
    tally_alloc(&t_worker, 24);
    free(p);
    tally_free(&t_worker, 24);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  pthread_t t[2];
  for (intptr_t i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  int loads = 50 * stress_scale(), wrong = 0;
  for (int i = 0; i < loads; i++) {
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    int (*work)(void) = (int (*)(void))dlsym(h, "plugin_work");
    if (work == NULL || !work()) wrong++;
    if (dlclose(h) != 0) wrong++;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  expect_size(7771, loads, loads);
  expect_size(5553, 0, loads);
  expect_size(3331, 0, loads);
  expect_tally(&t_worker);
  printf("%s\n", wrong == 0 ? "ok" : "plugin failed");
  return 0;
}
