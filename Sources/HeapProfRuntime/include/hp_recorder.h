/*
 * hp_recorder: a site table plus a live table, and the two operations the hooks perform
 * on them: record an allocation at a stack, credit a free.
 *
 * The process-wide runtime (hp_runtime.h) owns one recorder; tests make their own with a
 * private arena and drive it with made-up pointers and stacks.
 *
 * Thread safety: every function may be called from any thread at the same time (no
 * global lock: the site table is lock-free, the live table locks one shard).
 * Allocation: only from the recorder's arena. Hook-safe: yes.
 */
#ifndef HP_RECORDER_H
#define HP_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "hp_arena.h"
#include "hp_live_table.h"
#include "hp_site_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Totals, laid out exactly like heapprof_stats in CHeapProfAPI.h. */
typedef struct hp_stats {
  uint64_t alloc_count;
  uint64_t alloc_bytes;
  uint64_t free_count;
  uint64_t free_bytes;
  uint64_t inuse_count;
  uint64_t inuse_bytes;
  uint64_t sites;
  uint64_t sample_rate;
  uint64_t dumps_written;
  uint64_t dropped;
} hp_stats;

typedef struct hp_recorder hp_recorder;

/* Makes a recorder in `arena`: 2^bucket_bits site chains, 2^shard_bits live shards of
 * `shard_capacity` initial slots. NULL when the arena is full. */
hp_recorder *hp_recorder_create(hp_arena *arena, unsigned bucket_bits, unsigned shard_bits,
                                uint32_t shard_capacity);

/* Records allocation `ptr` of `size` requested bytes made at `frames[0..depth)`.
 * Returns 1 when recorded, 0 when dropped (a table was full; counted in `dropped`). A
 * drop after the site was found (live table full) still counts the allocation at its
 * site and credits it as freed at once, so in-use only holds what free can credit. When `ptr` was
 * still live in the table (its free was not seen), that old entry is credited as freed
 * first. */
int hp_recorder_alloc(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                      int depth);

/* hp_recorder_alloc that also reports the site the allocation was counted at in *site
 * (HP_SITE_NONE when dropped before a site was found). */
int hp_recorder_alloc_at(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                         int depth, uint32_t *site);

/* The second half of hp_recorder_alloc, for an allocation already counted at `site`
 * (hp_site_table_record_trusted): enters `ptr` in the live table. Returns 1, or 0 when
 * dropped (then credited as freed at once and counted in `dropped`). */
int hp_recorder_enter(hp_recorder *rec, uintptr_t ptr, uint64_t size, uint32_t site);

/* Credits the free of `ptr` to its site. Returns 1 when `ptr` was recorded, else 0. */
int hp_recorder_free(hp_recorder *rec, uintptr_t ptr);

/* Takes `ptr` out of the live table without crediting its site (realloc, before the real
 * call). Returns 1 and its size and site when present. */
int hp_recorder_take(hp_recorder *rec, uintptr_t ptr, uint64_t *size, uint32_t *site);

/* Puts an entry taken by hp_recorder_take back (the real realloc failed). */
void hp_recorder_restore(hp_recorder *rec, uintptr_t ptr, uint64_t size, uint32_t site);

/* Credits a free of `size` bytes to `site` (after a successful realloc). */
void hp_recorder_credit(hp_recorder *rec, uint32_t site, uint64_t size);

/* Fills *out from the tables (sample_rate and dumps_written are left 0). */
void hp_recorder_stats(hp_recorder *rec, hp_stats *out);

/* Counts one dropped allocation. */
void hp_recorder_count_drop(hp_recorder *rec);

hp_site_table *hp_recorder_sites(hp_recorder *rec);
hp_live_table *hp_recorder_live(hp_recorder *rec);

#ifdef __cplusplus
}
#endif
#endif /* HP_RECORDER_H */
