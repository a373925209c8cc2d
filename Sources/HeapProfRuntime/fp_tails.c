/*
 * fp_tails.c: remembered outermost frames (contract in hp_fp_tails.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_fp_tails.h"

#include <stdatomic.h>
#include <string.h>

#define SLOTS 256 /* distinct walk ends; real programs have a handful */

enum { EMPTY = 0, READY = 2, CONFLICT = 3 }; /* EMPTY with a key: being written */

typedef struct tail_slot {
  _Atomic uintptr_t key;            /* last return address of the walk, 0 when free */
  _Atomic int state;                /* EMPTY, READY or CONFLICT */
  int len;                          /* frames in `frames` */
  uintptr_t frames[HP_FP_TAIL_MAX]; /* what libunwind found after `key` */
} tail_slot;

struct hp_fp_tails {
  tail_slot slots[SLOTS];
};

static hp_fp_tails shared_tails; /* the process's table */

hp_fp_tails *hp_fp_tails_shared(void) { return &shared_tails; }

static uint32_t home(uintptr_t key) {
  uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h >> 56) % SLOTS;
}

int hp_fp_tails_complete(hp_fp_tails *t, uintptr_t *frames, int depth, int max_frames) {
  if (depth <= 0) return -1;
  uintptr_t key = frames[depth - 1];
  for (uint32_t i = home(key), n = 0; n < SLOTS; n++, i = (i + 1) % SLOTS) {
    tail_slot *s = &t->slots[i];
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

void hp_fp_tails_learn(hp_fp_tails *t, uintptr_t last, const uintptr_t *tail, int len) {
  if (last == 0 || len < 0) return;
  for (uint32_t i = home(last), n = 0; n < SLOTS; n++, i = (i + 1) % SLOTS) {
    tail_slot *s = &t->slots[i];
    uintptr_t k = atomic_load_explicit(&s->key, memory_order_acquire);
    if (k == 0) {
      uintptr_t expected = 0;
      if (!atomic_compare_exchange_strong(&s->key, &expected, last)) {
        k = expected;
      } else {
        if (len > HP_FP_TAIL_MAX) {
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
    if (state == READY && (s->len != len ||
                           memcmp(s->frames, tail, sizeof(uintptr_t) * (size_t)len) != 0)) {
      atomic_store_explicit(&s->state, CONFLICT, memory_order_release);
    }
    return;
  }
}
