/*
 * dump_writer.c: gperftools legacy text heap profile writer (contract in
 * hp_dump_writer.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_dump_writer.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h> /* rename(2) only; no stdio streams */
#include <unistd.h>

#include "fmt.h"

#define OUT_BUFFER_SIZE (64 * 1024)

/* ---------------------------------------------------------------------------------
 * Buffered output to an fd; the first error sticks.
 * --------------------------------------------------------------------------------- */
typedef struct sink {
  int fd;
  hp_text text;
  int error; /* -errno of the first failed write, else 0 */
} sink;

static void flush(sink *s) {
  if (s->error == 0 && s->text.len > 0) s->error = hp_write_all(s->fd, s->text.data, s->text.len);
  s->text.len = 0;
  s->text.truncated = 0;
}

/* Makes room for `n` more bytes (n < buffer size). */
static void reserve(sink *s, size_t n) {
  if (s->text.len + n + 1 >= s->text.cap) flush(s);
}

/* ---------------------------------------------------------------------------------
 * Sorting (in-use bytes descending, then id ascending): a heap sort, no recursion,
 * no allocation. The key is a total order, so the result is deterministic.
 * --------------------------------------------------------------------------------- */
typedef struct row {
  uint32_t id;
  hp_site_counts counts;
} row;

static int before(const row *a, const row *b) {
  uint64_t ia = a->counts.alloc_bytes - a->counts.free_bytes;
  uint64_t ib = b->counts.alloc_bytes - b->counts.free_bytes;
  if (ia != ib) return ia > ib;
  return a->id < b->id;
}

static void sift(row *rows, size_t start, size_t end) {
  size_t root = start;
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= end) return;
    /* max-heap on "after": the element that sorts last rises to the top */
    if (child + 1 < end && before(&rows[child], &rows[child + 1])) child++;
    if (!before(&rows[root], &rows[child])) return;
    row tmp = rows[root];
    rows[root] = rows[child];
    rows[child] = tmp;
    root = child;
  }
}

static void sort_rows(row *rows, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift(rows, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    row tmp = rows[0];
    rows[0] = rows[end];
    rows[end] = tmp;
    sift(rows, 0, end);
  }
}

/* ---------------------------------------------------------------------------------
 * Lines
 * --------------------------------------------------------------------------------- */
static void counts_line(sink *s, uint64_t in_n, uint64_t in_b, uint64_t al_n, uint64_t al_b) {
  reserve(s, 128);
  hp_text_u64(&s->text, in_n, 6);
  hp_text_str(&s->text, ": ");
  hp_text_u64(&s->text, in_b, 8);
  hp_text_str(&s->text, " [");
  hp_text_u64(&s->text, al_n, 6);
  hp_text_str(&s->text, ": ");
  hp_text_u64(&s->text, al_b, 8);
  hp_text_str(&s->text, "] @");
}

static void word(sink *s, const char *key, const char *value, int spaces_to_underscore) {
  size_t n = hp_strlen(value);
  reserve(s, hp_strlen(key) + 2);
  hp_text_char(&s->text, ' ');
  hp_text_str(&s->text, key);
  hp_text_char(&s->text, '=');
  for (size_t i = 0; i < n; i++) {
    char c = value[i];
    if (c == '\n' || c == '\r' || (spaces_to_underscore && (c == ' ' || c == '\t'))) c = '_';
    reserve(s, 1);
    hp_text_char(&s->text, c);
  }
}

static void number_word(sink *s, const char *key, uint64_t value, int is_signed) {
  reserve(s, hp_strlen(key) + 24);
  hp_text_char(&s->text, ' ');
  hp_text_str(&s->text, key);
  hp_text_char(&s->text, '=');
  if (is_signed) {
    hp_text_i64(&s->text, (int64_t)value, 0);
  } else {
    hp_text_u64(&s->text, value, 0);
  }
}

static void copy_file(sink *s, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  for (;;) {
    reserve(s, 4096);
    size_t room = s->text.cap - s->text.len - 1;
    ssize_t n = read(fd, s->text.data + s->text.len, room);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s->text.len += (size_t)n;
  }
  close(fd);
}

/* ---------------------------------------------------------------------------------
 * Build ids of the loaded objects: "# heapprof-build-id: 0xSTART HEX" per object, START
 * being where its first segment is mapped (the offset-0 line of /proc/self/maps), so
 * that readers can tell a rebuilt binary from the one that ran. Collected into a buffer
 * first: dl_iterate_phdr holds the loader's lock, which must not wait on the disk.
 * --------------------------------------------------------------------------------- */
#define BUILD_ID_BUFFER_SIZE (64 * 1024)

static void add_build_id(hp_text *t, uintptr_t start, const unsigned char *id, size_t len) {
  static const char hex[] = "0123456789abcdef";
  if (t->len + 40 + 2 * len >= t->cap) return; /* whole lines only */
  hp_text_str(t, "# heapprof-build-id: ");
  hp_text_hex(t, start, 16);
  hp_text_char(t, ' ');
  for (size_t i = 0; i < len; i++) {
    hp_text_char(t, hex[id[i] >> 4]);
    hp_text_char(t, hex[id[i] & 15]);
  }
  hp_text_char(t, '\n');
}

static int collect_build_id(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  hp_text *t = data;
  uintptr_t start = UINTPTR_MAX;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && info->dlpi_addr + ph->p_vaddr - ph->p_offset < start)
      start = info->dlpi_addr + ph->p_vaddr - ph->p_offset;
  }
  if (start == UINTPTR_MAX) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE) continue;
    const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
    const unsigned char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *note = (const ElfW(Nhdr) *)p;
      const unsigned char *name = p + sizeof(ElfW(Nhdr));
      const unsigned char *desc = name + ((note->n_namesz + 3u) & ~3u);
      if (desc + note->n_descsz > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && name[0] == 'G' && name[1] == 'N' &&
          name[2] == 'U' && name[3] == 0 && note->n_descsz > 0 && note->n_descsz <= 64) {
        add_build_id(t, start, desc, note->n_descsz);
        return 0;
      }
      p = desc + ((note->n_descsz + 3u) & ~3u);
    }
  }
  return 0;
}

int hp_dump_write_fd(const hp_site_table *sites, hp_arena *scratch, int fd,
                     const hp_dump_info *info, hp_dump_totals *totals) {
  uint32_t limit = hp_site_table_id_limit(sites);
  size_t rows_size = sizeof(row) * (size_t)(limit ? limit : 1);
  row *rows = hp_arena_map(scratch, rows_size);
  char *buffer = hp_arena_map(scratch, OUT_BUFFER_SIZE);
  if (rows == NULL || buffer == NULL) {
    hp_arena_unmap(scratch, rows, rows_size);
    hp_arena_unmap(scratch, buffer, OUT_BUFFER_SIZE);
    return -ENOMEM;
  }
  hp_dump_totals sum = {0, 0, 0, 0, 0};
  size_t n = 0;
  for (uint32_t id = 0; id < limit; id++) {
    row r;
    r.id = id;
    if (hp_site_table_counts(sites, id, &r.counts) != 0 || r.counts.alloc_count == 0) continue;
    /* Counters are read one by one while other threads update them: keep each line
     * self-consistent (no bytes without objects, never more freed than allocated). */
    if (r.counts.free_count > r.counts.alloc_count) r.counts.free_count = r.counts.alloc_count;
    if (r.counts.free_bytes > r.counts.alloc_bytes) r.counts.free_bytes = r.counts.alloc_bytes;
    if (r.counts.free_count == r.counts.alloc_count) r.counts.free_bytes = r.counts.alloc_bytes;
    rows[n++] = r;
    sum.inuse_count += r.counts.alloc_count - r.counts.free_count;
    sum.inuse_bytes += r.counts.alloc_bytes - r.counts.free_bytes;
    sum.alloc_count += r.counts.alloc_count;
    sum.alloc_bytes += r.counts.alloc_bytes;
  }
  sum.lines = n;
  sort_rows(rows, n);

  sink s = {fd, {0, 0, 0, 0}, 0};
  hp_text_init(&s.text, buffer, OUT_BUFFER_SIZE);
  hp_text_str(&s.text, "heap profile: ");
  counts_line(&s, sum.inuse_count, sum.inuse_bytes, sum.alloc_count, sum.alloc_bytes);
  if (info->sample_rate == 0) {
    hp_text_str(&s.text, " heapprofile\n");
  } else {
    hp_text_str(&s.text, " heap_v2/");
    hp_text_u64(&s.text, info->sample_rate, 0);
    hp_text_char(&s.text, '\n');
  }
  for (size_t i = 0; i < n; i++) {
    const hp_site_counts *c = &rows[i].counts;
    counts_line(&s, c->alloc_count - c->free_count, c->alloc_bytes - c->free_bytes,
                c->alloc_count, c->alloc_bytes);
    int depth = 0;
    const uintptr_t *frames = hp_site_table_frames(sites, rows[i].id, &depth);
    for (int k = 0; k < depth; k++) {
      reserve(&s, 24);
      hp_text_char(&s.text, ' ');
      hp_text_hex(&s.text, frames[k], 16);
    }
    reserve(&s, 1);
    hp_text_char(&s.text, '\n');
  }
  reserve(&s, 128);
  hp_text_str(&s.text, "# heapprof:");
  number_word(&s, "version", 1, 0);
  number_word(&s, "pid", (uint64_t)(int64_t)info->pid, 1);
  number_word(&s, "seq", info->seq, 0);
  number_word(&s, "time_ns", info->time_ns, 0);
  word(&s, "reason", info->reason ? info->reason : "api", 1);
  number_word(&s, "sample_rate", info->sample_rate, 0);
  number_word(&s, "max_depth", (uint64_t)(int64_t)info->max_depth, 1);
  if (info->session != NULL && info->session[0] != 0) word(&s, "session", info->session, 0);
  word(&s, "program", info->program ? info->program : "", 0);
  reserve(&s, 1);
  hp_text_char(&s.text, '\n');
  if (info->build_ids) {
    char *ids = hp_arena_map(scratch, BUILD_ID_BUFFER_SIZE);
    if (ids != NULL) {
      hp_text t;
      hp_text_init(&t, ids, BUILD_ID_BUFFER_SIZE);
      dl_iterate_phdr(collect_build_id, &t);
      flush(&s);
      if (s.error == 0 && t.len > 0) s.error = hp_write_all(s.fd, t.data, t.len);
      hp_arena_unmap(scratch, ids, BUILD_ID_BUFFER_SIZE);
    }
  }
  reserve(&s, 32);
  hp_text_str(&s.text, "\nMAPPED_LIBRARIES:\n");
  if (info->maps_path != NULL) copy_file(&s, info->maps_path);
  flush(&s);

  hp_arena_unmap(scratch, rows, rows_size);
  hp_arena_unmap(scratch, buffer, OUT_BUFFER_SIZE);
  if (totals != NULL) *totals = sum;
  return s.error;
}

/* ---------------------------------------------------------------------------------
 * Files
 * --------------------------------------------------------------------------------- */
size_t hp_dump_path(char *out, size_t out_len, const char *prefix, int32_t pid, uint32_t seq) {
  hp_text t;
  hp_text_init(&t, out, out_len);
  hp_text_str(&t, prefix);
  hp_text_char(&t, '.');
  hp_text_i64(&t, pid, 0);
  hp_text_char(&t, '.');
  if (seq < 1000) hp_text_char(&t, '0');
  if (seq < 100) hp_text_char(&t, '0');
  if (seq < 10) hp_text_char(&t, '0');
  hp_text_u64(&t, seq, 0);
  hp_text_str(&t, ".heap");
  return t.len;
}

static void copy_path(char *out, size_t out_len, const char *path) {
  if (out == NULL || out_len == 0) return;
  hp_text t;
  hp_text_init(&t, out, out_len);
  hp_text_str(&t, path);
}

/* Writes the dump into a new `tmp` file. 0 or -errno (tmp removed on failure).
 * The file is created, never reused: O_EXCL|O_NOFOLLOW so that a symlink planted at the
 * temporary name (in a shared directory such as /tmp) is not followed, and mode 0600
 * because a heap profile shows what a program holds. A stale file left at the name by a
 * killed run is removed once and the create retried. */
static int write_tmp(const hp_site_table *sites, hp_arena *scratch, const char *tmp,
                     const hp_dump_info *info, hp_dump_totals *totals) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(tmp, flags, 0600);
  if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) fd = open(tmp, flags, 0600);
  if (fd < 0) return -errno;
  int rc = hp_dump_write_fd(sites, scratch, fd, info, totals);
  if (close(fd) != 0 && rc == 0) rc = -errno;
  if (rc != 0) unlink(tmp);
  return rc;
}

int hp_dump_write_path(const hp_site_table *sites, hp_arena *scratch, const char *path,
                       const hp_dump_info *info, hp_dump_totals *totals) {
  char tmp[4200];
  hp_text t;
  hp_text_init(&t, tmp, sizeof tmp);
  hp_text_str(&t, path);
  hp_text_str(&t, ".tmp");
  if (t.truncated) return -ENAMETOOLONG;
  int rc = write_tmp(sites, scratch, tmp, info, totals);
  if (rc != 0) return rc;
  if (rename(tmp, path) != 0) {
    rc = -errno;
    unlink(tmp);
  }
  return rc;
}

int hp_dump_write_numbered(const hp_site_table *sites, hp_arena *scratch, const char *prefix,
                           hp_dump_info *info, uint32_t *seq, char *path_out,
                           size_t path_out_len, hp_dump_totals *totals) {
  char final_path[4200];
  char tmp[4200];
  for (uint32_t attempt = 0; attempt < 100000; attempt++) {
    uint32_t next = *seq + 1 + attempt;
    hp_dump_path(final_path, sizeof final_path, prefix, info->pid, next);
    if (access(final_path, F_OK) == 0) continue; /* never overwrite */
    hp_text t;
    hp_text_init(&t, tmp, sizeof tmp);
    hp_text_str(&t, final_path);
    hp_text_str(&t, ".tmp");
    if (t.truncated) {
      copy_path(path_out, path_out_len, final_path);
      return -ENAMETOOLONG;
    }
    info->seq = next;
    int rc = write_tmp(sites, scratch, tmp, info, totals);
    if (rc != 0) {
      copy_path(path_out, path_out_len, final_path);
      return rc;
    }
    /* link(2) fails instead of replacing an existing name; fall back to rename(2) on
     * file systems without hard links. */
    if (link(tmp, final_path) == 0) {
      unlink(tmp);
    } else if (errno == EEXIST) {
      unlink(tmp);
      continue;
    } else if (rename(tmp, final_path) != 0) {
      rc = -errno;
      unlink(tmp);
      copy_path(path_out, path_out_len, final_path);
      return rc;
    }
    *seq = next;
    copy_path(path_out, path_out_len, final_path);
    return 0;
  }
  copy_path(path_out, path_out_len, final_path);
  return -EEXIST;
}
