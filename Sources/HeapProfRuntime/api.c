/*
 * api.c: the exported control API declared (weakly) in CHeapProfAPI.h. These are the
 * only heapprof_* symbols of libheapprof.so. Never called from inside malloc.
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include <errno.h>
#include <string.h>

#include "hp_runtime.h"

#define EXPORT __attribute__((visibility("default")))

/* Same layout as heapprof_stats in CHeapProfAPI.h (11 x uint64_t, checked in
 * recorder.c); kept incomplete here so that the weak declarations are not merged into
 * these definitions. The first release's struct had ten fields: heapprof_get_stats writes
 * exactly those. */
struct heapprof_stats;

EXPORT int heapprof_is_active(void) { return hp_runtime_is_active(); }

EXPORT int heapprof_get_stats(struct heapprof_stats *out) {
  hp_stats stats;
  if (out == NULL) {
    errno = EINVAL;
    return -1;
  }
  if (hp_runtime_stats(&stats) != 0) return -1;
  memcpy(out, &stats, 10 * sizeof(uint64_t));
  return 0;
}

EXPORT int heapprof_get_stats_sized(struct heapprof_stats *out, size_t size) {
  hp_stats stats;
  if (out == NULL) {
    errno = EINVAL;
    return -1;
  }
  if (hp_runtime_stats(&stats) != 0) return -1;
  size_t known = size < sizeof stats ? size : sizeof stats;
  memcpy(out, &stats, known);
  if (size > known) memset((char *)out + known, 0, size - known);
  return 0;
}

EXPORT int heapprof_dump(const char *path, const char *reason, char *path_out,
                         size_t path_out_len) {
  return hp_runtime_dump(path, reason, path_out, path_out_len);
}

EXPORT int heapprof_set_enabled(int enabled) { return hp_runtime_set_enabled(enabled); }
