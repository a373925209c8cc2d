/*
 * capture.c: the stack of the calling thread, from the frame-pointer walk when it is
 * verified, else from libunwind (contract in hp_capture.h).
 *
 *   hp_capture_stack
 *     walk                      saved-%rbp chain inside the thread's stack bounds
 *     complete                  + the start code's frames: this thread's last tail, or
 *                                 the tails table
 *     trusted_id                this thread's memo, or the trusted set (hash + chain)
 *       hit  -> the walk's frames, verified
 *       miss -> unwind: cunwind_backtrace's frames; then learn: when the walk agreed,
 *               remember the tail and trust the stack
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_capture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "CUnwind.h"
#include "hp_site_table.h"

#define TLS __thread __attribute__((tls_model("initial-exec")))

#define TAIL_SLOTS 256 /* distinct walk ends; real programs have a handful */
#define MEMO_SLOTS 64  /* trusted stacks a thread remembers */

enum { EMPTY = 0, READY = 2, CONFLICT = 3 }; /* tail slot states; EMPTY with a key: being written */

typedef struct tail_slot {
  _Atomic uintptr_t key;                  /* last return address of the walk, 0 when free */
  _Atomic int state;                      /* EMPTY, READY or CONFLICT */
  int len;                                /* frames in `frames` */
  uintptr_t frames[HP_CAPTURE_TAIL_MAX];  /* what libunwind found after `key` */
} tail_slot;

struct hp_capture {
  int fp_walk;                         /* 0: libunwind for every stack */
  uint64_t serial;                     /* tells this unit's per-thread state from another's */
  hp_site_table *trusted;              /* stacks the walk and libunwind agreed on */
  _Alignas(64) _Atomic uint64_t unwound; /* captures answered by libunwind (own line) */
  _Alignas(64) tail_slot tails[TAIL_SLOTS]; /* start-code frames by the walk's last address */
};

/* One trusted stack this thread found: its frames live in the trusted set. */
typedef struct memo_entry {
  const uintptr_t *frames; /* the trusted set's copy; NULL when the slot is empty */
  uint32_t depth;          /* number of frames */
  uint32_t id;             /* trusted-set id */
} memo_entry;

static _Atomic uint64_t last_serial;               /* serials handed out (0 = none) */
static TLS uint64_t tls_owner;                     /* serial of the unit the memo and tail are of */
static TLS memo_entry tls_memo[MEMO_SLOTS];        /* by signature(); checked before use */
static TLS uintptr_t tls_tail_key;                 /* walk end of this thread's last tail */
static TLS int tls_tail_len;                       /* frames in tls_tail */
static TLS uintptr_t tls_tail[HP_CAPTURE_TAIL_MAX]; /* the tails table's answer for tls_tail_key */
static TLS uintptr_t tls_stack_lo;                 /* lowest byte of this thread's stack */
static TLS uintptr_t tls_stack_hi;                 /* one past its highest; 0 unread, 1 unknown */

hp_capture *hp_capture_create(hp_arena *arena, unsigned bucket_bits, int fp_walk) {
  hp_capture *c = hp_arena_bump(arena, sizeof(hp_capture), 64);
  if (c == NULL) return NULL;
  c->trusted = hp_site_table_create(arena, bucket_bits);
  if (c->trusted == NULL) return NULL;
  c->fp_walk = fp_walk != 0;
  c->serial = atomic_fetch_add(&last_serial, 1) + 1;
  atomic_store(&c->unwound, 0);
  cunwind_init();
  return c;
}

uint64_t hp_capture_unwound(const hp_capture *c) {
  return atomic_load_explicit(&((hp_capture *)c)->unwound, memory_order_relaxed);
}

uint64_t hp_capture_trusted(const hp_capture *c) { return hp_site_table_site_count(c->trusted); }

static inline int same_frames(const uintptr_t *a, const uintptr_t *b, int depth) {
  /* A word loop, not memcmp: stacks are short and the call costs more than the compare. */
  uintptr_t diff = 0;
  for (int i = 0; i < depth; i++) diff |= a[i] ^ b[i];
  return diff == 0;
}

/* ---------------------------------------------------------------------------------
 * The walk
 * --------------------------------------------------------------------------------- */
/* Reads this thread's stack bounds (pthread_getattr_np mallocs: the caller holds the
 * runtime's guard, so that allocation passes straight through). */
static __attribute__((noinline)) int read_stack_bounds(void) {
  if (tls_stack_hi == 1) return 0;
  tls_stack_hi = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void *addr = NULL;
  size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0 || addr == NULL || size == 0) return 0;
  tls_stack_lo = (uintptr_t)addr;
  tls_stack_hi = (uintptr_t)addr + size;
  return 1;
}

/* 1 when this thread's stack bounds are known (read once per thread). */
static inline int stack_bounds(void) {
  if (__builtin_expect(tls_stack_hi > 1, 1)) return 1;
  return read_stack_bounds();
}

/* 1 when `next`, read from the frame at `fp`, is no frame pointer to follow: zero (the
 * ABI's outermost marker), or any value that is not a higher, aligned address of this
 * stack (a caller that keeps no frame pointer left something else in %rbp). */
static inline int chain_ends(uintptr_t next, uintptr_t fp, uintptr_t hi) {
  return next <= fp || next > hi - 2 * sizeof(uintptr_t) || (next & (sizeof(uintptr_t) - 1)) != 0;
}

/* Walks the chain from `fp`, the frame address of the function whose caller is frame 0
 * (hp_capture_walk's contract). Each step checks the next frame pointer before
 * following it, so every frame read lies inside [lo, hi). */
static inline __attribute__((always_inline)) int walk(uintptr_t fp, uintptr_t *frames,
                                                      int max_frames, int skip, int *clean_end) {
  *clean_end = 0;
#if defined(__x86_64__) || defined(__aarch64__)
  if (max_frames <= 0 || !stack_bounds()) return -1;
  const uintptr_t lo = tls_stack_lo, hi = tls_stack_hi;
  if (fp < lo || fp > hi - 2 * sizeof(uintptr_t) || (fp & (sizeof(uintptr_t) - 1)) != 0) return -1;
  for (int k = 0; k < skip; k++) { /* frames dropped: a chain that ends here is no stack */
    const uintptr_t *frame = (const uintptr_t *)fp;
    if (frame[1] < 4096 || chain_ends(frame[0], fp, hi)) return -1;
    fp = frame[0];
  }
  int n = 0;
  for (;;) {
    const uintptr_t *frame = (const uintptr_t *)fp;
    uintptr_t next = frame[0], ra = frame[1];
    if (ra < 4096) return -1;
    frames[n++] = ra;
    if (n == max_frames) return n;
    if (chain_ends(next, fp, hi)) {
      *clean_end = 1;
      return n;
    }
    fp = next;
  }
#else
  (void)fp;
  (void)frames;
  (void)max_frames;
  (void)skip;
  return -1;
#endif
}

__attribute__((noinline)) int hp_capture_walk(uintptr_t *frames, int max_frames, int skip,
                                              int *clean_end) {
  return walk((uintptr_t)__builtin_frame_address(0), frames, max_frames, skip, clean_end);
}

/* ---------------------------------------------------------------------------------
 * Tails: the start code's frames after a cleanly ended walk
 * --------------------------------------------------------------------------------- */
static uint32_t tail_home(uintptr_t key) {
  uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h >> 56) % TAIL_SLOTS;
}

/* Appends the remembered tail of frames[depth-1], keeping at most max_frames frames.
 * Returns the new depth, or -1 when no tail is known. */
static int tails_complete(hp_capture *c, uintptr_t *frames, int depth, int max_frames) {
  uintptr_t key = frames[depth - 1];
  for (uint32_t i = tail_home(key), n = 0; n < TAIL_SLOTS; n++, i = (i + 1) % TAIL_SLOTS) {
    tail_slot *s = &c->tails[i];
    uintptr_t k = atomic_load_explicit(&s->key, memory_order_acquire);
    if (k == 0) return -1;
    if (k != key) continue;
    if (atomic_load_explicit(&s->state, memory_order_acquire) != READY) return -1;
    int len = s->len;
    if (depth + len > max_frames) len = max_frames - depth;
    memcpy(frames + depth, s->frames, sizeof(uintptr_t) * (size_t)len);
    return depth + len;
  }
  return -1;
}

/* Remembers that libunwind found tail[0..len) after return address `last`. */
static void tails_learn(hp_capture *c, uintptr_t last, const uintptr_t *tail, int len) {
  for (uint32_t i = tail_home(last), n = 0; n < TAIL_SLOTS; n++, i = (i + 1) % TAIL_SLOTS) {
    tail_slot *s = &c->tails[i];
    uintptr_t k = atomic_load_explicit(&s->key, memory_order_acquire);
    if (k == 0) {
      uintptr_t expected = 0;
      if (!atomic_compare_exchange_strong(&s->key, &expected, last)) {
        k = expected;
      } else {
        /* A walk cut short in the middle of a stack (qsort calling back into code that
         * allocates) leaves a long tail that depends on who called: never remembered. */
        if (len > HP_CAPTURE_TAIL_MAX) {
          atomic_store_explicit(&s->state, CONFLICT, memory_order_release);
          return;
        }
        s->len = len;
        memcpy(s->frames, tail, sizeof(uintptr_t) * (size_t)len);
        atomic_store_explicit(&s->state, READY, memory_order_release);
        return;
      }
    }
    if (k != last) continue;
    int state = atomic_load_explicit(&s->state, memory_order_acquire);
    if (state == READY && (s->len != len || !same_frames(s->frames, tail, len))) {
      atomic_store_explicit(&s->state, CONFLICT, memory_order_release);
    }
    return;
  }
}

/* Completes a cleanly ended walk of `walked` frames; nearly every walk of a thread ends
 * at the same frame, so its tail is kept at hand. Returns the depth or -1. */
static inline int complete(hp_capture *c, uintptr_t *frames, int walked, int max_frames) {
  uintptr_t key = frames[walked - 1];
  if (key == tls_tail_key && walked + tls_tail_len <= max_frames) {
    /* A fixed trip count, so that the compiler unrolls it (a variable one became `rep
     * movsq`, whose start-up cost was a tenth of this function's samples). */
    for (int i = 0; i < HP_CAPTURE_TAIL_MAX; i++) {
      if (i < tls_tail_len) frames[walked + i] = tls_tail[i];
    }
    return walked + tls_tail_len;
  }
  int depth = tails_complete(c, frames, walked, max_frames);
  if (depth >= walked && depth < max_frames && depth - walked <= HP_CAPTURE_TAIL_MAX) {
    /* (not when max_frames cut the tail: the cache holds whole tails only) */
    tls_tail_key = key;
    tls_tail_len = depth - walked;
    for (int i = 0; i < tls_tail_len; i++) tls_tail[i] = frames[walked + i];
  }
  return depth;
}

/* ---------------------------------------------------------------------------------
 * The trusted set
 * --------------------------------------------------------------------------------- */
/* Which memo slot a stack uses: frames 1-3 (frame 0 is the same return address into the
 * allocator for most stacks of a program) and the depth. */
static inline uint32_t signature(const uintptr_t *frames, int depth) {
  uint64_t h = (uint64_t)depth * 0x9e3779b97f4a7c15ull;
  for (int i = 1; i < depth && i < 4; i++) h = (h ^ (uint64_t)frames[i]) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h >> 58) & (MEMO_SLOTS - 1);
}

/* The trusted-set id of frames[0..depth), or HP_STACK_NONE. */
static inline uint32_t trusted_id(hp_capture *c, const uintptr_t *frames, int depth) {
  memo_entry *m = &tls_memo[signature(frames, depth)];
  if (m->frames != NULL && m->depth == (uint32_t)depth && same_frames(m->frames, frames, depth))
    return m->id;
  uint32_t id = hp_site_table_find(c->trusted, frames, depth);
  if (id == HP_SITE_NONE) return HP_STACK_NONE;
  int stored = 0;
  const uintptr_t *copy = hp_site_table_frames(c->trusted, id, &stored);
  if (copy != NULL && stored == depth) {
    m->frames = copy;
    m->depth = (uint32_t)depth;
    m->id = id;
  }
  return id;
}

/* libunwind gave frames[0..depth): when the walk's own `walked` frames are their start,
 * remember the tail after them, and trust the stack when the completed walk is exactly
 * libunwind's. Returns the stack's trusted-set id, or HP_STACK_NONE. */
static uint32_t learn(hp_capture *c, uintptr_t *walk_frames, int walked, int clean_end,
                      const uintptr_t *frames, int depth, int max_frames) {
  if (walked <= 0 || walked > depth || !same_frames(walk_frames, frames, walked))
    return HP_STACK_NONE;
  int completed = walked;
  if (clean_end) {
    /* libunwind's frames after the walk's last one are the start code's; unless libunwind
     * was cut at max_frames (then they may be incomplete). */
    if (depth < max_frames) tails_learn(c, frames[walked - 1], frames + walked, depth - walked);
    completed = tails_complete(c, walk_frames, walked, max_frames);
  }
  if (completed != depth || !same_frames(walk_frames, frames, depth)) return HP_STACK_NONE;
  uint32_t id = hp_site_table_intern(c->trusted, frames, depth);
  return id == HP_SITE_NONE ? HP_STACK_NONE : id;
}

/* The slow path of hp_capture_stack, called directly from it (never as a tail call, see
 * there): libunwind's frames, then learning from the walk's `walked` frames, which are
 * still at the start of `frames`. Out of line, so that the fast path's frame stays small. */
static __attribute__((noinline)) int unwind(hp_capture *c, uintptr_t *frames, int max_frames,
                                            int skip, int walked, int clean_end,
                                            hp_stack_info *info) {
  uintptr_t walk_frames[HP_MAX_DEPTH];
  if (walked > 0) memcpy(walk_frames, frames, sizeof(uintptr_t) * (size_t)walked);
  /* skip + 2: this function's frame and hp_capture_stack's. */
  int depth = cunwind_backtrace((void **)frames, max_frames, skip + 2);
  atomic_fetch_add_explicit(&c->unwound, 1, memory_order_relaxed);
  if (depth > 0 && walked > 0)
    info->id = learn(c, walk_frames, walked, clean_end, frames, depth, max_frames);
  return depth;
}

/* ---------------------------------------------------------------------------------
 * Capture
 * --------------------------------------------------------------------------------- */
/* This thread starts using unit `c`: forget what it remembered of another unit. */
static __attribute__((noinline)) void adopt(const hp_capture *c) {
  memset(tls_memo, 0, sizeof tls_memo);
  tls_tail_key = 0;
  tls_tail_len = 0;
  tls_owner = c->serial;
}

__attribute__((noinline)) int hp_capture_stack(hp_capture *c, uintptr_t *frames, int max_frames,
                                               int skip, hp_stack_info *info) {
  info->verified = 0;
  info->id = HP_STACK_NONE;
  if (max_frames <= 0) return 0;
  if (max_frames > HP_MAX_DEPTH) max_frames = HP_MAX_DEPTH;
  if (skip < 0) skip = 0;
  int walked = -1, clean_end = 0;
  if (c->fp_walk) {
    if (__builtin_expect(tls_owner != c->serial, 0)) adopt(c);
    walked = walk((uintptr_t)__builtin_frame_address(0), frames, max_frames, skip, &clean_end);
    int depth = walked > 0 && clean_end ? complete(c, frames, walked, max_frames) : walked;
    if (depth > 0) {
      uint32_t id = trusted_id(c, frames, depth);
      if (id != HP_STACK_NONE) {
        info->verified = 1;
        info->id = id;
        return depth;
      }
    }
  }
  int depth = unwind(c, frames, max_frames, skip, walked, clean_end, info);
  /* Keeps the call above from becoming a jump: unwind() counts this frame as one to drop. */
  __asm__ volatile("" ::: "memory");
  return depth;
}
