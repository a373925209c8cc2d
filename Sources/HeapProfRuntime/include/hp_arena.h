/*
 * hp_arena: the only source of runtime memory. Everything the recorder keeps (sites,
 * live-table arrays, the dump buffer) comes from an arena, which gets its pages from
 * mmap and never from the malloc the runtime wraps.
 *
 * Two kinds of memory:
 *  - bump blocks (hp_arena_bump): small, never freed one by one, released by
 *    hp_arena_destroy; lock-free (a CAS on the current chunk's offset; a spinlock only
 *    when a new chunk must be mapped);
 *  - mapped blocks (hp_arena_map / hp_arena_unmap): large arrays that are replaced
 *    when they grow; counted so tests can check that everything was given back.
 * The arena never maps more than its limit; a request beyond it returns NULL and the
 * caller counts a drop.
 *
 * Thread safety: all functions may be called from any thread. Hook-safe: yes.
 */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An arena (definition in arena_impl.h; opaque outside the runtime). */
typedef struct hp_arena hp_arena;

/* Maps and initialises a standalone arena (its own header page is not counted in
 * hp_arena_mapped_bytes). Returns NULL when mmap fails. */
hp_arena *hp_arena_create(uint64_t limit, uint64_t chunk_size);

/* Destroys and unmaps an arena made by hp_arena_create. */
void hp_arena_release(hp_arena *arena);

/* Prepares `arena`. `limit` bounds the bytes mapped (0 = unbounded); `chunk_size` is the
 * bump chunk size (0 = 1 MiB). */
void hp_arena_init(hp_arena *arena, uint64_t limit, uint64_t chunk_size);

/* Returns `size` zeroed bytes aligned to `align` (a power of two <= 4096), or NULL when
 * the limit is reached. Never freed individually. */
void *hp_arena_bump(hp_arena *arena, size_t size, size_t align);

/* Maps a zeroed block of `size` bytes (rounded up to pages), or NULL. */
void *hp_arena_map(hp_arena *arena, size_t size);

/* hp_arena_map with every page faulted in by the kernel at once (MAP_POPULATE). For
 * arrays that are about to be written all over (a live-table shard being rehashed): one
 * mmap instead of a page fault per page, which matters when several threads fault at
 * the same time. Give it back with hp_arena_unmap. */
void *hp_arena_map_populated(hp_arena *arena, size_t size);

/* Gives back a block from hp_arena_map; `size` must be the size asked for. */
void hp_arena_unmap(hp_arena *arena, void *block, size_t size);

/* Bytes currently mapped by the arena (bump chunks and blocks). */
uint64_t hp_arena_mapped_bytes(const hp_arena *arena);

/* Mapped blocks not yet given back. */
uint64_t hp_arena_live_blocks(const hp_arena *arena);

/* Unmaps every bump chunk. Mapped blocks must have been unmapped before. After this the
 * arena is empty (hp_arena_mapped_bytes == 0 when no block is left) and may be reused. */
void hp_arena_destroy(hp_arena *arena);



#ifdef __cplusplus
}
#endif
#endif /* HP_ARENA_H */
