/*
 * hp_state_file: tells other processes that this one is recorded, and how.
 *
 * At start (and in every fork child) the runtime writes DIR/<pid>.state, where DIR is
 * /tmp/heapprof-<euid>: a directory that must be owned by the effective user and closed
 * to everyone else (mode 0700, not a symlink), else nothing is written and one line says
 * why. `heapprof snapshot PID` reads it to learn the dump prefix and the signal that the
 * runtime really installed, instead of trusting /proc/PID/environ (which programs such
 * as redis overwrite with their process title) or the user's memory of the options.
 * The file is removed at exit; a stale one (a crash, SIGKILL) is recognised by its
 * process start time, which a new process with the same pid does not share.
 *
 * Format, one "key value" per line, `prefix` last so that it may hold any byte but '\n':
 *   heapprof-state 1
 *   pid 4242
 *   start 123456             (field 22 of /proc/PID/stat: start time in clock ticks)
 *   signal 12                (0: no dump signal)
 *   sample_rate 0
 *   session rec-4241-1a2b    (HEAPPROF_SESSION, or '-')
 *   prefix /abs/path/prefix
 *
 * Written to a temporary name (O_EXCL|O_NOFOLLOW, 0600) and renamed. No malloc, no stdio.
 * Not thread-safe: called at init, from the fork child handler and at exit.
 */
#ifndef HP_STATE_FILE_H
#define HP_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a state file says. */
typedef struct hp_state {
  int32_t pid;
  uint64_t start_ticks;
  int signal_number;
  uint64_t sample_rate;
  const char *session; /* "" or NULL: none */
  const char *prefix;  /* absolute dump prefix */
} hp_state;

/* Formats the runtime's state directory, /tmp/heapprof-<uid>, into `out`. */
void hp_state_dir(char *out, size_t out_len, uint32_t uid);

/* This process's start time in clock ticks (/proc/self/stat field 22); 0 if unknown. */
uint64_t hp_state_start_ticks(void);

/* Writes DIR/<pid>.state for `state`, creating DIR (0700) when missing. Returns 0, or
 * -errno (EPERM when DIR is not private to this user); says one line on err_fd (unless
 * < 0) when it cannot. */
int hp_state_publish(const char *dir, const hp_state *state, int err_fd);

/* Removes DIR/<pid>.state (no error when it is gone). */
void hp_state_remove(const char *dir, int32_t pid);

#ifdef __cplusplus
}
#endif
#endif /* HP_STATE_FILE_H */
