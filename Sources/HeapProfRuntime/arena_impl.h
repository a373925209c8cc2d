/*
 * arena_impl.h: the layout of hp_arena, private to the runtime (embed it in static
 * storage, then hp_arena_init). Hook-safe.
 */
#ifndef HP_ARENA_IMPL_H
#define HP_ARENA_IMPL_H

#include <stdatomic.h>

#include "hp_arena.h"

struct hp_arena {
  void *_Atomic chunk;         /* current bump chunk (header at its start) */
  _Atomic uint64_t mapped;     /* bytes currently mapped (chunks + blocks) */
  _Atomic uint64_t blocks;     /* mapped blocks not yet unmapped */
  _Atomic uint64_t bump_bytes; /* bytes handed out by hp_arena_bump */
  uint64_t limit;              /* most bytes this arena may map; 0 = no limit */
  uint64_t chunk_size;         /* size of a bump chunk */
  _Atomic int lock;            /* spinlock, held only while mapping a new chunk */
};

/* The in-process spinlock used by the runtime's tables (no allocation, no syscall
 * except sched_yield when contended). */
void hp_spin_lock_slow(_Atomic int *lock);

/* Inline: the uncontended case is one compare-exchange on every hook call. */
static inline void hp_spin_lock(_Atomic int *lock) {
  int expected = 0;
  if (__builtin_expect(atomic_compare_exchange_weak_explicit(lock, &expected, 1,
                                                             memory_order_acquire,
                                                             memory_order_relaxed), 1))
    return;
  hp_spin_lock_slow(lock);
}

static inline void hp_spin_unlock(_Atomic int *lock) {
  atomic_store_explicit(lock, 0, memory_order_release);
}

/* Takes / releases the arena's chunk lock (used around fork). */
void hp_arena_lock(hp_arena *arena);
void hp_arena_unlock(hp_arena *arena);

#endif /* HP_ARENA_IMPL_H */
