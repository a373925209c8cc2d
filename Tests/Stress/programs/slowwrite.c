/* slowwrite.c: a "very slow disk" for the fault scenarios, preloaded before
 * libheapprof.so. Every write(2) to a file whose name ends in ".heap.tmp" (a dump being
 * written) first sleeps SLOW_WRITE_MS milliseconds (default 20) and then writes at most 512
 * bytes, so the runtime also sees short writes. Other writes are untouched. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, target, sizeof target - 1);
  if (len > 9 && memcmp(target + len - 9, ".heap.tmp", 9) == 0) {
    const char *ms = getenv("SLOW_WRITE_MS");
    long delay = ms ? atol(ms) : 20;
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000};
    nanosleep(&ts, NULL);
    if (n > 512) n = 512;
  }
  return syscall(SYS_write, fd, buf, n);
}
