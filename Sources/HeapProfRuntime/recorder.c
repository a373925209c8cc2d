/*
 * recorder.c: site table + live table operations of the hooks (contract in
 * hp_recorder.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_recorder.h"

#include <stdatomic.h>

#include "arena_impl.h"

_Static_assert(sizeof(hp_stats) == 10 * sizeof(uint64_t), "hp_stats mirrors heapprof_stats");

struct hp_recorder {
  hp_site_table *sites;      /* stack -> site */
  hp_live_table *live;       /* pointer -> (size, site) */
  _Atomic uint64_t dropped;  /* allocations not recorded */
};

hp_recorder *hp_recorder_create(hp_arena *arena, unsigned bucket_bits, unsigned shard_bits,
                                uint32_t shard_capacity) {
  hp_recorder *rec = hp_arena_bump(arena, sizeof(hp_recorder), 64);
  if (rec == NULL) return NULL;
  rec->sites = hp_site_table_create(arena, bucket_bits);
  rec->live = hp_live_table_create(arena, shard_bits, shard_capacity);
  if (rec->sites == NULL || rec->live == NULL) return NULL;
  atomic_store(&rec->dropped, 0);
  return rec;
}

void hp_recorder_count_drop(hp_recorder *rec) {
  atomic_fetch_add_explicit(&rec->dropped, 1, memory_order_relaxed);
}

int hp_recorder_alloc(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                      int depth) {
  uint32_t site;
  return hp_recorder_alloc_at(rec, ptr, size, frames, depth, &site);
}

int hp_recorder_alloc_at(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                         int depth, uint32_t *site) {
  /* Count the allocation before the entry is visible, so that a concurrent free of the
   * same pointer can never credit a site before its allocation. */
  *site = hp_site_table_record_alloc(rec->sites, frames, depth, size);
  if (*site == HP_SITE_NONE) {
    hp_recorder_count_drop(rec);
    return 0;
  }
  return hp_recorder_enter(rec, ptr, size, *site);
}

int hp_recorder_enter(hp_recorder *rec, uintptr_t ptr, uint64_t size, uint32_t site) {
  uint64_t old_size = 0;
  uint32_t old_site = 0;
  int rc = hp_live_table_insert(rec->live, ptr, size, site, &old_size, &old_site);
  if (rc == 0) {
    hp_site_table_add_free(rec->sites, site, size); /* undo: not recorded */
    hp_recorder_count_drop(rec);
    return 0;
  }
  if (rc == 2) hp_site_table_add_free(rec->sites, old_site, old_size);
  return 1;
}

int hp_recorder_free(hp_recorder *rec, uintptr_t ptr) {
  uint64_t size;
  uint32_t site;
  if (!hp_live_table_remove(rec->live, ptr, &size, &site)) return 0;
  hp_site_table_add_free(rec->sites, site, size);
  return 1;
}

int hp_recorder_take(hp_recorder *rec, uintptr_t ptr, uint64_t *size, uint32_t *site) {
  return hp_live_table_remove(rec->live, ptr, size, site);
}

void hp_recorder_restore(hp_recorder *rec, uintptr_t ptr, uint64_t size, uint32_t site) {
  uint64_t old_size;
  uint32_t old_site;
  int rc = hp_live_table_insert(rec->live, ptr, size, site, &old_size, &old_site);
  if (rc == 0) {
    hp_site_table_add_free(rec->sites, site, size); /* cannot keep it: treat as freed */
    hp_recorder_count_drop(rec);
  } else if (rc == 2) {
    hp_site_table_add_free(rec->sites, old_site, old_size);
  }
}

void hp_recorder_credit(hp_recorder *rec, uint32_t site, uint64_t size) {
  hp_site_table_add_free(rec->sites, site, size);
}

void hp_recorder_stats(hp_recorder *rec, hp_stats *out) {
  hp_stats s = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
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

hp_site_table *hp_recorder_sites(hp_recorder *rec) { return rec->sites; }

hp_live_table *hp_recorder_live(hp_recorder *rec) { return rec->live; }
