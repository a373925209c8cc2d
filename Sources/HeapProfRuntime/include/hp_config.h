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

#define HP_SESSION_MAX 64

/* The runtime's settings. Values:
 *  - sizes (SAMPLE_RATE, INUSE_INTERVAL): bytes, with an optional unit as the CLI takes
 *    them: B, K/KB/KiB, M/MB/MiB, G/GB/GiB (all powers of 1024), fractions allowed
 *    ("1.5MiB"); a plain number is bytes.
 *  - INTERVAL: seconds, fractions allowed down to 1 ms ("0.5"); 0 = off.
 *  - SIGNAL: a name (USR2, SIGUSR2) or a number that hp_signal_allowed accepts, or 0.
 *  - SESSION: a word of letters, digits, '-', '_' or '.' set by `heapprof record`, written
 *    into the state file and every dump so that the recorder finds its own dumps. */
typedef struct hp_config {
  char out[HP_PATH_MAX];   /* HEAPPROF_OUT, the dump prefix ("" = recording off) */
  uint64_t sample_rate;    /* HEAPPROF_SAMPLE_RATE, bytes; 0 = every allocation */
  uint64_t interval_ns;    /* HEAPPROF_INTERVAL, in ns (the variable is seconds); 0 = off */
  uint64_t inuse_interval; /* HEAPPROF_INUSE_INTERVAL, bytes; 0 = off */
  int signal_number;       /* HEAPPROF_SIGNAL; 0 = none; default SIGUSR2 */
  int max_depth;           /* HEAPPROF_MAX_DEPTH, 1...HP_MAX_DEPTH; default 64 */
  int at_exit;             /* HEAPPROF_AT_EXIT, 0 or 1; default 1 */
  int fp_walk;             /* HEAPPROF_FP_WALK, 0 or 1; default 1 (frame-pointer fast path) */
  char session[HP_SESSION_MAX]; /* HEAPPROF_SESSION ("" = none) */
} hp_config;

/* Fills *config with defaults, then applies the HEAPPROF_* entries of `envp` (a
 * NULL-terminated "NAME=value" vector, may be NULL). Returns the number of bad values
 * (each reported with one line on err_fd unless err_fd < 0). */
int hp_config_parse(hp_config *config, char *const *envp, int err_fd);

/* Signal number for a name ("USR2", "SIGUSR2", "PROF", "RTMIN+3") or a decimal number;
 * -1 when unknown. "0" gives 0. Says nothing about whether the signal may be used. */
int hp_signal_from_name(const char *name);

/* 1 when `sig` may be the dump signal: HUP INT QUIT USR1 USR2 ALRM TERM URG WINCH PROF
 * VTALRM and SIGRTMIN...SIGRTMAX. Refused (0): the signals that stop, continue or kill
 * (KILL STOP CONT TSTP TTIN TTOU), the ones the kernel raises for faults (ILL TRAP ABRT
 * BUS FPE SEGV SYS XCPU XFSZ, STKFLT), SIGPIPE and SIGCHLD (a handler there changes how the
 * program sees broken pipes and its children), and glibc's reserved 32 and 33.
 * `heapprof record --signal` applies the same rule. */
int hp_signal_allowed(int sig);

/* Parses a size ("4096", "512KiB", "1.5M"); 0 and the bytes in *out, -1 when not a size. */
int hp_parse_size(const char *text, uint64_t *out);

/* Parses seconds ("5", "0.5", "1.250") into ns; 0 on success, -1 when not seconds. */
int hp_parse_seconds(const char *text, uint64_t *out_ns);

#ifdef __cplusplus
}
#endif
#endif /* HP_CONFIG_H */
