/*
 * hp_config: the HEAPPROF_* environment, read once at init by scanning an environment
 * vector (no getenv, no malloc). A bad value produces one line on `err_fd` naming the
 * variable, the value and the default used instead.
 *
 * Not thread-safe (called once, before recording starts). Never allocates.
 */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HP_PATH_MAX 4096

/* The runtime's settings. */
typedef struct hp_config {
  char out[HP_PATH_MAX];   /* HEAPPROF_OUT, the dump prefix ("" = recording off) */
  uint64_t sample_rate;    /* HEAPPROF_SAMPLE_RATE, bytes; 0 = every allocation */
  uint64_t interval_s;     /* HEAPPROF_INTERVAL, seconds; 0 = off */
  uint64_t inuse_interval; /* HEAPPROF_INUSE_INTERVAL, bytes; 0 = off */
  int signal_number;       /* HEAPPROF_SIGNAL; 0 = none; default SIGUSR2 */
  int max_depth;           /* HEAPPROF_MAX_DEPTH, 1...HP_MAX_DEPTH; default 64 */
  int at_exit;             /* HEAPPROF_AT_EXIT, 0 or 1; default 1 */
} hp_config;

/* Fills *config with defaults, then applies the HEAPPROF_* entries of `envp` (a
 * NULL-terminated "NAME=value" vector, may be NULL). Returns the number of bad values
 * (each reported with one line on err_fd unless err_fd < 0). */
int hp_config_parse(hp_config *config, char *const *envp, int err_fd);

/* Signal number for a name ("USR2", "SIGUSR2", "PROF") or a decimal number; -1 when
 * unknown. "0" gives 0. */
int hp_signal_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* HP_CONFIG_H */
