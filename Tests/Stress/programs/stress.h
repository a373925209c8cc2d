/* stress.h: what every stress program shares.
 *
 * A stress program does its work, then states what the heap profile must say about it:
 * one line per function of its own that calls the allocator,
 *
 *     expect <pid> fn <function> <inuse_n> <inuse_bytes> <alloc_n> <alloc_bytes>
 *     expect <pid> size <bytes> <inuse_n> <inuse_bytes> <alloc_n> <alloc_bytes>
 *     expect <pid> dumps <n>
 *
 * appended to the file named by $STRESS_EXPECT (nothing when unset), so that its stdout
 * stays the same with and without the runtime. `fn` lines count the sites whose leaf frame
 * lies in <function>; `size` lines count the sites whose every object has <bytes> bytes
 * (for code that is unloaded before the dump). Sizes are the requested sizes, as the
 * runtime records them; realloc(p, n) frees p's object and allocates n bytes at the
 * realloc's caller; failed calls record nothing. */
#ifndef STRESS_H
#define STRESS_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Running totals of one allocating function. */
typedef struct {
  const char *name;
  _Atomic int64_t alloc_n, alloc_b, free_n, free_b;
} tally;

#define TALLY(fn) {#fn, 0, 0, 0, 0}

static inline void tally_alloc(tally *t, int64_t bytes) {
  atomic_fetch_add(&t->alloc_n, 1);
  atomic_fetch_add(&t->alloc_b, bytes);
}

static inline void tally_free(tally *t, int64_t bytes) {
  atomic_fetch_add(&t->free_n, 1);
  atomic_fetch_add(&t->free_b, bytes);
}

/* Appends one line to $STRESS_EXPECT with a single write(2) (O_APPEND: processes that
 * share the file never interleave). */
static inline void expect_line(const char *line) {
  const char *path = getenv("STRESS_EXPECT");
  if (path == NULL) return;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ssize_t ignored = write(fd, line, strlen(line));
  (void)ignored;
  close(fd);
}

static inline void expect_tally(const tally *t) {
  char line[512];
  int64_t an = atomic_load(&t->alloc_n), ab = atomic_load(&t->alloc_b);
  int64_t fn = atomic_load(&t->free_n), fb = atomic_load(&t->free_b);
  snprintf(line, sizeof line, "expect %d fn %s %lld %lld %lld %lld\n", (int)getpid(), t->name,
           (long long)(an - fn), (long long)(ab - fb), (long long)an, (long long)ab);
  expect_line(line);
}

static inline void expect_size(int64_t size, int64_t inuse_n, int64_t alloc_n) {
  char line[256];
  snprintf(line, sizeof line, "expect %d size %lld %lld %lld %lld %lld\n", (int)getpid(),
           (long long)size, (long long)inuse_n, (long long)(inuse_n * size), (long long)alloc_n,
           (long long)(alloc_n * size));
  expect_line(line);
}

/* A small deterministic generator (xorshift64*), one state per thread. */
static inline uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* A size from 1 B to 1 MiB, spread evenly over the powers of two. */
static inline size_t rng_size(uint64_t *s) {
  unsigned shift = (unsigned)(rng_next(s) % 20); /* base 2^0 .. 2^19 */
  size_t base = (size_t)1 << shift;
  return base + (size_t)(rng_next(s) % base); /* base .. 2 * base - 1 */
}

/* The scale factor: STRESS_SCALE (default 10; tools/stress --quick passes 1). */
static inline int stress_scale(void) {
  const char *s = getenv("STRESS_SCALE");
  int v = s ? atoi(s) : 10;
  return v > 0 ? v : 1;
}
#endif
