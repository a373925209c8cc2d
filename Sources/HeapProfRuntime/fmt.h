/*
 * fmt.h: tiny text formatting into a caller-owned buffer, for the runtime's messages and
 * dumps (no stdio, no malloc). Private to the runtime. Hook-safe; not thread-safe per
 * buffer.
 */
#ifndef HP_FMT_H
#define HP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* A bounded text buffer: text stops growing (and `truncated` is set) when full. */
typedef struct hp_text {
  char *data;    /* the buffer */
  size_t cap;    /* its size */
  size_t len;    /* bytes used */
  int truncated; /* 1 once something did not fit */
} hp_text;

void hp_text_init(hp_text *t, char *data, size_t cap);
void hp_text_str(hp_text *t, const char *s);
void hp_text_mem(hp_text *t, const char *s, size_t n);
void hp_text_char(hp_text *t, char c);
/* Decimal, right-aligned in `width` columns (0 = no padding). */
void hp_text_u64(hp_text *t, uint64_t v, int width);
void hp_text_i64(hp_text *t, int64_t v, int width);
/* "0x" then `digits` lowercase hex digits (more when needed). */
void hp_text_hex(hp_text *t, uint64_t v, int digits);

/* Writes all of buf to fd, retrying on EINTR and short writes. 0 or -errno. */
int hp_write_all(int fd, const char *buf, size_t n);

/* Writes one line "heapprof: <msg>\n" to fd 2 (or `fd`). */
void hp_say(int fd, const char *msg);

/* Length of a NUL-terminated string (no libc needed on the hook path). */
size_t hp_strlen(const char *s);

#endif /* HP_FMT_H */
