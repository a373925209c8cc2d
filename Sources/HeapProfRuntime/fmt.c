/*
 * fmt.c: bounded text formatting (contract in fmt.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "fmt.h"

#include <errno.h>
#include <unistd.h>

size_t hp_strlen(const char *s) {
  size_t n = 0;
  if (s == NULL) return 0;
  while (s[n] != 0) n++;
  return n;
}

void hp_text_init(hp_text *t, char *data, size_t cap) {
  t->data = data;
  t->cap = cap;
  t->len = 0;
  t->truncated = 0;
  if (cap > 0) data[0] = 0;
}

void hp_text_mem(hp_text *t, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (t->len + 1 >= t->cap) {
      t->truncated = 1;
      break;
    }
    t->data[t->len++] = s[i];
  }
  if (t->cap > 0) t->data[t->len] = 0;
}

void hp_text_str(hp_text *t, const char *s) { hp_text_mem(t, s, hp_strlen(s)); }

void hp_text_char(hp_text *t, char c) { hp_text_mem(t, &c, 1); }

static void pad_and_put(hp_text *t, const char *digits, size_t n, int width) {
  for (int i = (int)n; i < width; i++) hp_text_char(t, ' ');
  hp_text_mem(t, digits, n);
}

void hp_text_u64(hp_text *t, uint64_t v, int width) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  pad_and_put(t, tmp + sizeof tmp - n, n, width);
}

void hp_text_i64(hp_text *t, int64_t v, int width) {
  char tmp[24];
  size_t n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) tmp[sizeof tmp - 1 - n++] = '-';
  pad_and_put(t, tmp + sizeof tmp - n, n, width);
}

void hp_text_hex(hp_text *t, uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  char tmp[16];
  int n = 0;
  do {
    tmp[15 - n++] = hex[v & 15];
    v >>= 4;
  } while (v != 0);
  hp_text_str(t, "0x");
  for (int i = n; i < digits; i++) hp_text_char(t, '0');
  hp_text_mem(t, tmp + 16 - n, (size_t)n);
}

int hp_write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

void hp_say(int fd, const char *msg) {
  char line[1024];
  hp_text t;
  hp_text_init(&t, line, sizeof line - 1);
  hp_text_str(&t, "heapprof: ");
  hp_text_str(&t, msg);
  t.data[t.len++] = '\n';
  int saved = errno;
  (void)hp_write_all(fd < 0 ? 2 : fd, t.data, t.len);
  errno = saved;
}
