/* threads8.c: 8 threads allocate with random sizes (1 B - 1 MiB) through every wrapped
 * function and free or reallocate blocks that any thread made, through 512 shared slots.
 * Each allocating function is its own noinline function, so the profile can be checked
 * site by site. Prints "ok". */
#include "stress.h"
#include <errno.h>
#include <malloc.h>
#include <pthread.h>

enum { THREADS = 8, SLOTS = 512 };
enum { F_MALLOC, F_CALLOC, F_REALLOC, F_REALLOCARRAY, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC,
       F_MEMALIGN, F_VALLOC, F_PVALLOC, NF };

static tally tallies[NF] = {TALLY(t_malloc),        TALLY(t_calloc),         TALLY(t_realloc),
                            TALLY(t_reallocarray),  TALLY(t_posix_memalign), TALLY(t_aligned_alloc),
                            TALLY(t_memalign),      TALLY(t_valloc),         TALLY(t_pvalloc)};

typedef struct {
  pthread_mutex_t lock;
  void *p;
  int fn;
  size_t size;
} slot;

static slot slots[SLOTS];
static _Atomic int bad;

__attribute__((noinline)) void *t_malloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *t_calloc(size_t n) { return calloc(n, 1); }
__attribute__((noinline)) void *t_realloc(void *p, size_t n) { return realloc(p, n); }
__attribute__((noinline)) void *t_reallocarray(void *p, size_t n) { return reallocarray(p, n, 1); }
__attribute__((noinline)) void *t_posix_memalign(size_t n) {
  void *p = NULL;
  return posix_memalign(&p, 64, n) == 0 ? p : NULL;
}
__attribute__((noinline)) void *t_aligned_alloc(size_t n) { return aligned_alloc(32, (n + 31) & ~(size_t)31); }
__attribute__((noinline)) void *t_memalign(size_t n) { return memalign(128, n); }
__attribute__((noinline)) void *t_valloc(size_t n) { return valloc(n); }
__attribute__((noinline)) void *t_pvalloc(size_t n) { return pvalloc(n); }

static void *worker(void *arg) {
  uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t)((intptr_t)arg + 1);
  int rounds = 2000 * stress_scale();
  for (int i = 0; i < rounds; i++) {
    size_t n = rng_size(&seed);
    int fn = (int)(rng_next(&seed) % NF);
    slot *s = &slots[rng_next(&seed) % SLOTS];
    pthread_mutex_lock(&s->lock);
    if ((fn == F_REALLOC || fn == F_REALLOCARRAY) && s->p != NULL) {
      void *q = fn == F_REALLOC ? t_realloc(s->p, n) : t_reallocarray(s->p, n);
      if (q == NULL) {
        atomic_fetch_add(&bad, 1);
      } else {
        tally_free(&tallies[s->fn], (int64_t)s->size);
        tally_alloc(&tallies[fn], (int64_t)n);
        s->p = q, s->fn = fn, s->size = n;
      }
    } else {
      if (s->p != NULL) { /* most likely another thread's block */
        tally_free(&tallies[s->fn], (int64_t)s->size);
        free(s->p);
        s->p = NULL;
      }
      void *p = NULL;
      size_t size = n;
      switch (fn) {
      case F_MALLOC: p = t_malloc(n); break;
      case F_CALLOC: p = t_calloc(n); break;
      case F_REALLOC: p = t_realloc(NULL, n); break;
      case F_REALLOCARRAY: p = t_reallocarray(NULL, n); break;
      case F_POSIX_MEMALIGN: p = t_posix_memalign(n); break;
      case F_ALIGNED_ALLOC: size = (n + 31) & ~(size_t)31; p = t_aligned_alloc(n); break;
      case F_MEMALIGN: p = t_memalign(n); break;
      case F_VALLOC: p = t_valloc(n); break;
      case F_PVALLOC: p = t_pvalloc(n); break;
      }
      if (p == NULL || malloc_usable_size(p) < size) {
        atomic_fetch_add(&bad, 1);
      } else {
        ((char *)p)[0] = (char)i;
        ((char *)p)[size - 1] = (char)i;
        tally_alloc(&tallies[fn], (int64_t)size);
        s->p = p, s->fn = fn, s->size = size;
      }
    }
    pthread_mutex_unlock(&s->lock);
  }
  return NULL;
}

int main(void) {
  for (int i = 0; i < SLOTS; i++) pthread_mutex_init(&slots[i].lock, NULL);
  pthread_t t[THREADS];
  for (intptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  /* Free every other slot, keep the rest live for the exit dump. */
  for (int i = 0; i < SLOTS; i += 2) {
    if (slots[i].p == NULL) continue;
    tally_free(&tallies[slots[i].fn], (int64_t)slots[i].size);
    free(slots[i].p);
    slots[i].p = NULL;
  }
  for (int f = 0; f < NF; f++) expect_tally(&tallies[f]);
  printf("%s\n", atomic_load(&bad) == 0 ? "ok" : "allocation failed");
  return 0;
}
