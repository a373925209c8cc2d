/*
 * hp_site_table: stack -> site. A site is one distinct call stack (up to
 * HP_MAX_DEPTH return addresses, leaf first) with four counters: allocations recorded
 * at it, their bytes, frees credited to it, their bytes. The table interns stacks, looks
 * them up and counts; it knows nothing of how a stack was captured.
 *
 * Lock-free: lookups walk bucket chains with acquire loads; a new site is bump-allocated
 * from the arena, fully written, then pushed on its chain with a CAS. Sites are never
 * removed. Each site gets a small integer id (< HP_SITE_MAX_IDS) so that the live
 * table can refer to it in a few bits.
 *
 * Counters: each site has its own atomic counters; a table with stripes enabled
 * (hp_site_table_enable_stripes) counts each thread's allocations and frees in that
 * thread's own stripe instead, so threads never write the same cache line. Reads sum both.
 *
 * Thread safety: every function may be called from any thread at the same time.
 * Allocation: only from the arena given at creation; creating a site may map a new arena
 * chunk under the arena's spinlock (mmap, no malloc). A thread's first count in a striped
 * table sets a pthread key: pthread_setspecific callocs a second-level block when the
 * key is 32 or more (the process made many keys first), which the hooks' re-entry guard
 * sends to the real allocator. Hook-safe: yes (called with the guard set).
 */
#ifndef HP_SITE_TABLE_H
#define HP_SITE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hp_arena.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HP_MAX_DEPTH 256           /* most frames kept per stack */
#define HP_SITE_MAX_IDS (1u << 24) /* site ids are 24-bit */
#define HP_SITE_NONE 0xFFFFFFFFu   /* "no site": table full */

/* The counters of one site, copied out. */
typedef struct hp_site_counts {
  uint64_t alloc_count;
  uint64_t alloc_bytes;
  uint64_t free_count;
  uint64_t free_bytes;
} hp_site_counts;

typedef struct hp_site_table hp_site_table;

/* Makes a table with 2^bucket_bits chains (clamped to 4...24) in `arena`; NULL when the
 * arena is full. The table lives until the arena is destroyed. */
hp_site_table *hp_site_table_create(hp_arena *arena, unsigned bucket_bits);

/* Makes every thread count in a stripe of its own (see above). Allowed for one table
 * per process, which must live until the process ends (stripes are released by a
 * thread-exit destructor that touches them): the runtime's table. Returns 1 when
 * enabled, 0 when another table has them or no thread key is left (then the sites'
 * own counters are used, which is slower but correct). */
int hp_site_table_enable_stripes(hp_site_table *table);

/* Returns the id of the site for `frames[0..depth)` (depth clamped to HP_MAX_DEPTH),
 * creating it when new; HP_SITE_NONE when the arena or the id space is exhausted. */
uint32_t hp_site_table_intern(hp_site_table *table, const uintptr_t *frames, int depth);

/* hp_site_table_intern, then one allocation of `bytes` added to that site (the hooks'
 * path: no id lookup). Returns the id or HP_SITE_NONE. */
uint32_t hp_site_table_record_alloc(hp_site_table *table, const uintptr_t *frames, int depth,
                                    uint64_t bytes);

/* The id of the existing site for `frames[0..depth)`, or HP_SITE_NONE (also when depth is
 * outside 0...HP_MAX_DEPTH). Never creates a site and changes no counter. */
uint32_t hp_site_table_find(const hp_site_table *table, const uintptr_t *frames, int depth);

/* Adds one allocation of `bytes` to site `id` (an id that intern, record_alloc or find
 * returned). */
void hp_site_table_add_alloc(hp_site_table *table, uint32_t id, uint64_t bytes);

/* Credits one free of `bytes` to site `id`. */
void hp_site_table_add_free(hp_site_table *table, uint32_t id, uint64_t bytes);

/* Copies the counters of site `id` into *out, frees read before allocations so that
 * in-use never goes negative. Returns 0, or -1 when `id` names no site. */
int hp_site_table_counts(const hp_site_table *table, uint32_t id, hp_site_counts *out);

/* The frames of site `id` and their number (*depth), or NULL. */
const uintptr_t *hp_site_table_frames(const hp_site_table *table, uint32_t id, int *depth);

/* One more than the largest id handed out (ids are dense from 0; an id may name no site
 * after a lost insertion race, see hp_site_table_counts). */
uint32_t hp_site_table_id_limit(const hp_site_table *table);

/* Number of stripes made so far (0 without stripes): at most the number of threads
 * that were alive at the same time, since exited threads give theirs back. */
uint32_t hp_site_table_stripe_count(const hp_site_table *table);

/* Number of distinct sites in the table. */
uint64_t hp_site_table_site_count(const hp_site_table *table);

/* Hash of a stack as the table computes it (exposed for tests). */
uint64_t hp_stack_hash(const uintptr_t *frames, int depth);

#ifdef __cplusplus
}
#endif
#endif /* HP_SITE_TABLE_H */
