/*
 * runtime.c: the process-wide recorder of libheapprof.so (contract in hp_runtime.h).
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

#include "CUnwind.h"
#include "fmt.h"
#include "hp_fp_tails.h"
#include "hp_guard.h"
#include "hp_sampler.h"

#define TLS __thread __attribute__((tls_model("initial-exec")))

hp_runtime_state hp_rt;                 /* the one runtime of this process */
_Atomic int hp_hook_recording;          /* wrappers call the hooks while 1 */
static _Atomic int hp_init_started;     /* hp_runtime_init ran */

static TLS hp_sampler tls_sampler;      /* this thread's Poisson countdown */
static TLS int tls_sampler_ready;       /* tls_sampler seeded */
static TLS int64_t tls_inuse_delta;     /* in-use bytes not yet flushed */
static TLS uintptr_t tls_tail_key;      /* last frame of this thread's last completed walk */
static TLS int tls_tail_len;            /* frames in tls_tail */
static TLS uintptr_t tls_tail[HP_FP_TAIL_MAX]; /* hp_fp_tails' answer for tls_tail_key */

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
  /* Sampled: most frees are of pointers never entered; a 4 MiB (virtual) counting filter
   * answers those with one load instead of a shard lock and a probe. */
  if (hp_rt.recorder != NULL && hp_rt.config.sample_rate != 0 &&
      !hp_live_table_enable_filter(hp_recorder_live(hp_rt.recorder), 20)) {
    hp_rt.recorder = NULL;
  }
  if (hp_rt.recorder != NULL) hp_site_table_enable_stripes(hp_recorder_sites(hp_rt.recorder));
  if (hp_rt.recorder == NULL) {
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
  cunwind_init();
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

__attribute__((noinline)) void hp_hook_alloc(void *ptr, size_t size) {
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
  const int max_depth = hp_rt.config.max_depth;
  /* The live-table slot is a likely cache miss: start loading it while the stack is walked. */
  hp_live_table_prefetch(hp_recorder_live(hp_rt.recorder), (uintptr_t)ptr);
  /* Fast path: a frame-pointer walk whose exact frames name a trusted site (one that the
   * walk and libunwind once agreed on, see hp_site_table_trust). Both walks skip
   * hp_hook_alloc and the wrapper: frames[0] is the wrapper's return address. */
  uintptr_t fp_frames[HP_MAX_DEPTH];
  int clean_end = 0;
  int fp_depth = hp_rt.config.fp_walk ? cunwind_fp_backtrace((void **)fp_frames, max_depth, 2, &clean_end)
                               : -1;
  int fp_walked = fp_depth; /* frames the walk itself saw, before any remembered tail */
  if (fp_depth > 0 && clean_end) {
    /* Nearly every walk of a thread ends at the same frame: keep its tail at hand. */
    if (fp_frames[fp_depth - 1] == tls_tail_key && fp_depth + tls_tail_len <= max_depth) {
      for (int i = 0; i < tls_tail_len; i++) fp_frames[fp_depth + i] = tls_tail[i];
      fp_depth += tls_tail_len;
    } else {
      uintptr_t key = fp_frames[fp_depth - 1];
      int walked = fp_depth;
      fp_depth = hp_fp_tails_complete(hp_fp_tails_shared(), fp_frames, fp_depth, max_depth);
      if (fp_depth >= walked && fp_depth < max_depth && fp_depth - walked <= HP_FP_TAIL_MAX) {
        /* (not when max_depth cut the tail: the cache holds whole tails only) */
        tls_tail_key = key;
        tls_tail_len = fp_depth - walked;
        for (int i = 0; i < tls_tail_len; i++) tls_tail[i] = fp_frames[walked + i];
      }
    }
  }
  if (fp_depth > 0) {
    uint32_t site = hp_site_table_record_trusted(hp_recorder_sites(hp_rt.recorder), fp_frames,
                                                 fp_depth, size);
    if (site != HP_SITE_NONE) {
      if (hp_recorder_enter(hp_rt.recorder, (uintptr_t)ptr, size, site)) note_inuse(weight(size));
      return;
    }
  }
  /* Slow path: libunwind decides; when the walk agrees, the site becomes trusted. */
  uintptr_t frames[HP_MAX_DEPTH];
  int depth = cunwind_backtrace((void **)frames, max_depth, 2);
  if (depth <= 0) {
    hp_recorder_count_drop(hp_rt.recorder);
    return;
  }
  uint32_t site = HP_SITE_NONE;
  if (hp_recorder_alloc_at(hp_rt.recorder, (uintptr_t)ptr, size, frames, depth, &site)) {
    note_inuse(weight(size));
  }
  if (site == HP_SITE_NONE || fp_walked <= 0 || fp_walked > depth ||
      memcmp(fp_frames, frames, sizeof(uintptr_t) * (size_t)fp_walked) != 0)
    return;
  if (clean_end) {
    /* libunwind's frames after the walk's last one are the start code's: remember them
     * (unless libunwind was cut at max_depth, then they may be incomplete). */
    if (depth < max_depth) {
      hp_fp_tails_learn(hp_fp_tails_shared(), frames[fp_walked - 1], frames + fp_walked,
                        depth - fp_walked);
    }
    fp_depth = hp_fp_tails_complete(hp_fp_tails_shared(), fp_frames, fp_walked, max_depth);
  } else {
    fp_depth = fp_walked;
  }
  if (fp_depth == depth && memcmp(fp_frames, frames, sizeof(uintptr_t) * (size_t)depth) == 0) {
    hp_site_table_trust(hp_recorder_sites(hp_rt.recorder), site);
  }
}

void hp_hook_free(void *ptr) {
  uint64_t size;
  uint32_t site;
  if (!hp_live_table_may_hold(hp_recorder_live(hp_rt.recorder), (uintptr_t)ptr)) return;
  if (!hp_recorder_take(hp_rt.recorder, (uintptr_t)ptr, &size, &site)) return;
  hp_recorder_credit(hp_rt.recorder, site, size);
  note_inuse(-weight(size));
}

int hp_hook_take(void *ptr, uint64_t *size, uint32_t *site) {
  if (!hp_live_table_may_hold(hp_recorder_live(hp_rt.recorder), (uintptr_t)ptr)) return 0;
  return hp_recorder_take(hp_rt.recorder, (uintptr_t)ptr, size, site);
}

void hp_hook_restore(void *ptr, uint64_t size, uint32_t site) {
  hp_recorder_restore(hp_rt.recorder, (uintptr_t)ptr, size, site);
}

void hp_hook_credit(uint32_t site, uint64_t size) {
  hp_recorder_credit(hp_rt.recorder, site, size);
  note_inuse(-weight(size));
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
  out->dumps_written = atomic_load(&hp_rt.dumps_written);
  hp_guard_leave(guard);
  return 0;
}
