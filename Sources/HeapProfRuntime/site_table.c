/*
 * site_table.c: the lock-free stack -> site table (contract in hp_site_table.h).
 *
 *   buckets[hash & mask] -> site -> site -> NULL     (chains, newest first)
 *   directory[id >> 14][id & 16383] -> site          (id -> site, for the live table)
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_site_table.h"

#include <stdatomic.h>
#include <string.h>

#include "arena_impl.h"

#define DIR_PAGE_BITS 14
#define DIR_PAGE_SIZE (1u << DIR_PAGE_BITS)
#define DIR_PAGES (HP_SITE_MAX_IDS / DIR_PAGE_SIZE)

typedef struct hp_site {
  struct hp_site *_Atomic next; /* next site in the same chain */
  uint64_t hash;                /* hp_stack_hash of the frames */
  uint32_t id;                  /* dense id */
  uint32_t depth;               /* number of frames */
  _Atomic uint32_t trusted;     /* 1: the frame-pointer walk may find this site */
  _Atomic uint64_t alloc_count; /* allocations recorded here */
  _Atomic uint64_t alloc_bytes; /* their requested bytes */
  _Atomic uint64_t free_count;  /* frees credited here */
  _Atomic uint64_t free_bytes;  /* their bytes */
  uintptr_t frames[];           /* return addresses, leaf first */
} hp_site;

typedef hp_site *_Atomic site_slot;

struct hp_site_table {
  hp_arena *arena;                  /* where sites come from */
  uint64_t mask;                    /* buckets - 1 */
  site_slot *buckets;               /* chain heads */
  site_slot *_Atomic *directory;    /* DIR_PAGES pages of DIR_PAGE_SIZE slots */
  _Atomic uint32_t next_id;         /* next id to hand out */
  _Atomic uint64_t sites;           /* linked sites */
};

uint64_t hp_stack_hash(const uintptr_t *frames, int depth) {
  /* Two independent multiply lanes (the multiply latency chain is the cost here), folded
   * once at the end. Collisions only cost a frame comparison. */
  uint64_t a = 0x9e3779b97f4a7c15ull ^ (uint64_t)depth, b = 0xc2b2ae3d27d4eb4full;
  int i = 0;
  for (; i + 1 < depth; i += 2) {
    a = (a ^ (uint64_t)frames[i]) * 0xff51afd7ed558ccdull;
    b = (b ^ (uint64_t)frames[i + 1]) * 0xc4ceb9fe1a85ec53ull;
  }
  if (i < depth) a = (a ^ (uint64_t)frames[i]) * 0xff51afd7ed558ccdull;
  uint64_t h = a ^ (b >> 31) ^ (b << 33);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 29;
  return h;
}

hp_site_table *hp_site_table_create(hp_arena *arena, unsigned bucket_bits) {
  if (bucket_bits < 4) bucket_bits = 4;
  if (bucket_bits > 24) bucket_bits = 24;
  hp_site_table *t = hp_arena_bump(arena, sizeof(hp_site_table), 64);
  if (t == NULL) return NULL;
  t->arena = arena;
  t->mask = (1ull << bucket_bits) - 1;
  t->buckets = hp_arena_bump(arena, sizeof(site_slot) << bucket_bits, 4096);
  t->directory = hp_arena_bump(arena, sizeof(site_slot *) * DIR_PAGES, 64);
  if (t->buckets == NULL || t->directory == NULL) return NULL;
  atomic_store(&t->next_id, 0);
  atomic_store(&t->sites, 0);
  return t;
}

static hp_site *site_by_id(const hp_site_table *t, uint32_t id) {
  if (id >= HP_SITE_MAX_IDS) return NULL;
  site_slot *page = atomic_load_explicit(&t->directory[id >> DIR_PAGE_BITS], memory_order_acquire);
  if (page == NULL) return NULL;
  return atomic_load_explicit(&page[id & (DIR_PAGE_SIZE - 1)], memory_order_acquire);
}

/* Publishes `site` under its id; 0 when no directory page could be mapped. */
static int publish_id(hp_site_table *t, hp_site *site) {
  site_slot *_Atomic *dir_slot = &t->directory[site->id >> DIR_PAGE_BITS];
  site_slot *page = atomic_load_explicit(dir_slot, memory_order_acquire);
  if (page == NULL) {
    site_slot *fresh = hp_arena_bump(t->arena, sizeof(site_slot) * DIR_PAGE_SIZE, 4096);
    if (fresh == NULL) return 0;
    site_slot *expected = NULL;
    if (atomic_compare_exchange_strong(dir_slot, &expected, fresh)) {
      page = fresh;
    } else {
      page = expected; /* another thread won; our page stays unused in the arena */
    }
  }
  atomic_store_explicit(&page[site->id & (DIR_PAGE_SIZE - 1)], site, memory_order_release);
  return 1;
}

static int same_stack(const hp_site *s, uint64_t hash, const uintptr_t *frames, int depth) {
  if (s->hash != hash || s->depth != (uint32_t)depth) return 0;
  /* A word loop, not memcmp: stacks are short and the call costs more than the compare. */
  uintptr_t diff = 0;
  for (int i = 0; i < depth; i++) diff |= s->frames[i] ^ frames[i];
  return diff == 0;
}

/* Looks for the stack among the chain from `head` down to (not including) `stop`. */
static hp_site *find(hp_site *head, hp_site *stop, uint64_t hash, const uintptr_t *frames,
                     int depth) {
  for (hp_site *s = head; s != stop; s = atomic_load_explicit(&s->next, memory_order_acquire)) {
    if (same_stack(s, hash, frames, depth)) return s;
  }
  return NULL;
}

static hp_site *intern(hp_site_table *t, const uintptr_t *frames, int depth);

uint32_t hp_site_table_intern(hp_site_table *t, const uintptr_t *frames, int depth) {
  hp_site *site = intern(t, frames, depth);
  return site != NULL ? site->id : HP_SITE_NONE;
}

uint32_t hp_site_table_record_alloc(hp_site_table *t, const uintptr_t *frames, int depth,
                                    uint64_t bytes) {
  hp_site *s = intern(t, frames, depth);
  if (s == NULL) return HP_SITE_NONE;
  atomic_fetch_add_explicit(&s->alloc_count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
  return s->id;
}

/* Finds or creates the site of a stack; NULL when the arena or the ids are exhausted. */
static hp_site *intern(hp_site_table *t, const uintptr_t *frames, int depth) {
  if (depth < 0) depth = 0;
  if (depth > HP_MAX_DEPTH) depth = HP_MAX_DEPTH;
  uint64_t hash = hp_stack_hash(frames, depth);
  site_slot *bucket = &t->buckets[hash & t->mask];
  hp_site *head = atomic_load_explicit(bucket, memory_order_acquire);
  hp_site *found = find(head, NULL, hash, frames, depth);
  if (found != NULL) return found;

  uint32_t id = atomic_fetch_add(&t->next_id, 1);
  if (id >= HP_SITE_MAX_IDS) {
    atomic_store(&t->next_id, HP_SITE_MAX_IDS);
    return NULL;
  }
  hp_site *site = hp_arena_bump(t->arena, sizeof(hp_site) + sizeof(uintptr_t) * (size_t)depth, 64);
  if (site == NULL) return NULL;
  site->hash = hash;
  site->id = id;
  site->depth = (uint32_t)depth;
  memcpy(site->frames, frames, sizeof(uintptr_t) * (size_t)depth);
  if (!publish_id(t, site)) return NULL;
  for (;;) {
    atomic_store_explicit(&site->next, head, memory_order_relaxed);
    hp_site *seen = head;
    if (atomic_compare_exchange_weak_explicit(bucket, &seen, site, memory_order_release,
                                              memory_order_acquire)) {
      atomic_fetch_add_explicit(&t->sites, 1, memory_order_relaxed);
      return site;
    }
    /* Someone pushed first: did they push this very stack? */
    found = find(seen, head, hash, frames, depth);
    if (found != NULL) return found; /* our site stays an orphan with zero counts */
    head = seen;
  }
}

uint32_t hp_site_table_record_trusted(hp_site_table *t, const uintptr_t *frames, int depth,
                                      uint64_t bytes) {
  if (depth <= 0 || depth > HP_MAX_DEPTH) return HP_SITE_NONE;
  uint64_t hash = hp_stack_hash(frames, depth);
  hp_site *head = atomic_load_explicit(&t->buckets[hash & t->mask], memory_order_acquire);
  hp_site *s = find(head, NULL, hash, frames, depth);
  if (s == NULL || !atomic_load_explicit(&s->trusted, memory_order_relaxed)) return HP_SITE_NONE;
  atomic_fetch_add_explicit(&s->alloc_count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
  return s->id;
}

void hp_site_table_trust(hp_site_table *t, uint32_t id) {
  hp_site *s = site_by_id(t, id);
  if (s != NULL) atomic_store_explicit(&s->trusted, 1, memory_order_relaxed);
}

void hp_site_table_add_alloc(hp_site_table *t, uint32_t id, uint64_t bytes) {
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return;
  atomic_fetch_add_explicit(&s->alloc_count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
}

void hp_site_table_add_free(hp_site_table *t, uint32_t id, uint64_t bytes) {
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return;
  atomic_fetch_add_explicit(&s->free_count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->free_bytes, bytes, memory_order_relaxed);
}

int hp_site_table_counts(const hp_site_table *t, uint32_t id, hp_site_counts *out) {
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return -1;
  out->free_count = atomic_load_explicit(&s->free_count, memory_order_acquire);
  out->free_bytes = atomic_load_explicit(&s->free_bytes, memory_order_acquire);
  out->alloc_count = atomic_load_explicit(&s->alloc_count, memory_order_acquire);
  out->alloc_bytes = atomic_load_explicit(&s->alloc_bytes, memory_order_acquire);
  return 0;
}

const uintptr_t *hp_site_table_frames(const hp_site_table *t, uint32_t id, int *depth) {
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return NULL;
  if (depth != NULL) *depth = (int)s->depth;
  return s->frames;
}

uint32_t hp_site_table_id_limit(const hp_site_table *t) {
  uint32_t n = atomic_load(&((hp_site_table *)t)->next_id);
  return n > HP_SITE_MAX_IDS ? HP_SITE_MAX_IDS : n;
}

uint64_t hp_site_table_site_count(const hp_site_table *t) {
  return atomic_load(&((hp_site_table *)t)->sites);
}
