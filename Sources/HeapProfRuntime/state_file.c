/*
 * state_file.c: DIR/<pid>.state, the runtime's published state (contract in
 * hp_state_file.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename(2) only; no stdio streams */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "hp_config.h"

void hp_state_dir(char *out, size_t out_len, uint32_t uid) {
  hp_text t;
  hp_text_init(&t, out, out_len);
  hp_text_str(&t, "/tmp/heapprof-");
  hp_text_u64(&t, uid, 0);
}

uint64_t hp_state_start_ticks(void) {
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  /* The command name (field 2) may hold spaces and ')': fields restart after the last ')'. */
  char *p = NULL;
  for (char *q = buf; *q != 0; q++) {
    if (*q == ')') p = q;
  }
  if (p == NULL) return 0;
  int field = 2;
  for (p++; *p != 0 && field < 22; p++) {
    if (*p == ' ') field++;
  }
  uint64_t v = 0;
  for (; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
  return v;
}

/* DIR/<pid><suffix> into out. */
static void state_path(char *out, size_t len, const char *dir, int32_t pid, const char *suffix) {
  hp_text t;
  hp_text_init(&t, out, len);
  hp_text_str(&t, dir);
  hp_text_char(&t, '/');
  hp_text_i64(&t, pid, 0);
  hp_text_str(&t, suffix);
}

static void say_cannot(int err_fd, const char *dir, const char *why) {
  if (err_fd < 0) return;
  char msg[HP_PATH_MAX + 256];
  hp_text t;
  hp_text_init(&t, msg, sizeof msg);
  hp_text_str(&t, "cannot publish this process's state in ");
  hp_text_str(&t, dir);
  hp_text_str(&t, ": ");
  hp_text_str(&t, why);
  hp_text_str(&t, "; `heapprof snapshot` falls back to the environment");
  hp_say(err_fd, msg);
}

/* 0 when `dir` exists (or was made) as a private directory of this user. */
static int private_dir(const char *dir, int err_fd) {
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    int err = errno;
    say_cannot(err_fd, dir, strerrordesc_np(err));
    return -err;
  }
  struct stat st;
  if (lstat(dir, &st) != 0) {
    int err = errno;
    say_cannot(err_fd, dir, strerrordesc_np(err));
    return -err;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    say_cannot(err_fd, dir, "it is not a directory of this user closed to others (mode 0700)");
    return -EPERM;
  }
  return 0;
}

int hp_state_publish(const char *dir, const hp_state *state, int err_fd) {
  int rc = private_dir(dir, err_fd);
  if (rc != 0) return rc;
  char text[HP_PATH_MAX + 512];
  hp_text t;
  hp_text_init(&t, text, sizeof text);
  hp_text_str(&t, "heapprof-state 1\npid ");
  hp_text_i64(&t, state->pid, 0);
  hp_text_str(&t, "\nstart ");
  hp_text_u64(&t, state->start_ticks, 0);
  hp_text_str(&t, "\nsignal ");
  hp_text_i64(&t, state->signal_number, 0);
  hp_text_str(&t, "\nsample_rate ");
  hp_text_u64(&t, state->sample_rate, 0);
  hp_text_str(&t, "\nsession ");
  hp_text_str(&t, state->session != NULL && state->session[0] != 0 ? state->session : "-");
  hp_text_str(&t, "\nprefix ");
  hp_text_str(&t, state->prefix);
  hp_text_char(&t, '\n');
  if (t.truncated) return -ENAMETOOLONG;

  char temp[HP_PATH_MAX + 64], final[HP_PATH_MAX + 64];
  state_path(temp, sizeof temp, dir, state->pid, ".state.tmp");
  state_path(final, sizeof final, dir, state->pid, ".state");
  unlink(temp); /* a crashed process with this pid may have left it; the directory is ours */
  int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    say_cannot(err_fd, dir, strerrordesc_np(err));
    return -err;
  }
  rc = hp_write_all(fd, text, t.len);
  close(fd);
  if (rc == 0 && rename(temp, final) != 0) rc = -errno;
  if (rc != 0) {
    unlink(temp);
    say_cannot(err_fd, dir, strerrordesc_np(-rc));
  }
  return rc;
}

void hp_state_remove(const char *dir, int32_t pid) {
  char path[HP_PATH_MAX + 64];
  state_path(path, sizeof path, dir, pid, ".state");
  unlink(path);
}
