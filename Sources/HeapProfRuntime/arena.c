/*
 * arena.c: mmap-backed memory for the recorder (contract in hp_arena.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "arena_impl.h"

#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------
 * Bump chunks: [chunk_header | payload ...]; chunks form a list through `prev`.
 * --------------------------------------------------------------------------------- */
typedef struct chunk_header {
  struct chunk_header *prev; /* older chunk, or NULL */
  uint64_t size;             /* bytes mapped for this chunk */
  _Atomic uint64_t offset;   /* next free byte, from the chunk start */
} chunk_header;

static size_t page_round(size_t size) {
  const size_t page = 4096;
  return (size + page - 1) & ~(page - 1);
}

static void *map_pages_flags(size_t size, int extra_flags) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void *map_pages(size_t size) { return map_pages_flags(size, 0); }

/* Reserves `size` bytes against the limit; 0 when over it. */
static int reserve(hp_arena *arena, uint64_t size) {
  uint64_t now = atomic_load(&arena->mapped);
  do {
    if (arena->limit != 0 && now + size > arena->limit) return 0;
  } while (!atomic_compare_exchange_weak(&arena->mapped, &now, now + size));
  return 1;
}

void hp_spin_lock_slow(_Atomic int *lock) {
  for (unsigned spins = 0;; spins++) {
    int expected = 0;
    if (atomic_load_explicit(lock, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_weak_explicit(lock, &expected, 1, memory_order_acquire,
                                              memory_order_relaxed))
      return;
    if (spins < 64) {
      __builtin_ia32_pause();
    } else {
      sched_yield();
    }
  }
}


void hp_arena_init(hp_arena *arena, uint64_t limit, uint64_t chunk_size) {
  atomic_store(&arena->chunk, NULL);
  atomic_store(&arena->mapped, 0);
  atomic_store(&arena->blocks, 0);
  atomic_store(&arena->bump_bytes, 0);
  arena->limit = limit;
  arena->chunk_size = page_round(chunk_size ? chunk_size : (1u << 20));
  atomic_store(&arena->lock, 0);
}

/* Tries to carve from `chunk`; NULL when it does not fit. */
static void *carve(chunk_header *chunk, size_t size, size_t align) {
  uint64_t off = atomic_load_explicit(&chunk->offset, memory_order_relaxed);
  for (;;) {
    uint64_t start = (off + align - 1) & ~(uint64_t)(align - 1);
    if (start + size > chunk->size) return NULL;
    if (atomic_compare_exchange_weak_explicit(&chunk->offset, &off, start + size,
                                              memory_order_relaxed, memory_order_relaxed))
      return (char *)chunk + start;
  }
}

void *hp_arena_bump(hp_arena *arena, size_t size, size_t align) {
  if (align < 8) align = 8;
  if (align > 4096 || (align & (align - 1)) != 0) return NULL;
  for (;;) {
    chunk_header *chunk = atomic_load_explicit(&arena->chunk, memory_order_acquire);
    if (chunk != NULL) {
      void *p = carve(chunk, size, align);
      if (p != NULL) {
        atomic_fetch_add_explicit(&arena->bump_bytes, size, memory_order_relaxed);
        return p;
      }
    }
    hp_spin_lock(&arena->lock);
    if (atomic_load_explicit(&arena->chunk, memory_order_acquire) == chunk) {
      size_t need = page_round(sizeof(chunk_header) + size + align);
      size_t csize = need > arena->chunk_size ? need : arena->chunk_size;
      chunk_header *fresh = NULL;
      if (reserve(arena, csize)) {
        fresh = map_pages(csize);
        if (fresh == NULL) atomic_fetch_sub(&arena->mapped, csize);
      }
      if (fresh == NULL) {
        hp_spin_unlock(&arena->lock);
        return NULL;
      }
      fresh->prev = chunk;
      fresh->size = csize;
      atomic_store_explicit(&fresh->offset, sizeof(chunk_header), memory_order_relaxed);
      atomic_store_explicit(&arena->chunk, fresh, memory_order_release);
    }
    hp_spin_unlock(&arena->lock);
  }
}

static void *map_block(hp_arena *arena, size_t size, int extra_flags) {
  size_t rounded = page_round(size);
  if (rounded == 0 || !reserve(arena, rounded)) return NULL;
  void *p = map_pages_flags(rounded, extra_flags);
  if (p == NULL) {
    atomic_fetch_sub(&arena->mapped, rounded);
    return NULL;
  }
  atomic_fetch_add(&arena->blocks, 1);
  return p;
}

void *hp_arena_map(hp_arena *arena, size_t size) { return map_block(arena, size, 0); }

void *hp_arena_map_populated(hp_arena *arena, size_t size) {
  return map_block(arena, size, MAP_POPULATE);
}

void hp_arena_unmap(hp_arena *arena, void *block, size_t size) {
  if (block == NULL) return;
  size_t rounded = page_round(size);
  munmap(block, rounded);
  atomic_fetch_sub(&arena->mapped, rounded);
  atomic_fetch_sub(&arena->blocks, 1);
}

uint64_t hp_arena_mapped_bytes(const hp_arena *arena) {
  return atomic_load(&((hp_arena *)arena)->mapped);
}

uint64_t hp_arena_live_blocks(const hp_arena *arena) {
  return atomic_load(&((hp_arena *)arena)->blocks);
}

void hp_arena_destroy(hp_arena *arena) {
  chunk_header *chunk = atomic_exchange(&arena->chunk, NULL);
  while (chunk != NULL) {
    chunk_header *prev = chunk->prev;
    uint64_t size = chunk->size;
    munmap(chunk, size);
    atomic_fetch_sub(&arena->mapped, size);
    chunk = prev;
  }
  atomic_store(&arena->bump_bytes, 0);
}

hp_arena *hp_arena_create(uint64_t limit, uint64_t chunk_size) {
  hp_arena *arena = map_pages(page_round(sizeof(hp_arena)));
  if (arena != NULL) hp_arena_init(arena, limit, chunk_size);
  return arena;
}

void hp_arena_release(hp_arena *arena) {
  if (arena == NULL) return;
  hp_arena_destroy(arena);
  munmap(arena, page_round(sizeof(hp_arena)));
}

void hp_arena_lock(hp_arena *arena) { hp_spin_lock(&arena->lock); }

void hp_arena_unlock(hp_arena *arena) { hp_spin_unlock(&arena->lock); }
