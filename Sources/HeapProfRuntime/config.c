/*
 * config.c: HEAPPROF_* variables (contract in hp_config.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_config.h"

#include <signal.h>

#include "fmt.h"
#include "hp_site_table.h"

/* Compares the "NAME=" prefix of an environment entry; returns the value or NULL. */
static const char *value_of(const char *entry, const char *name) {
  size_t i = 0;
  for (; name[i] != 0; i++) {
    if (entry[i] != name[i]) return NULL;
  }
  return entry[i] == '=' ? entry + i + 1 : NULL;
}

/* Parses a non-negative decimal; 0 on success, -1 when not a plain number. */
static int parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (s[0] == 0) return -1;
  for (const char *p = s; *p != 0; p++) {
    if (*p < '0' || *p > '9') return -1;
    uint64_t digit = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - digit) / 10) return -1;
    v = v * 10 + digit;
  }
  *out = v;
  return 0;
}

static void complain(int fd, const char *name, const char *value, const char *expected,
                     const char *fallback) {
  if (fd < 0) return;
  char buf[512];
  hp_text t;
  hp_text_init(&t, buf, sizeof buf);
  hp_text_str(&t, name);
  hp_text_str(&t, "='");
  hp_text_str(&t, value);
  hp_text_str(&t, "' is not ");
  hp_text_str(&t, expected);
  hp_text_str(&t, "; using ");
  hp_text_str(&t, fallback);
  hp_say(fd, buf);
}

static int streq(const char *a, const char *b) {
  while (*a != 0 && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

int hp_signal_from_name(const char *name) {
  static const struct {
    const char *name;
    int number;
  } names[] = {{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"PROF", SIGPROF}, {"HUP", SIGHUP},
               {"URG", SIGURG},   {"WINCH", SIGWINCH}, {"VTALRM", SIGVTALRM},
               {"TRAP", SIGTRAP}, {"QUIT", SIGQUIT}, {"INT", SIGINT},   {"TERM", SIGTERM}};
  uint64_t n;
  if (parse_u64(name, &n) == 0) return (n == 0 || (n >= 1 && n < (uint64_t)NSIG)) ? (int)n : -1;
  if (name[0] == 'S' && name[1] == 'I' && name[2] == 'G') name += 3;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (streq(name, names[i].name)) return names[i].number;
  }
  return -1;
}

int hp_config_parse(hp_config *c, char *const *envp, int err_fd) {
  c->out[0] = 0;
  c->sample_rate = 0;
  c->interval_s = 0;
  c->inuse_interval = 0;
  c->signal_number = SIGUSR2;
  c->max_depth = 64;
  c->at_exit = 1;
  int bad = 0;
  if (envp == NULL) return 0;
  for (char *const *e = envp; *e != NULL; e++) {
    const char *entry = *e;
    if (entry[0] != 'H' || entry[1] != 'E' || entry[2] != 'A' || entry[3] != 'P') continue;
    const char *v;
    uint64_t n;
    if ((v = value_of(entry, "HEAPPROF_OUT")) != NULL) {
      size_t len = hp_strlen(v);
      if (len >= HP_PATH_MAX - 64) {
        complain(err_fd, "HEAPPROF_OUT", "...", "a path shorter than 4000 bytes",
                 "no recording");
        bad++;
      } else {
        for (size_t i = 0; i <= len; i++) c->out[i] = v[i];
      }
    } else if ((v = value_of(entry, "HEAPPROF_SAMPLE_RATE")) != NULL) {
      if (parse_u64(v, &n) == 0) {
        c->sample_rate = n;
      } else {
        complain(err_fd, "HEAPPROF_SAMPLE_RATE", v, "a number of bytes", "0 (every allocation)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_INTERVAL")) != NULL) {
      if (parse_u64(v, &n) == 0) {
        c->interval_s = n;
      } else {
        complain(err_fd, "HEAPPROF_INTERVAL", v, "a number of seconds", "0 (off)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_INUSE_INTERVAL")) != NULL) {
      if (parse_u64(v, &n) == 0) {
        c->inuse_interval = n;
      } else {
        complain(err_fd, "HEAPPROF_INUSE_INTERVAL", v, "a number of bytes", "0 (off)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_SIGNAL")) != NULL) {
      int sig = hp_signal_from_name(v);
      if (sig == SIGKILL || sig == SIGSTOP) sig = -1;
      if (sig >= 0) {
        c->signal_number = sig;
      } else {
        complain(err_fd, "HEAPPROF_SIGNAL", v, "a signal name (USR2, PROF...), number or 0",
                 "USR2");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_MAX_DEPTH")) != NULL) {
      if (parse_u64(v, &n) == 0 && n >= 1 && n <= HP_MAX_DEPTH) {
        c->max_depth = (int)n;
      } else {
        complain(err_fd, "HEAPPROF_MAX_DEPTH", v, "a number of frames from 1 to 256", "64");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_AT_EXIT")) != NULL) {
      if (streq(v, "0") || streq(v, "1")) {
        c->at_exit = v[0] == '1';
      } else {
        complain(err_fd, "HEAPPROF_AT_EXIT", v, "0 or 1", "1");
        bad++;
      }
    }
  }
  return bad;
}
