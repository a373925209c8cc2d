/*
 * recorder.c: the hooks' operations on the site table and the live table (contract in
 * hp_recorder.h).
 *
 *   site_of_stack[id >> 14][id & 16383] = site id + 1    (0: not known yet)
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_recorder.h"

#include <stdatomic.h>

#include "arena_impl.h"

_Static_assert(sizeof(hp_stats) == 11 * sizeof(uint64_t), "hp_stats mirrors heapprof_stats");

#define STACK_PAGE_BITS 14
#define STACK_PAGE_SIZE (1u << STACK_PAGE_BITS)
#define STACK_PAGES (HP_SITE_MAX_IDS / STACK_PAGE_SIZE)

typedef _Atomic uint32_t site_plus_one;

struct hp_recorder {
  hp_arena *arena;                               /* where id pages come from */
  hp_site_table *sites;                          /* stack -> site */
  hp_live_table *live;                           /* pointer -> (size, site) */
  _Atomic uint64_t dropped;                      /* allocations not recorded */
  site_plus_one *_Atomic site_of_stack[STACK_PAGES]; /* pages mapped on first use */
};

hp_recorder *hp_recorder_create(hp_arena *arena, unsigned bucket_bits, unsigned shard_bits,
                                uint32_t shard_capacity) {
  hp_recorder *rec = hp_arena_bump(arena, sizeof(hp_recorder), 64);
  if (rec == NULL) return NULL;
  rec->arena = arena;
  rec->sites = hp_site_table_create(arena, bucket_bits);
  rec->live = hp_live_table_create(arena, shard_bits, shard_capacity);
  if (rec->sites == NULL || rec->live == NULL) return NULL;
  atomic_store(&rec->dropped, 0);
  return rec;
}

int hp_recorder_enable_stripes(hp_recorder *rec) { return hp_site_table_enable_stripes(rec->sites); }

int hp_recorder_enable_free_filter(hp_recorder *rec, unsigned filter_bits) {
  return hp_live_table_enable_filter(rec->live, filter_bits);
}

void hp_recorder_destroy(hp_recorder *rec) { hp_live_table_destroy(rec->live); }

static void count_drop(hp_recorder *rec) {
  atomic_fetch_add_explicit(&rec->dropped, 1, memory_order_relaxed);
}

/* ---------------------------------------------------------------------------------
 * Stack id -> site
 * --------------------------------------------------------------------------------- */
/* The site remembered for stack `id`, or HP_SITE_NONE. */
static inline uint32_t known_site(hp_recorder *rec, uint32_t id) {
  site_plus_one *page =
      atomic_load_explicit(&rec->site_of_stack[id >> STACK_PAGE_BITS], memory_order_acquire);
  if (page == NULL) return HP_SITE_NONE;
  return atomic_load_explicit(&page[id & (STACK_PAGE_SIZE - 1)], memory_order_acquire) - 1;
}

/* Remembers `site` for stack `id` (two threads may race: both store the one site of the
 * same frames). Nothing when no page can be mapped. */
static void remember_site(hp_recorder *rec, uint32_t id, uint32_t site) {
  site_plus_one *_Atomic *slot = &rec->site_of_stack[id >> STACK_PAGE_BITS];
  site_plus_one *page = atomic_load_explicit(slot, memory_order_acquire);
  if (page == NULL) {
    site_plus_one *fresh = hp_arena_bump(rec->arena, sizeof(site_plus_one) * STACK_PAGE_SIZE, 4096);
    if (fresh == NULL) return;
    site_plus_one *expected = NULL;
    page = atomic_compare_exchange_strong(slot, &expected, fresh) ? fresh : expected;
  }
  atomic_store_explicit(&page[id & (STACK_PAGE_SIZE - 1)], site + 1, memory_order_release);
}

/* ---------------------------------------------------------------------------------
 * Alloc and free
 * --------------------------------------------------------------------------------- */
void hp_recorder_prefetch(hp_recorder *rec, uintptr_t ptr) { hp_live_table_prefetch(rec->live, ptr); }

/* Enters `ptr` for an allocation already counted at `site`. */
static inline __attribute__((always_inline)) int enter(hp_recorder *rec, uintptr_t ptr, uint64_t size, uint32_t site) {
  uint64_t old_size = 0;
  uint32_t old_site = 0;
  int rc = hp_live_table_insert(rec->live, ptr, size, site, &old_size, &old_site);
  if (rc == 0) {
    hp_site_table_add_free(rec->sites, site, size); /* undo: not recorded */
    count_drop(rec);
    return 0;
  }
  if (rc == 2) hp_site_table_add_free(rec->sites, old_site, old_size);
  return 1;
}

/* hp_recorder_alloc for a stack whose site is not known by its id: looked up (or
 * created) by its frames, and remembered under its id when it has one. */
static __attribute__((noinline)) int alloc_at_frames(hp_recorder *rec, uintptr_t ptr,
                                                     uint64_t size, const uintptr_t *frames,
                                                     int depth, uint32_t stack_id) {
  if (depth <= 0) {
    count_drop(rec);
    return 0;
  }
  uint32_t site = hp_site_table_record_alloc(rec->sites, frames, depth, size);
  if (site == HP_SITE_NONE) {
    count_drop(rec);
    return 0;
  }
  if (stack_id < HP_SITE_MAX_IDS) remember_site(rec, stack_id, site);
  return enter(rec, ptr, size, site);
}

int hp_recorder_alloc(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                      int depth, uint32_t stack_id) {
  /* Count the allocation before the entry is visible, so that a concurrent free of the
   * same pointer can never credit a site before its allocation. */
  if (__builtin_expect(stack_id < HP_SITE_MAX_IDS && depth > 0, 1)) {
    uint32_t site = known_site(rec, stack_id);
    if (__builtin_expect(site != HP_SITE_NONE, 1)) {
      hp_site_table_add_alloc(rec->sites, site, size);
      return enter(rec, ptr, size, site);
    }
  }
  return alloc_at_frames(rec, ptr, size, frames, depth, stack_id);
}

/* Takes `ptr`'s entry out of the live table without crediting its site. */
static int take(hp_recorder *rec, uintptr_t ptr, uint64_t *size, uint32_t *site) {
  if (!hp_live_table_may_hold(rec->live, ptr)) return 0;
  return hp_live_table_remove(rec->live, ptr, size, site);
}

int hp_recorder_free(hp_recorder *rec, uintptr_t ptr, uint64_t *size) {
  uint64_t bytes;
  uint32_t site;
  if (!take(rec, ptr, &bytes, &site)) return 0;
  hp_site_table_add_free(rec->sites, site, bytes);
  if (size != NULL) *size = bytes;
  return 1;
}

/* ---------------------------------------------------------------------------------
 * Realloc
 * --------------------------------------------------------------------------------- */
int hp_recorder_realloc_begin(hp_recorder *rec, hp_realloc *r, uintptr_t old, uint64_t size,
                              uint64_t *freed) {
  r->old = old;
  r->size = size;
  r->taken = 0;
  r->old_site = HP_SITE_NONE;
  r->old_size = 0;
  if (old == 0) return 0;
  if (size == 0) return hp_recorder_free(rec, old, freed);
  r->taken = take(rec, old, &r->old_size, &r->old_site);
  return 0;
}

int hp_recorder_realloc_end(hp_recorder *rec, hp_realloc *r, uintptr_t result, uint64_t *freed) {
  if (!r->taken) return 0;
  r->taken = 0;
  if (result != 0) {
    hp_site_table_add_free(rec->sites, r->old_site, r->old_size);
    *freed = r->old_size;
    return 1;
  }
  /* The real realloc failed: old is still allocated; put its entry back. */
  uint64_t other_size;
  uint32_t other_site;
  int rc = hp_live_table_insert(rec->live, r->old, r->old_size, r->old_site, &other_size,
                                &other_site);
  if (rc == 0) {
    hp_site_table_add_free(rec->sites, r->old_site, r->old_size); /* cannot keep it: freed */
    count_drop(rec);
  } else if (rc == 2) {
    hp_site_table_add_free(rec->sites, other_site, other_size);
  }
  return 0;
}

/* ---------------------------------------------------------------------------------
 * Readers, fork
 * --------------------------------------------------------------------------------- */
void hp_recorder_stats(hp_recorder *rec, hp_stats *out) {
  hp_stats s = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  uint32_t limit = hp_site_table_id_limit(rec->sites);
  for (uint32_t id = 0; id < limit; id++) {
    hp_site_counts c;
    if (hp_site_table_counts(rec->sites, id, &c) != 0) continue;
    s.alloc_count += c.alloc_count;
    s.alloc_bytes += c.alloc_bytes;
    s.free_count += c.free_count;
    s.free_bytes += c.free_bytes;
  }
  s.inuse_count = s.alloc_count - s.free_count;
  s.inuse_bytes = s.alloc_bytes - s.free_bytes;
  s.sites = hp_site_table_site_count(rec->sites);
  s.dropped = atomic_load(&rec->dropped);
  *out = s;
}

uint64_t hp_recorder_live_count(hp_recorder *rec) { return hp_live_table_count(rec->live); }

void hp_recorder_lock(hp_recorder *rec) { hp_live_table_lock_all(rec->live); }

void hp_recorder_unlock(hp_recorder *rec) { hp_live_table_unlock_all(rec->live); }

hp_site_table *hp_recorder_sites(hp_recorder *rec) { return rec->sites; }
