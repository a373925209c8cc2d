/*
 * hp_runtime: the process-wide recorder that libheapprof.so runs: configuration, one
 * recorder, the dumper, and the entry points the malloc-family wrappers call.
 *
 * Hook contract: hp_hook_* are called by the wrappers in HeapProfPreload with the
 * re-entry guard already set, after (alloc) or before (free) the real function; they
 * never allocate from malloc, never use stdio or getenv, and take no lock but one live
 * table shard spinlock. hp_hook_alloc must be called directly from the wrapper (it skips
 * exactly two frames: itself and the wrapper).
 * hp_runtime_init runs once, from the preload library's constructor.
 */
#ifndef HP_RUNTIME_H
#define HP_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "hp_recorder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the environment (`envp`, NULL-terminated) and, when HEAPPROF_OUT is set, starts
 * recording: maps the tables, installs the signal handler, fork and exit handlers and
 * the dumper thread. Returns 1 when recording, 0 when off. Idempotent. */
int hp_runtime_init(char *const *envp);

/* 1 while recording (HEAPPROF_OUT set and init done). */
int hp_runtime_is_active(void);

/* Pauses (0) or resumes (1) recording of new allocations; returns the previous state. */
int hp_runtime_set_enabled(int enabled);

/* Records allocation `ptr` of `size` bytes at the caller's stack (sampling applied). */
void hp_hook_alloc(void *ptr, size_t size);

/* Credits the free of `ptr` (call before the real free). */
void hp_hook_free(void *ptr);

/* realloc support: take the old entry out before the real realloc... */
int hp_hook_take(void *ptr, uint64_t *size, uint32_t *site);
/* ...put it back when the real realloc failed... */
void hp_hook_restore(void *ptr, uint64_t size, uint32_t site);
/* ...or credit its site when it succeeded. */
void hp_hook_credit(uint32_t site, uint64_t size);

/* Writes a dump now (from the calling thread): to `path`, or to the next numbered file
 * when `path` is NULL. Returns 0 and copies the final path to path_out, or -1 with errno
 * set (and one stderr line for the first failure of the process). */
int hp_runtime_dump(const char *path, const char *reason, char *path_out, size_t path_out_len);

/* The program is leaving through _exit/_Exit: writes the last dump (HEAPPROF_AT_EXIT=1)
 * and removes the state file, in the process that loaded the runtime only (not in fork
 * or vfork children). */
void hp_runtime_before_exit(void);

/* Totals of the process's recorder. Returns 0, or -1 when not recording. */
int hp_runtime_stats(hp_stats *out);

#if !defined(__swift__)
/* Non-zero while the wrappers should call the hooks (read without a lock). */
extern _Atomic int hp_hook_recording;
#endif

#ifdef __cplusplus
}
#endif
#endif /* HP_RUNTIME_H */
