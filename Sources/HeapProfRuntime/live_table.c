/*
 * live_table.c: the sharded pointer -> (size, site) table (contract in hp_live_table.h).
 *
 * Entry (16 bytes): key = pointer (0 = empty slot), value = size << 24 | site id.
 *
 * Where a pointer goes: its 1 KiB block (ptr >> 10) is hashed, and that hash picks the
 * shard and a 64-slot window; the pointer's 16-byte offset inside the block picks the slot
 * in the window. Pointers that malloc hands out one after another (and frees and reuses)
 * thus land on neighbouring slots, often in a cache line already loaded, instead of one
 * cache miss each; pointers of one block never collide with each other.
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_live_table.h"

#include <stdatomic.h>

#include "arena_impl.h"

typedef struct entry {
  uintptr_t key;  /* allocation address, 0 when empty */
  uint64_t value; /* size << 24 | site id */
} entry;

_Static_assert(sizeof(entry) == 16, "live table entries are 16 bytes");

/* Two cache lines: the lock and count, written by every insert and remove, apart from
 * the array's address and size, which only a resize writes and which the prefetch of
 * another thread reads without the lock. */
typedef struct shard {
  _Alignas(64) _Atomic int lock;  /* spinlock guarding the fields below */
  uint32_t count;                 /* used slots */
  _Alignas(64) uint32_t capacity; /* slots in `slots` (power of two), 0 before first use */
  entry *slots;                   /* mapped from the arena */
} shard;

_Static_assert(sizeof(shard) == 128, "one shard per two cache lines");

struct hp_live_table {
  hp_arena *arena;           /* where slot arrays come from */
  unsigned shard_bits;       /* log2 of the shard count */
  uint32_t initial_capacity; /* slots of a shard's first array */
  shard *shards;             /* 2^shard_bits shards */
  unsigned filter_bits;      /* log2 of the filter's counters; 0 = no filter */
  uint32_t *filter;          /* live entries per top-hash-bits value; written under the
                                lock of the one shard those bits select, read lock-free */
};

static uint64_t mix_bits(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

/* The hash of a pointer's 1 KiB block: its top bits choose the shard (and filter counter). */
/* log2 of the block size. 10 measured best on bench-workload and up to 1M live entries;
 * smaller blocks cluster less at 10M (8: 229 vs 385 ns per free+malloc), 4 is a plain
 * per-pointer hash (BENCHMARKS.md). Settable with -DLT_BLOCK_SHIFT=N (4...10) to compare. */
#ifndef LT_BLOCK_SHIFT
#define LT_BLOCK_SHIFT 10
#endif
static uint64_t mix(uintptr_t p) { return mix_bits((uint64_t)(p >> LT_BLOCK_SHIFT)); }

/* The home slot of `key` (whose mix is `h`) before masking: window from the block hash,
 * slot in the window from the 16-byte offset in the block. */
static uint32_t home(uintptr_t key, uint64_t h) {
  return ((uint32_t)h << (LT_BLOCK_SHIFT - 4)) | (uint32_t)((key >> 4) & ((1u << (LT_BLOCK_SHIFT - 4)) - 1));
}

hp_live_table *hp_live_table_create(hp_arena *arena, unsigned shard_bits,
                                    uint32_t initial_capacity) {
  if (shard_bits > 10) shard_bits = 10;
  uint32_t cap = 16;
  while (cap < initial_capacity && cap < (1u << 30)) cap <<= 1;
  hp_live_table *t = hp_arena_bump(arena, sizeof(hp_live_table), 64);
  if (t == NULL) return NULL;
  t->arena = arena;
  t->shard_bits = shard_bits;
  t->initial_capacity = cap;
  t->shards = hp_arena_bump(arena, sizeof(shard) << shard_bits, 64);
  if (t->shards == NULL) return NULL;
  return t;
}

int hp_live_table_enable_filter(hp_live_table *t, unsigned filter_bits) {
  if (filter_bits < 10) filter_bits = 10;
  if (filter_bits > 26) filter_bits = 26;
  if (filter_bits < t->shard_bits) filter_bits = t->shard_bits;
  uint32_t *filter = hp_arena_map(t->arena, sizeof(uint32_t) << filter_bits);
  if (filter == NULL) return 0;
  t->filter = filter;
  t->filter_bits = filter_bits;
  return 1;
}

/* The filter counter of hash `h`: its top bits, a superset of the shard bits, so that a
 * counter is only ever written under its shard's lock. */
static uint32_t *filter_counter(const hp_live_table *t, uint64_t h) {
  return &t->filter[h >> (64 - t->filter_bits)];
}

static void filter_add(hp_live_table *t, uint64_t h, int delta) {
  if (t->filter == NULL) return;
  uint32_t *c = filter_counter(t, h);
  __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + (uint32_t)delta, __ATOMIC_RELEASE);
}

int hp_live_table_may_hold(hp_live_table *t, uintptr_t ptr) {
  if (t->filter == NULL) return 1;
  return __atomic_load_n(filter_counter(t, mix(ptr)), __ATOMIC_ACQUIRE) != 0;
}

void hp_live_table_prefetch(hp_live_table *t, uintptr_t ptr) {
  uint64_t h = mix(ptr);
  shard *s = &t->shards[t->shard_bits == 0 ? 0 : (h >> (64 - t->shard_bits))];
  uint32_t capacity = __atomic_load_n(&s->capacity, __ATOMIC_RELAXED);
  entry *slots = __atomic_load_n(&s->slots, __ATOMIC_RELAXED);
  if (capacity != 0 && slots != NULL) __builtin_prefetch(&slots[home(ptr, h) & (capacity - 1)], 1);
}

static shard *shard_for(hp_live_table *t, uint64_t h) {
  return &t->shards[t->shard_bits == 0 ? 0 : (h >> (64 - t->shard_bits))];
}

/* Finds the slot of `key` or the empty slot where it would go. */
static uint32_t probe(const shard *s, uintptr_t key, uint64_t h) {
  uint32_t mask = s->capacity - 1;
  uint32_t i = home(key, h) & mask;
  while (s->slots[i].key != 0 && s->slots[i].key != key) i = (i + 1) & mask;
  return i;
}

/* Moves the shard to an array of `capacity` slots; 0 when it cannot be mapped. */
static int resize(hp_live_table *t, shard *s, uint32_t capacity) {
  entry *fresh = hp_arena_map_populated(t->arena, sizeof(entry) * (size_t)capacity);
  if (fresh == NULL) return 0;
  entry *old = s->slots;
  uint32_t old_capacity = s->capacity;
  s->slots = fresh;
  s->capacity = capacity;
  for (uint32_t i = 0; i < old_capacity; i++) {
    if (old[i].key != 0) s->slots[probe(s, old[i].key, mix(old[i].key))] = old[i];
  }
  if (old != NULL) hp_arena_unmap(t->arena, old, sizeof(entry) * (size_t)old_capacity);
  return 1;
}

int hp_live_table_insert(hp_live_table *t, uintptr_t ptr, uint64_t size, uint32_t site,
                         uint64_t *old_size, uint32_t *old_site) {
  if (ptr == 0 || size > HP_LIVE_MAX_SIZE || site >= (1u << 24)) return 0;
  uint64_t h = mix(ptr);
  shard *s = shard_for(t, h);
  hp_spin_lock(&s->lock);
  if (s->capacity == 0 && !resize(t, s, t->initial_capacity)) {
    hp_spin_unlock(&s->lock);
    return 0;
  }
  uint32_t i = probe(s, ptr, h);
  int result = 1;
  if (s->slots[i].key == ptr) {
    if (old_size != NULL) *old_size = s->slots[i].value >> 24;
    if (old_site != NULL) *old_site = (uint32_t)(s->slots[i].value & 0xFFFFFF);
    s->slots[i].value = (size << 24) | site;
    hp_spin_unlock(&s->lock);
    return 2;
  }
  if ((uint64_t)(s->count + 1) * 4 > (uint64_t)s->capacity * 3) {
    if (s->capacity < (1u << 31) && resize(t, s, s->capacity * 2)) {
      i = probe(s, ptr, h);
    } else if (s->count + 2 > s->capacity) {
      hp_spin_unlock(&s->lock); /* full: keep one empty slot so probes end */
      return 0;
    }
  }
  s->slots[i].key = ptr;
  s->slots[i].value = (size << 24) | site;
  s->count++;
  filter_add(t, h, 1);
  hp_spin_unlock(&s->lock);
  return result;
}

int hp_live_table_remove(hp_live_table *t, uintptr_t ptr, uint64_t *size, uint32_t *site) {
  if (ptr == 0) return 0;
  uint64_t h = mix(ptr);
  shard *s = shard_for(t, h);
  hp_spin_lock(&s->lock);
  if (s->count == 0) {
    hp_spin_unlock(&s->lock);
    return 0;
  }
  uint32_t mask = s->capacity - 1;
  uint32_t i = probe(s, ptr, h);
  if (s->slots[i].key != ptr) {
    hp_spin_unlock(&s->lock);
    return 0;
  }
  if (size != NULL) *size = s->slots[i].value >> 24;
  if (site != NULL) *site = (uint32_t)(s->slots[i].value & 0xFFFFFF);
  /* Backward shift: pull later members of the cluster into the hole. */
  uint32_t hole = i;
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (s->slots[j].key == 0) break;
    uint32_t at = home(s->slots[j].key, mix(s->slots[j].key)) & mask;
    /* Move j into the hole unless its home lies cyclically in (hole, j]. */
    int stays = (hole <= j) ? (hole < at && at <= j) : (hole < at || at <= j);
    if (!stays) {
      s->slots[hole] = s->slots[j];
      hole = j;
    }
  }
  s->slots[hole].key = 0;
  s->slots[hole].value = 0;
  s->count--;
  filter_add(t, h, -1);
  hp_spin_unlock(&s->lock);
  return 1;
}

int hp_live_table_lookup(hp_live_table *t, uintptr_t ptr, uint64_t *size, uint32_t *site) {
  if (ptr == 0) return 0;
  uint64_t h = mix(ptr);
  shard *s = shard_for(t, h);
  hp_spin_lock(&s->lock);
  int found = 0;
  if (s->count != 0) {
    uint32_t i = probe(s, ptr, h);
    if (s->slots[i].key == ptr) {
      found = 1;
      if (size != NULL) *size = s->slots[i].value >> 24;
      if (site != NULL) *site = (uint32_t)(s->slots[i].value & 0xFFFFFF);
    }
  }
  hp_spin_unlock(&s->lock);
  return found;
}

uint64_t hp_live_table_count(hp_live_table *t) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < (1u << t->shard_bits); k++) {
    shard *s = &t->shards[k];
    hp_spin_lock(&s->lock);
    n += s->count;
    hp_spin_unlock(&s->lock);
  }
  return n;
}

uint64_t hp_live_table_capacity(hp_live_table *t) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < (1u << t->shard_bits); k++) {
    shard *s = &t->shards[k];
    hp_spin_lock(&s->lock);
    n += s->capacity;
    hp_spin_unlock(&s->lock);
  }
  return n;
}

void hp_live_table_destroy(hp_live_table *t) {
  for (uint32_t k = 0; k < (1u << t->shard_bits); k++) {
    shard *s = &t->shards[k];
    hp_spin_lock(&s->lock);
    if (s->slots != NULL) hp_arena_unmap(t->arena, s->slots, sizeof(entry) * (size_t)s->capacity);
    s->slots = NULL;
    s->capacity = 0;
    s->count = 0;
    hp_spin_unlock(&s->lock);
  }
}

void hp_live_table_lock_all(hp_live_table *t) {
  for (uint32_t k = 0; k < (1u << t->shard_bits); k++) hp_spin_lock(&t->shards[k].lock);
}

void hp_live_table_unlock_all(hp_live_table *t) {
  for (uint32_t k = 0; k < (1u << t->shard_bits); k++) hp_spin_unlock(&t->shards[k].lock);
}
