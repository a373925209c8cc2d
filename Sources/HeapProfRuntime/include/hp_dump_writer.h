/*
 * hp_dump_writer: writes a site table as a gperftools legacy text heap profile, the
 * format google-pprof and go tool pprof read:
 *
 *   heap profile: <inuse n>: <inuse bytes> [<alloc n>: <alloc bytes>] @ heapprofile
 *   <inuse n>: <inuse bytes> [<alloc n>: <alloc bytes>] @ 0x<pc> 0x<pc> ...
 *   # heapprof: version=1 pid=P seq=N time_ns=T reason=R sample_rate=S max_depth=D [session=W] program=X
 *   [# heapprof-build-id: 0x<start> <hex>]...   (info->build_ids: one per loaded object
 *                                                with a GNU build id, where it starts)
 *   <blank>
 *   MAPPED_LIBRARIES:
 *   <verbatim /proc/self/maps>
 *
 * `@ heap_v2/<rate>` replaces `@ heapprofile` when sampling. One line per site with
 * allocations, sorted by in-use bytes (descending, then site id); the header holds the
 * totals of the lines; raw return addresses, leaf first. Sampled dumps hold raw sampled
 * counts (readers unbias).
 *
 * Text is built in a buffer mapped from `scratch` and written with write(2); the
 * scratch blocks are given back before returning. Never allocates from malloc, no stdio.
 * Thread safety: callers serialise dumps (the runtime holds its dump lock); the site
 * table may be updated concurrently.
 */
#ifndef HP_DUMP_WRITER_H
#define HP_DUMP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "hp_arena.h"
#include "hp_site_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Metadata written into a dump. */
typedef struct hp_dump_info {
  int32_t pid;           /* process id */
  uint32_t seq;          /* sequence number of the dump */
  uint64_t time_ns;      /* wall clock, ns since the epoch */
  const char *reason;    /* exit, signal, interval, inuse, api... (spaces become '_') */
  uint64_t sample_rate;  /* 0 = every allocation */
  int32_t max_depth;     /* frames kept per stack */
  const char *program;   /* path of the executable */
  const char *session;   /* HEAPPROF_SESSION; NULL or "" = no session word */
  const char *maps_path; /* copied after MAPPED_LIBRARIES: (normally /proc/self/maps); NULL = none */
  int build_ids;         /* 1: write the build ids of this process's loaded objects */
} hp_dump_info;

/* Totals of a written dump (the header line). */
typedef struct hp_dump_totals {
  uint64_t inuse_count;
  uint64_t inuse_bytes;
  uint64_t alloc_count;
  uint64_t alloc_bytes;
  uint64_t lines; /* site lines written */
} hp_dump_totals;

/* Writes the dump to `fd`. Returns 0, or -errno (ENOMEM when scratch is exhausted). */
int hp_dump_write_fd(const hp_site_table *sites, hp_arena *scratch, int fd,
                     const hp_dump_info *info, hp_dump_totals *totals);

/* Writes the dump to `path` through `path`.tmp and rename(2) (replacing `path`).
 * Returns 0 or -errno. */
int hp_dump_write_path(const hp_site_table *sites, hp_arena *scratch, const char *path,
                       const hp_dump_info *info, hp_dump_totals *totals);

/* Writes the next numbered dump PREFIX.<pid>.<seq>.heap with seq > *seq (4 digits from
 * 0001), skipping names that exist (never overwrites). The file is written as
 * <name>.tmp and then linked to its final name. On success stores the seq used in *seq
 * and info->seq, copies the final path to path_out (when not NULL), returns 0. On
 * failure returns -errno and copies the path that failed to path_out. */
int hp_dump_write_numbered(const hp_site_table *sites, hp_arena *scratch, const char *prefix,
                           hp_dump_info *info, uint32_t *seq, char *path_out,
                           size_t path_out_len, hp_dump_totals *totals);

/* Formats PREFIX.<pid>.<seq>.heap into out (seq as %04u). Returns its length. */
size_t hp_dump_path(char *out, size_t out_len, const char *prefix, int32_t pid, uint32_t seq);

#ifdef __cplusplus
}
#endif
#endif /* HP_DUMP_WRITER_H */
