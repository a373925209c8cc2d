/*
 * site_table.c: the lock-free stack -> site table (contract in hp_site_table.h).
 *
 *   buckets[hash & mask] -> site -> site -> NULL     (chains, newest first)
 *   directory[id >> 14][id & 16383] -> site          (id -> site, for the live table)
 *   stripes -> stripe -> stripe -> NULL              (per-thread counters, when enabled)
 *
 * Counters. Every site has four atomic counters of its own. With stripes enabled (the
 * runtime's table), each thread instead adds to a stripe it owns: plain loads and stores
 * to its own cache lines, no lock prefix, and nothing another core writes. Without
 * stripes, two threads allocating at the same site would bounce that site's cache line
 * between cores on every allocation, and every lookup of the site (which reads the same
 * line) would miss: measured 2.1% -> 6.7% of samples in `find` with 2 threads. A site's
 * count is its own counters plus its cell in every stripe.
 *
 * A stripe belongs to one thread at a time (owner = pthread_self) and is given back when
 * the thread exits (a pthread key destructor), for the next new thread to adopt with
 * what it has counted so far. Stripes are never unmapped, so the destructor and the
 * readers can always touch them; that is why only one table per process (the runtime's,
 * which lives as long as the process) may enable them.
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_site_table.h"

#include <pthread.h>
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
  _Atomic uint64_t alloc_count; /* allocations recorded here */
  _Atomic uint64_t alloc_bytes; /* their requested bytes */
  _Atomic uint64_t free_count;  /* frees credited here */
  _Atomic uint64_t free_bytes;  /* their bytes */
  uintptr_t frames[];           /* return addresses, leaf first */
} hp_site;

typedef hp_site *_Atomic site_slot;

/* One site's counters in one stripe. */
typedef struct cell {
  _Atomic uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
} cell;

#define CELL_PAGE_BITS 10
#define CELL_PAGE_SIZE (1u << CELL_PAGE_BITS)
#define CELL_PAGES (HP_SITE_MAX_IDS / CELL_PAGE_SIZE)

/* One thread's counters: cells by site id, in pages mapped on first use. */
typedef struct stripe {
  struct stripe *next;      /* the table's stripes, newest first */
  _Atomic uintptr_t owner;  /* pthread_self of the writer, 0 when free */
  cell *_Atomic *pages;     /* CELL_PAGES pages of CELL_PAGE_SIZE cells */
} stripe;

struct hp_site_table {
  hp_arena *arena;                  /* where sites come from */
  uint64_t mask;                    /* buckets - 1 */
  site_slot *buckets;               /* chain heads */
  site_slot *_Atomic *directory;    /* DIR_PAGES pages of DIR_PAGE_SIZE slots */
  _Atomic uint32_t next_id;         /* next id to hand out */
  _Atomic uint64_t sites;           /* linked sites */
  _Atomic int striped;              /* 1: threads count in stripes */
  stripe *_Atomic stripes;          /* every stripe ever made, newest first */
};

#define TLS __thread __attribute__((tls_model("initial-exec")))

static TLS hp_site_table *tls_table;   /* the striped table tls_stripe belongs to */
static TLS stripe *tls_stripe;         /* this thread's stripe of tls_table */
static TLS int tls_exiting;            /* the key destructor ran: count in the sites */
static pthread_key_t stripe_key;       /* its destructor gives the stripe back */
static _Atomic int stripes_claimed;    /* one striped table per process */

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

/* ---- stripes ---------------------------------------------------------------- */

/* Thread exit: give the stripe back for the next thread; later allocations of this
 * thread (other destructors run after this one) count in the sites' own counters. */
static void release_stripe(void *unused) {
  (void)unused;
  if (tls_stripe != NULL) atomic_store_explicit(&tls_stripe->owner, 0, memory_order_release);
  tls_stripe = NULL;
  tls_table = NULL;
  tls_exiting = 1;
}

int hp_site_table_enable_stripes(hp_site_table *t) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&stripes_claimed, &expected, 1)) return 0;
  if (pthread_key_create(&stripe_key, release_stripe) != 0) return 0;
  atomic_store_explicit(&t->striped, 1, memory_order_release);
  return 1;
}

/* A stripe of `t` for this thread to own: one it owns already (its id may be a dead
 * thread's, reused), a free one, or a new one. NULL when none can be mapped. */
static stripe *adopt_stripe(hp_site_table *t) {
  uintptr_t self = (uintptr_t)pthread_self();
  stripe *head = atomic_load_explicit(&t->stripes, memory_order_acquire);
  for (stripe *st = head; st != NULL; st = st->next) {
    if (atomic_load_explicit(&st->owner, memory_order_acquire) == self) return st;
  }
  for (stripe *st = head; st != NULL; st = st->next) {
    uintptr_t none = 0;
    if (atomic_load_explicit(&st->owner, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_strong_explicit(&st->owner, &none, self, memory_order_acquire,
                                                memory_order_relaxed))
      return st;
  }
  stripe *st = hp_arena_bump(t->arena, sizeof(stripe), 64);
  cell *_Atomic *pages = hp_arena_bump(t->arena, sizeof(cell *) * CELL_PAGES, 4096);
  if (st == NULL || pages == NULL) return NULL;
  st->pages = pages;
  atomic_store_explicit(&st->owner, self, memory_order_relaxed);
  stripe *seen = atomic_load_explicit(&t->stripes, memory_order_relaxed);
  do {
    st->next = seen;
  } while (!atomic_compare_exchange_weak_explicit(&t->stripes, &seen, st, memory_order_release,
                                                  memory_order_relaxed));
  return st;
}

/* current_stripe when this thread has none of `t` yet (a new thread, or another table). */
static __attribute__((noinline)) stripe *first_stripe(hp_site_table *t) {
  if (!atomic_load_explicit(&t->striped, memory_order_acquire) || tls_exiting) return NULL;
  stripe *st = adopt_stripe(t);
  if (st == NULL) return NULL;
  pthread_setspecific(stripe_key, st); /* may calloc for a key >= 32: under the guard */
  tls_stripe = st;
  tls_table = t;
  return st;
}

/* This thread's stripe of `t`, or NULL: count in the site's own counters. */
static inline stripe *current_stripe(hp_site_table *t) {
  if (__builtin_expect(tls_table == t, 1)) return tls_stripe;
  return first_stripe(t);
}

/* The cell of site `id` in `st`, mapping its page on first use; NULL when it cannot. */
static __attribute__((noinline)) cell *map_cell_page(hp_site_table *t, cell *_Atomic *slot) {
  cell *page = hp_arena_bump(t->arena, sizeof(cell) * CELL_PAGE_SIZE, 64);
  if (page != NULL) atomic_store_explicit(slot, page, memory_order_release); /* only the owner writes */
  return page;
}

static inline cell *cell_of(hp_site_table *t, stripe *st, uint32_t id) {
  cell *_Atomic *slot = &st->pages[id >> CELL_PAGE_BITS];
  cell *page = atomic_load_explicit(slot, memory_order_relaxed);
  if (__builtin_expect(page == NULL, 0)) {
    page = map_cell_page(t, slot);
    if (page == NULL) return NULL;
  }
  return &page[id & (CELL_PAGE_SIZE - 1)];
}

/* Adds to a counter only this thread writes: no lock prefix. The release store orders an
 * allocation's count before the live-table entry that a free on another thread finds. */
static inline void add_owned(_Atomic uint64_t *counter, uint64_t n) {
  atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                        memory_order_release);
}

/* Counts one allocation at `s` in stripe `st` (this thread's, or NULL: the site's own). */
static void count_alloc(hp_site_table *t, stripe *st, hp_site *s, uint64_t bytes) {
  cell *c = st != NULL ? cell_of(t, st, s->id) : NULL;
  if (c != NULL) {
    add_owned(&c->alloc_bytes, bytes);
    add_owned(&c->alloc_count, 1);
  } else {
    atomic_fetch_add_explicit(&s->alloc_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->alloc_bytes, bytes, memory_order_relaxed);
  }
}

/* The cell of `id` in `st` if its page exists (readers never map). */
static const cell *peek_cell(const stripe *st, uint32_t id) {
  cell *page = atomic_load_explicit(&st->pages[id >> CELL_PAGE_BITS], memory_order_acquire);
  return page != NULL ? &page[id & (CELL_PAGE_SIZE - 1)] : NULL;
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

static inline int same_frames(const hp_site *s, const uintptr_t *frames, int depth) {
  if (s->depth != (uint32_t)depth) return 0;
  /* A word loop, not memcmp: stacks are short and the call costs more than the compare. */
  uintptr_t diff = 0;
  for (int i = 0; i < depth; i++) diff |= s->frames[i] ^ frames[i];
  return diff == 0;
}

static int same_stack(const hp_site *s, uint64_t hash, const uintptr_t *frames, int depth) {
  return s->hash == hash && same_frames(s, frames, depth);
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
  count_alloc(t, current_stripe(t), s, bytes);
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

uint32_t hp_site_table_find(const hp_site_table *t, const uintptr_t *frames, int depth) {
  if (depth < 0 || depth > HP_MAX_DEPTH) return HP_SITE_NONE;
  uint64_t hash = hp_stack_hash(frames, depth);
  hp_site *head = atomic_load_explicit(&t->buckets[hash & t->mask], memory_order_acquire);
  hp_site *s = find(head, NULL, hash, frames, depth);
  return s != NULL ? s->id : HP_SITE_NONE;
}

/* hp_site_table_add_alloc without a stripe: the site's own counters. */
static __attribute__((noinline)) void add_alloc_to_site(hp_site_table *t, uint32_t id,
                                                         uint64_t bytes) {
  hp_site *s = site_by_id(t, id);
  if (s != NULL) count_alloc(t, NULL, s, bytes);
}

void hp_site_table_add_alloc(hp_site_table *t, uint32_t id, uint64_t bytes) {
  /* The recorder's path for a stack whose site it already knows: as for frees, with a
   * stripe the cell is found by id without touching the site (the site's line is shared
   * with every thread that looks the stack up). Ids come from intern or find, so they
   * name sites; the bound only keeps a stray id inside the cell pages. */
  stripe *st = current_stripe(t);
  if (__builtin_expect(st != NULL && id < HP_SITE_MAX_IDS, 1)) {
    cell *c = cell_of(t, st, id);
    if (c != NULL) {
      add_owned(&c->alloc_bytes, bytes);
      add_owned(&c->alloc_count, 1);
      return;
    }
  }
  add_alloc_to_site(t, id, bytes);
}

void hp_site_table_add_free(hp_site_table *t, uint32_t id, uint64_t bytes) {
  /* Every free lands here: with a stripe, the cell is found by id without the site
   * itself. Ids come from the live table, so they name sites; the bound only keeps a
   * stray id from mapping a page. */
  stripe *st = current_stripe(t);
  if (st != NULL && id < atomic_load_explicit(&t->next_id, memory_order_relaxed)) {
    cell *c = cell_of(t, st, id);
    if (c != NULL) {
      add_owned(&c->free_bytes, bytes);
      add_owned(&c->free_count, 1);
      return;
    }
  }
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return;
  atomic_fetch_add_explicit(&s->free_count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&s->free_bytes, bytes, memory_order_relaxed);
}

int hp_site_table_counts(const hp_site_table *t, uint32_t id, hp_site_counts *out) {
  hp_site *s = site_by_id(t, id);
  if (s == NULL) return -1;
  /* All frees before any allocation: a free is counted after its allocation, so the
   * allocations read later include every allocation whose free was read. */
  stripe *head = atomic_load_explicit(&((hp_site_table *)t)->stripes, memory_order_acquire);
  out->free_count = atomic_load_explicit(&s->free_count, memory_order_acquire);
  out->free_bytes = atomic_load_explicit(&s->free_bytes, memory_order_acquire);
  for (const stripe *st = head; st != NULL; st = st->next) {
    const cell *c = peek_cell(st, id);
    if (c == NULL) continue;
    out->free_count += atomic_load_explicit(&c->free_count, memory_order_acquire);
    out->free_bytes += atomic_load_explicit(&c->free_bytes, memory_order_acquire);
  }
  out->alloc_count = atomic_load_explicit(&s->alloc_count, memory_order_acquire);
  out->alloc_bytes = atomic_load_explicit(&s->alloc_bytes, memory_order_acquire);
  for (const stripe *st = head; st != NULL; st = st->next) {
    const cell *c = peek_cell(st, id);
    if (c == NULL) continue;
    out->alloc_count += atomic_load_explicit(&c->alloc_count, memory_order_acquire);
    out->alloc_bytes += atomic_load_explicit(&c->alloc_bytes, memory_order_acquire);
  }
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

uint32_t hp_site_table_stripe_count(const hp_site_table *t) {
  uint32_t n = 0;
  for (stripe *st = atomic_load_explicit(&((hp_site_table *)t)->stripes, memory_order_acquire);
       st != NULL; st = st->next)
    n++;
  return n;
}

uint64_t hp_site_table_site_count(const hp_site_table *t) {
  return atomic_load(&((hp_site_table *)t)->sites);
}
