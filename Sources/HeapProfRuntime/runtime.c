/*
 * runtime.c: the process-wide recorder of libheapprof.so (contract in hp_runtime.h).
 *
 * An allocation's way through the runtime, one file each:
 *
 *   interpose.c  malloc wrapper: guard, real malloc, hp_hook_alloc
 *   runtime.c    enabled? sampled? (sampler.c)  ->  stack (capture.c)  ->  record
 *                (recorder.c: site_table.c, then live_table.c)  ->  in-use estimate
 *
 * Per-thread state lives in initial-exec TLS: the sampler's countdown and the batched
 * in-use delta. Nothing on the hook path touches a process-wide lock: sites are
 * lock-free, the live table locks one shard, and the in-use estimate is flushed to a
 * global atomic only every `inuse_batch` bytes.
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "runtime_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "hp_capture.h"
#include "hp_guard.h"
#include "hp_sampler.h"

#define TLS __thread __attribute__((tls_model("initial-exec")))

hp_runtime_state hp_rt;                 /* the one runtime of this process */
_Atomic int hp_hook_recording;          /* wrappers call the hooks while 1 */
static _Atomic int hp_init_started;     /* hp_runtime_init ran */

static TLS hp_sampler tls_sampler;      /* this thread's Poisson countdown */
static TLS int tls_sampler_ready;       /* tls_sampler seeded */
static TLS int64_t tls_inuse_delta;     /* in-use bytes not yet flushed */

/* ---------------------------------------------------------------------------------
 * Init
 * --------------------------------------------------------------------------------- */
static void make_absolute(char *path) {
  if (path[0] == '/' || path[0] == 0) return;
  char cwd[HP_PATH_MAX];
  if (getcwd(cwd, sizeof cwd - 1) == NULL) return;
  char joined[HP_PATH_MAX];
  hp_text t;
  hp_text_init(&t, joined, sizeof joined);
  hp_text_str(&t, cwd);
  hp_text_char(&t, '/');
  hp_text_str(&t, path);
  if (t.truncated) return;
  for (size_t i = 0; i <= t.len; i++) path[i] = joined[i];
}

int hp_runtime_init(char *const *envp) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&hp_init_started, &expected, 1))
    return atomic_load(&hp_hook_recording);
  int guard = hp_guard_enter();
  hp_config_parse(&hp_rt.config, envp, 2);
  if (hp_rt.config.out[0] == 0) {
    hp_guard_leave(guard);
    return 0;
  }
  make_absolute(hp_rt.config.out);
  hp_arena_init(&hp_rt.arena, 0, 1u << 20);
  hp_rt.recorder = hp_recorder_create(&hp_rt.arena, 16, 6, 64);
  hp_rt.capture = hp_capture_create(&hp_rt.arena, 16, hp_rt.config.fp_walk);
  /* Sampled: most frees are of pointers never entered; a 4 MiB (virtual) counting filter
   * answers those with one load instead of a shard lock and a probe. */
  if (hp_rt.recorder != NULL && hp_rt.config.sample_rate != 0 &&
      !hp_recorder_enable_free_filter(hp_rt.recorder, 20)) {
    hp_rt.recorder = NULL;
  }
  if (hp_rt.recorder != NULL) hp_recorder_enable_stripes(hp_rt.recorder);
  if (hp_rt.recorder == NULL || hp_rt.capture == NULL) {
    hp_say(2, "cannot map memory for the recorder; not recording");
    hp_guard_leave(guard);
    return 0;
  }
  ssize_t n = readlink("/proc/self/exe", hp_rt.program, sizeof hp_rt.program - 1);
  hp_rt.program[n > 0 ? n : 0] = 0;
  atomic_store(&hp_rt.pid, (int)getpid());
  hp_rt.seq = 0;
  pthread_mutex_init(&hp_rt.dump_lock, NULL);
  atomic_store(&hp_rt.enabled, 1);
  uint64_t batch = hp_rt.config.inuse_interval / 16;
  if (batch > (1u << 20)) batch = 1u << 20;
  if (batch < 4096) batch = 4096;
  hp_rt.inuse_batch = (int64_t)batch;
  hp_dumper_start();
  atomic_store(&hp_hook_recording, 1);
  hp_guard_leave(guard);
  return 1;
}

int hp_runtime_is_active(void) { return atomic_load(&hp_hook_recording); }

int hp_runtime_set_enabled(int enabled) {
  return atomic_exchange(&hp_rt.enabled, enabled ? 1 : 0);
}

/* ---------------------------------------------------------------------------------
 * Hooks
 * --------------------------------------------------------------------------------- */
/* Adds `delta` bytes to this thread's in-use batch; flushes it when large. */
static inline void note_inuse(int64_t delta) {
  if (hp_rt.config.inuse_interval == 0) return;
  tls_inuse_delta += delta;
  if (tls_inuse_delta >= hp_rt.inuse_batch || tls_inuse_delta <= -hp_rt.inuse_batch) {
    atomic_fetch_add_explicit(&hp_rt.inuse_estimate, tls_inuse_delta, memory_order_relaxed);
    tls_inuse_delta = 0;
  }
}

/* Bytes an entry stands for in the in-use estimate (a sample stands for ~rate bytes). */
static inline int64_t weight(uint64_t size) {
  uint64_t rate = hp_rt.config.sample_rate;
  return (int64_t)(rate != 0 && size < rate ? rate : size);
}

/* Records `ptr` of `size` bytes when recording is on and the sampler takes it. Always
 * inlined into a hook that the wrapper calls directly, so that the stack seen from here
 * starts two frames up: this hook's and the wrapper's are skipped, and frames[0] is the
 * return address into the program that called malloc. */
static inline __attribute__((always_inline)) void record_alloc(void *ptr, size_t size) {
  if (!atomic_load_explicit(&hp_rt.enabled, memory_order_relaxed)) return;
  uint64_t rate = hp_rt.config.sample_rate;
  if (rate != 0) {
    if (!tls_sampler_ready) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      uint64_t seed = (uint64_t)(uintptr_t)&tls_sampler * 0x9e3779b97f4a7c15ull ^
                      (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
      hp_sampler_init(&tls_sampler, rate, seed);
      tls_sampler_ready = 1;
    }
    if (!hp_sampler_take(&tls_sampler, size)) return;
  }
  /* The live-table slot is a likely cache miss: start loading it while the stack is taken. */
  hp_recorder_prefetch(hp_rt.recorder, (uintptr_t)ptr);
  uintptr_t frames[HP_MAX_DEPTH];
  hp_stack_info stack;
  int depth = hp_capture_stack(hp_rt.capture, frames, hp_rt.config.max_depth, 2, &stack);
  if (hp_recorder_alloc(hp_rt.recorder, (uintptr_t)ptr, size, frames, depth, stack.id))
    note_inuse(weight(size));
}

__attribute__((noinline)) void hp_hook_alloc(void *ptr, size_t size) { record_alloc(ptr, size); }

void hp_hook_free(void *ptr) {
  uint64_t size;
  if (hp_recorder_free(hp_rt.recorder, (uintptr_t)ptr, &size)) note_inuse(-weight(size));
}

void hp_hook_realloc_begin(void *old, size_t size, hp_realloc *r) {
  uint64_t freed;
  if (hp_recorder_realloc_begin(hp_rt.recorder, r, (uintptr_t)old, size, &freed))
    note_inuse(-weight(freed));
}

__attribute__((noinline)) void hp_hook_realloc_end(hp_realloc *r, void *result) {
  uint64_t freed;
  if (hp_recorder_realloc_end(hp_rt.recorder, r, (uintptr_t)result, &freed))
    note_inuse(-weight(freed));
  /* glibc's realloc(p, 0) frees p and returns NULL; a non-NULL result for size 0 (another
   * allocator) is not recorded, nor is realloc(NULL, 0). */
  if (result != NULL && r->size != 0) record_alloc(result, r->size);
}

/* ---------------------------------------------------------------------------------
 * Stats
 * --------------------------------------------------------------------------------- */
int hp_runtime_stats(hp_stats *out) {
  if (!atomic_load(&hp_hook_recording)) {
    errno = ENOENT;
    return -1;
  }
  int guard = hp_guard_enter();
  hp_recorder_stats(hp_rt.recorder, out);
  out->sample_rate = hp_rt.config.sample_rate;
  out->stacks_unwound = hp_capture_unwound(hp_rt.capture);
  out->dumps_written = atomic_load(&hp_rt.dumps_written);
  hp_guard_leave(guard);
  return 0;
}
