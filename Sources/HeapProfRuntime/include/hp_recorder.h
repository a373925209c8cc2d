/*
 * hp_recorder: a site table plus a live table, and every operation the hooks perform on
 * them: record an allocation at a stack, credit a free, carry an entry across realloc.
 * The hooks (hp_runtime.h) call nothing else to record; the dump writer reads the site
 * table (hp_recorder_sites).
 *
 *   alloc          stack -> site (site table), counted there, then ptr -> (size, site)
 *                  (live table): counted before the entry is visible, so that a concurrent
 *                  free of the same pointer never credits a site before its allocation
 *   free           ptr -> (size, site) out of the live table, credited to the site
 *   realloc_begin  the old block's entry out of the live table before the real realloc
 *   realloc_end    put back (the real realloc failed) or credited (it succeeded); the new
 *                  block is then an ordinary alloc
 *
 * Stack ids: the caller may name a stack with an id that always stands for the same
 * frames (the capture unit's trusted-set id, hp_capture.h); the recorder then remembers
 * id -> site in a shared array, and later allocations with that id skip the stack hash
 * and the chain walk. All ids given to one recorder must come from one namer.
 *
 * The process-wide runtime (hp_runtime.h) owns one recorder; tests make their own with a
 * private arena and drive it with made-up pointers and stacks.
 *
 * Thread safety: every function may be called from any thread at the same time, except
 * where said (create, enable_*, destroy). No global lock: the site table is lock-free,
 * the live table locks one shard.
 * Allocation: only from the recorder's arena: a new site or id page may map an arena
 * chunk under the arena's spinlock, and a live-table shard grows by mapping a larger
 * array (mmap with MAP_POPULATE) under its shard spinlock. No call here mallocs while
 * holding a lock (see hp_site_table.h for the one pthread_setspecific). Hook-safe: yes,
 * called with the runtime's re-entry guard set.
 */
#ifndef HP_RECORDER_H
#define HP_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "hp_arena.h"
#include "hp_capture.h"
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
  uint64_t stacks_unwound;
} hp_stats;

typedef struct hp_recorder hp_recorder;

/* A realloc in progress: filled by hp_recorder_realloc_begin, read by
 * hp_recorder_realloc_end. The caller keeps it (on its stack) between the two calls and
 * may read `old` and `size`; the rest is the recorder's. */
typedef struct hp_realloc {
  uintptr_t old;     /* the block given to realloc (0 for NULL) */
  uint64_t size;     /* the size asked for */
  int taken;         /* 1: old's entry is out of the live table */
  uint32_t old_site; /* its site, when taken */
  uint64_t old_size; /* its recorded size, when taken */
} hp_realloc;

/* Makes a recorder in `arena`: 2^bucket_bits site chains, 2^shard_bits live shards of
 * `shard_capacity` initial slots. NULL when the arena is full. Not thread-safe with the
 * recorder's other calls (make it before use). */
hp_recorder *hp_recorder_create(hp_arena *arena, unsigned bucket_bits, unsigned shard_bits,
                                uint32_t shard_capacity);

/* Per-thread counters in the site table (hp_site_table_enable_stripes: one table per
 * process, which must live until the process ends). Returns 1 when enabled. Call before
 * recording. */
int hp_recorder_enable_stripes(hp_recorder *rec);

/* A counting filter in front of the live table for frees (hp_live_table_enable_filter),
 * for sampled recording, where most freed pointers were never entered. Returns 1, or 0
 * when the arena is full. Call before recording. */
int hp_recorder_enable_free_filter(hp_recorder *rec, unsigned filter_bits);

/* Unmaps the live table's arrays (entries are forgotten); the rest stays in the arena
 * until it is destroyed. Not while other threads use the recorder. */
void hp_recorder_destroy(hp_recorder *rec);

/* Starts loading the live-table line where `ptr` will be entered (a hint, no lock). */
void hp_recorder_prefetch(hp_recorder *rec, uintptr_t ptr);

/* Records allocation `ptr` of `size` requested bytes made at `frames[0..depth)`;
 * `stack_id` names those frames (see above) or is HP_STACK_NONE. Returns 1 when
 * recorded, 0 when dropped (no frames, or a table full; counted in `dropped`). A drop
 * after the site was found (live table full) still counts the allocation at its site
 * and credits it as freed at once, so in-use only holds what free can credit. When
 * `ptr` was still live in the table (its free was not seen), that old entry is credited
 * as freed first. */
int hp_recorder_alloc(hp_recorder *rec, uintptr_t ptr, uint64_t size, const uintptr_t *frames,
                      int depth, uint32_t stack_id);

/* Credits the free of `ptr` to its site (call before the real free, so that the address
 * cannot be handed out and recorded again meanwhile). Returns 1 and its recorded size in
 * *size (when not NULL) when `ptr` was recorded, else 0. */
int hp_recorder_free(hp_recorder *rec, uintptr_t ptr, uint64_t *size);

/* Before the real realloc(old, size). Takes old's entry out of the live table, so that
 * the address (which the real call may free) cannot be recorded by another thread while
 * the table still holds it. size 0 (glibc frees old and returns NULL): credits old's free
 * at once. Returns 1 when a free was credited, with its bytes in *freed, else 0. */
int hp_recorder_realloc_begin(hp_recorder *rec, hp_realloc *r, uintptr_t old, uint64_t size,
                              uint64_t *freed);

/* After it, with what it returned: 0 (it failed, old is still allocated) puts old's entry
 * back; anything else credits old's free. The new block is not recorded here: record it
 * with hp_recorder_alloc. Returns 1 when a free was credited, with its bytes in *freed,
 * else 0. */
int hp_recorder_realloc_end(hp_recorder *rec, hp_realloc *r, uintptr_t result, uint64_t *freed);

/* Fills *out from the tables (sample_rate, dumps_written and stacks_unwound are left 0:
 * the runtime knows them). */
void hp_recorder_stats(hp_recorder *rec, hp_stats *out);

/* Live-table entries (exact when no thread is recording). */
uint64_t hp_recorder_live_count(hp_recorder *rec);

/* Takes / releases every live-table lock (around fork). */
void hp_recorder_lock(hp_recorder *rec);
void hp_recorder_unlock(hp_recorder *rec);

/* The site table, for the dump writer and for tests (read it; record through the calls
 * above). */
hp_site_table *hp_recorder_sites(hp_recorder *rec);

#ifdef __cplusplus
}
#endif
#endif /* HP_RECORDER_H */
