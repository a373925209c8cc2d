/*
 * hp_live_table: pointer -> (requested size, site id) for every recorded allocation that
 * is still live, so that free credits the right site with the right bytes.
 *
 * Sharded by pointer hash; each shard is an open-addressing (linear probing, backward
 * shift deletion) array of 16-byte entries, guarded by its own spinlock. A shard grows by
 * mapping an array twice as big from the arena under its lock (mmap with MAP_POPULATE,
 * never malloc). When it cannot grow and
 * is full, an insertion fails and the caller counts a drop; there is no fallback to
 * malloc.
 *
 * Thread safety: every function may be called from any thread at the same time.
 * Allocation: only from the arena given at creation. Hook-safe: yes.
 */
#ifndef HP_LIVE_TABLE_H
#define HP_LIVE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hp_arena.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HP_LIVE_MAX_SIZE ((1ull << 40) - 1) /* largest size an entry can hold */

typedef struct hp_live_table hp_live_table;

/* Makes a table of 2^shard_bits shards (clamped to 0...10), each starting with
 * `initial_capacity` slots (rounded up to a power of two, at least 16), mapped lazily.
 * NULL when the arena is full. */
hp_live_table *hp_live_table_create(hp_arena *arena, unsigned shard_bits,
                                    uint32_t initial_capacity);

/* Records `ptr` (non-NULL) -> (size, site). Returns 1 when inserted; 2 when `ptr` was
 * already present (an unseen free): the old entry is replaced and reported in
 * *old_size / *old_site; 0 when the shard is full and cannot grow, or size is larger
 * than HP_LIVE_MAX_SIZE (nothing recorded). */
int hp_live_table_insert(hp_live_table *table, uintptr_t ptr, uint64_t size, uint32_t site,
                         uint64_t *old_size, uint32_t *old_site);

/* Removes `ptr`. Returns 1 and its size and site when it was present, else 0. */
int hp_live_table_remove(hp_live_table *table, uintptr_t ptr, uint64_t *size, uint32_t *site);

/* Returns 1 and the entry of `ptr` without removing it, else 0. */
int hp_live_table_lookup(hp_live_table *table, uintptr_t ptr, uint64_t *size, uint32_t *site);

/* Adds a filter of 2^filter_bits counters (clamped to 10...26, mapped from the arena,
 * pages touched lazily) that hp_live_table_may_hold reads without a lock. For sampled
 * recording, where most frees are of pointers that were never entered. Call once, right
 * after creation, before any insertion. Returns 1, or 0 when the arena is full. */
int hp_live_table_enable_filter(hp_live_table *table, unsigned filter_bits);

/* 0 when `ptr` is surely not in the table (one lock-free load), 1 when it may be. Always
 * 1 without a filter. A pointer whose insertion happened before this call (in the memory
 * order sense: the free of a pointer that malloc returned) is never missed. */
int hp_live_table_may_hold(hp_live_table *table, uintptr_t ptr);

/* Starts loading the cache line where `ptr` will be entered, without a lock (a hint: it
 * may read a slot array that a concurrent resize is replacing, which is harmless). */
void hp_live_table_prefetch(hp_live_table *table, uintptr_t ptr);

/* Number of live entries (sum over shards; exact when no thread is inserting). */
uint64_t hp_live_table_count(hp_live_table *table);

/* Slots currently mapped over all shards. */
uint64_t hp_live_table_capacity(hp_live_table *table);

/* Unmaps every shard array (entries are forgotten). The table struct itself stays in
 * the arena's bump memory until the arena is destroyed. */
void hp_live_table_destroy(hp_live_table *table);

/* Takes / releases every shard lock (used around fork). */
void hp_live_table_lock_all(hp_live_table *table);
void hp_live_table_unlock_all(hp_live_table *table);

#ifdef __cplusplus
}
#endif
#endif /* HP_LIVE_TABLE_H */
