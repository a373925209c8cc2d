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

/* Lower-case ASCII. */
static char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch; }

/* 1 when `a` equals `b` ignoring ASCII case. */
static int equal_nocase(const char *a, const char *b) {
  while (*a != 0 && lower(*a) == lower(*b)) {
    a++;
    b++;
  }
  return lower(*a) == lower(*b);
}

/* Parses "W[.F]" (at most 9 digits of F) into whole and fraction-in-billionths; returns
 * the end of the number, or NULL when there is none. */
static const char *parse_decimal(const char *s, uint64_t *whole, uint64_t *billionths) {
  uint64_t w = 0, f = 0;
  const char *p = s;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++) {
    uint64_t d = (uint64_t)(*p - '0');
    if (w > (UINT64_MAX - d) / 10) return NULL;
    w = w * 10 + d;
  }
  if (*p == '.') {
    p++;
    uint64_t scale = 100000000ull;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
      f += (uint64_t)(*p - '0') * scale;
      scale /= 10;
    }
  }
  if (digits == 0) return NULL;
  *whole = w;
  *billionths = f;
  return p;
}

int hp_parse_size(const char *text, uint64_t *out) {
  static const struct {
    const char *unit;
    uint64_t multiplier;
  } units[] = {{"", 1},           {"b", 1},           {"k", 1ull << 10}, {"kb", 1ull << 10},
               {"kib", 1ull << 10}, {"m", 1ull << 20}, {"mb", 1ull << 20}, {"mib", 1ull << 20},
               {"g", 1ull << 30}, {"gb", 1ull << 30}, {"gib", 1ull << 30}};
  uint64_t whole, frac;
  const char *rest = parse_decimal(text, &whole, &frac);
  if (rest == NULL) return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (!equal_nocase(rest, units[i].unit)) continue;
    uint64_t m = units[i].multiplier;
    if (whole > UINT64_MAX / m) return -1;
    /* frac * m / 1e9, rounded; frac < 1e9 and m <= 2^30, so the product fits. */
    *out = whole * m + (frac * m + 500000000ull) / 1000000000ull;
    return 0;
  }
  return -1;
}

int hp_parse_seconds(const char *text, uint64_t *out_ns) {
  uint64_t whole, frac;
  const char *rest = parse_decimal(text, &whole, &frac);
  if (rest == NULL || *rest != 0 || whole > UINT64_MAX / 1000000000ull - 1) return -1;
  *out_ns = whole * 1000000000ull + frac;
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
  } names[] = {{"HUP", SIGHUP},     {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},
               {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},   {"BUS", SIGBUS},     {"FPE", SIGFPE},
               {"KILL", SIGKILL},   {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
               {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},   {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
               {"CONT", SIGCONT},   {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
               {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
               {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
               {"SYS", SIGSYS}};
  uint64_t n;
  if (parse_u64(name, &n) == 0) return (n < (uint64_t)NSIG) ? (int)n : -1;
  if (name[0] == 'S' && name[1] == 'I' && name[2] == 'G') name += 3;
  if (streq(name, "RTMIN")) return SIGRTMIN;
  if (streq(name, "RTMAX")) return SIGRTMAX;
  if (name[0] == 'R' && name[1] == 'T' && name[2] == 'M' && name[3] == 'I' && name[4] == 'N' &&
      name[5] == '+' && parse_u64(name + 6, &n) == 0) {
    return n <= (uint64_t)(SIGRTMAX - SIGRTMIN) ? SIGRTMIN + (int)n : -1;
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (streq(name, names[i].name)) return names[i].number;
  }
  return -1;
}

int hp_signal_allowed(int sig) {
  switch (sig) {
    case SIGHUP: case SIGINT: case SIGQUIT: case SIGUSR1: case SIGUSR2: case SIGALRM:
    case SIGTERM: case SIGURG: case SIGWINCH: case SIGPROF: case SIGVTALRM:
      return 1;
    default:
      return sig >= SIGRTMIN && sig <= SIGRTMAX;
  }
}

/* 1 when `s` is a session word: 1-63 letters, digits, '-', '_' or '.'. */
static int is_session_word(const char *s) {
  size_t n = 0;
  for (; s[n] != 0; n++) {
    char ch = s[n];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '-' || ch == '_' || ch == '.';
    if (!ok || n + 1 >= HP_SESSION_MAX) return 0;
  }
  return n > 0;
}

int hp_config_parse(hp_config *c, char *const *envp, int err_fd) {
  c->out[0] = 0;
  c->sample_rate = 0;
  c->interval_ns = 0;
  c->inuse_interval = 0;
  c->signal_number = SIGUSR2;
  c->max_depth = 64;
  c->at_exit = 1;
  c->fp_walk = 1;
  c->session[0] = 0;
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
      if (hp_parse_size(v, &n) == 0) {
        c->sample_rate = n;
      } else {
        complain(err_fd, "HEAPPROF_SAMPLE_RATE", v, "a size (4096, 512KiB, 1M...)",
                 "0 (every allocation)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_INTERVAL")) != NULL) {
      if (hp_parse_seconds(v, &n) == 0 && (n == 0 || n >= 1000000ull)) {
        c->interval_ns = n;
      } else {
        complain(err_fd, "HEAPPROF_INTERVAL", v, "a number of seconds (0.5, 10...; at least 0.001)",
                 "0 (off)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_INUSE_INTERVAL")) != NULL) {
      if (hp_parse_size(v, &n) == 0) {
        c->inuse_interval = n;
      } else {
        complain(err_fd, "HEAPPROF_INUSE_INTERVAL", v, "a size (100MiB, 1048576...)", "0 (off)");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_SIGNAL")) != NULL) {
      int sig = hp_signal_from_name(v);
      if (sig == 0 || (sig > 0 && hp_signal_allowed(sig))) {
        c->signal_number = sig;
      } else {
        complain(err_fd, "HEAPPROF_SIGNAL", v,
                 sig > 0 ? "a signal heapprof may use (USR1, USR2, PROF, HUP, ... or 0)"
                         : "a signal name (USR2, PROF...), number or 0",
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
    } else if ((v = value_of(entry, "HEAPPROF_FP_WALK")) != NULL) {
      if (streq(v, "0") || streq(v, "1")) {
        c->fp_walk = v[0] == '1';
      } else {
        complain(err_fd, "HEAPPROF_FP_WALK", v, "0 or 1", "1");
        bad++;
      }
    } else if ((v = value_of(entry, "HEAPPROF_SESSION")) != NULL) {
      if (is_session_word(v)) {
        for (size_t i = 0; i <= hp_strlen(v); i++) c->session[i] = v[i];
      } else {
        complain(err_fd, "HEAPPROF_SESSION", v, "a word of letters, digits, '-', '_' or '.'",
                 "none");
        bad++;
      }
    }
  }
  return bad;
}
