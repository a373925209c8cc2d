/* threads.c: 4 threads each make 10000 allocations of 48 bytes in thread_alloc, then
 * each frees every second block of the next thread (5000 each) after a barrier. At exit:
 * thread_alloc holds 20000 live blocks (960000 bytes) of 40000 (1920000 bytes). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define PER_THREAD 10000

static void *blocks[THREADS][PER_THREAD];
static pthread_barrier_t barrier;

__attribute__((noinline)) void *thread_alloc(void) { return malloc(48); }

static void *work(void *arg) {
  int t = (int)(long)arg;
  for (int i = 0; i < PER_THREAD; i++) blocks[t][i] = thread_alloc();
  pthread_barrier_wait(&barrier);
  int other = (t + 1) % THREADS;
  for (int i = 0; i < PER_THREAD; i += 2) free(blocks[other][i]);
  return NULL;
}

int main(void) {
  printf("main=%p\n", (void *)main);
  fflush(stdout);
  pthread_t threads[THREADS];
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, work, (void *)t);
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
  return 0;
}
