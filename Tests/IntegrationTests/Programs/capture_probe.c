/* capture_probe.c: the capture unit (hp_capture.h) against libunwind, frame for frame, on
 * stacks of known shapes. CaptureTests compiles it together with the runtime's sources
 * (linked, not preloaded) at -O2 with frame pointers, like libheapprof.so.
 *
 * Shapes, each probed at the bottom of its stack:
 *   flat     main -> run_shapes -> shape_flat
 *   deep     100 recursive calls
 *   deeper   300 recursive calls: more than the 256 frames captured
 *   mutual   even/odd mutual recursion, 20 calls
 *   inlined  two always_inline functions inside shape_inlined (no frames of their own)
 *   nofp     shape_nofp -> nofp, which keeps no frame pointer: the walk skips
 *            shape_nofp's frame
 *   signal   a SIGUSR1 handler, sent by a helper thread while shape_signal spins: the
 *            walk cannot see the interrupted function's frame
 * The main thread runs every shape three times (rounds 1-3), then four threads run them
 * three times each, at the same time.
 *
 * One line per probe:
 *   <shape> <thread> <round> agree=A verified=V walk_prefix=W depth=D
 * A: the capture's frames are exactly cunwind_backtrace's from the same place;
 * V: the capture said its frames were verified (libunwind not asked);
 * W: the bare frame-pointer walk saw frames, and they are the start of libunwind's;
 * D: the number of frames captured.
 * Last line: unwound=<captures answered by libunwind> trusted=<stacks in the trusted set>.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CUnwind.h"
#include "hp_arena.h"
#include "hp_capture.h"

#define MAX 256
#define THREADS 4
#define ROUNDS 3

static hp_capture *unit;                   /* the capture unit under test */
static pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER; /* one line at a time */
static __thread int thread_no;             /* 0: main, 1...THREADS */
static __thread int round_no;              /* 1...ROUNDS */
static __thread volatile int handled;      /* the signal probe ran on this thread */
static volatile int sink;                  /* keeps calls from becoming jumps */

/* Takes the stack three ways, each time starting at the caller of probe(): skip 2 drops
 * take() and probe(). */
__attribute__((noinline)) static int take(int how, uintptr_t *frames, hp_stack_info *info) {
  int n;
  if (how == 0) {
    n = hp_capture_stack(unit, frames, MAX, 2, info);
  } else if (how == 1) {
    n = cunwind_backtrace((void **)frames, MAX, 2);
  } else {
    int clean_end;
    n = hp_capture_walk(frames, MAX, 2, &clean_end);
  }
  __asm__ volatile("" ::: "memory"); /* no tail call: the callee's frame must be take's */
  return n;
}

__attribute__((noinline)) static void probe(const char *shape) {
  uintptr_t captured[MAX], unwound[MAX], walked[MAX];
  hp_stack_info info;
  int nc = take(0, captured, &info);
  int nu = take(1, unwound, NULL);
  int nw = take(2, walked, NULL);
  int agree = nc == nu && memcmp(captured, unwound, sizeof(uintptr_t) * (size_t)nc) == 0;
  int prefix = nw > 0 && nw <= nu && memcmp(walked, unwound, sizeof(uintptr_t) * (size_t)nw) == 0;
  pthread_mutex_lock(&out);
  printf("%s %d %d agree=%d verified=%d walk_prefix=%d depth=%d\n", shape, thread_no, round_no,
         agree, info.verified, prefix, nc);
  pthread_mutex_unlock(&out);
}

__attribute__((noinline)) static void shape_flat(void) {
  probe("flat");
  sink = 1;
}

__attribute__((noinline)) static void recurse(int n, const char *shape) {
  if (n == 0) {
    probe(shape);
  } else {
    recurse(n - 1, shape);
  }
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void odd(int n);
__attribute__((noinline)) static void even(int n) {
  if (n == 0) {
    probe("mutual");
  } else {
    odd(n - 1);
  }
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void odd(int n) {
  even(n - 1);
  __asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void inner(void) {
  probe("inlined");
  sink = 2;
}
static inline __attribute__((always_inline)) void middle(void) {
  inner();
  sink = 3;
}
__attribute__((noinline)) static void shape_inlined(void) {
  middle();
  sink = 4;
}

/* Keeps no frame pointer: its callee's saved %rbp is its caller's. */
__attribute__((noinline, optimize("omit-frame-pointer"))) static void nofp(void) {
  probe("nofp");
  sink = 5;
}
__attribute__((noinline)) static void shape_nofp(void) {
  nofp();
  sink = 6;
}

static void on_signal(int sig) {
  (void)sig;
  probe("signal");
  handled = 1;
}

static _Atomic int spinning; /* the target thread is about to spin */

static void *send_signal(void *target) {
  while (!atomic_load(&spinning)) {}
  pthread_kill(*(pthread_t *)target, SIGUSR1);
  return NULL;
}

/* Spins in a function with a frame pointer until the handler has run, so that the signal
 * interrupts this very loop. */
__attribute__((noinline)) static void shape_signal(void) {
  pthread_t self = pthread_self(), helper;
  handled = 0;
  atomic_store(&spinning, 0);
  pthread_create(&helper, NULL, send_signal, &self);
  atomic_store(&spinning, 1);
  while (!handled) {}
  pthread_join(helper, NULL);
}

static pthread_mutex_t signal_turn = PTHREAD_MUTEX_INITIALIZER; /* one signal probe at a time */

__attribute__((noinline)) static void run_shapes(void) {
  for (round_no = 1; round_no <= ROUNDS; round_no++) {
    shape_flat();
    recurse(100, "deep");
    recurse(300, "deeper");
    even(20);
    shape_inlined();
    shape_nofp();
    pthread_mutex_lock(&signal_turn);
    shape_signal();
    pthread_mutex_unlock(&signal_turn);
  }
}

static void *thread_main(void *arg) {
  thread_no = (int)(intptr_t)arg;
  run_shapes();
  return NULL;
}

int main(void) {
  hp_arena *arena = hp_arena_create(0, 0);
  unit = arena != NULL ? hp_capture_create(arena, 12, 1) : NULL;
  if (unit == NULL) {
    fprintf(stderr, "capture_probe: no capture unit\n");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  run_shapes();
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, thread_main, (void *)(intptr_t)(i + 1));
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  printf("unwound=%llu trusted=%llu\n", (unsigned long long)hp_capture_unwound(unit),
         (unsigned long long)hp_capture_trusted(unit));
  return 0;
}
