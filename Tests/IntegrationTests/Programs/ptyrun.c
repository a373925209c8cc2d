/* ptyrun.c: runs a program on a new pseudo-terminal, as a user at a terminal would, and
 * types Ctrl-C (or another control character) once the program has printed a marker.
 *
 *   ptyrun MARKER CHAR -- PROGRAM [ARGS...]
 *
 * CHAR is the character typed after MARKER appears in the output (e.g. "^C" for
 * Ctrl-C, "none" to type nothing). Everything the program printed is copied to stdout
 * (the terminal turns "\n" into "\r\n"). Exits with the program's exit status, or
 * 128 + the signal that ended it; 125 when the marker never came within 20 s. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: ptyrun MARKER CHAR -- PROGRAM [ARGS...]\n");
    return 2;
  }
  const char *marker = argv[1];
  int type = -1;
  if (argv[2][0] == '^' && argv[2][1] != 0) type = argv[2][1] & 0x1f;
  int master;
  pid_t pid = forkpty(&master, NULL, NULL, NULL);
  if (pid < 0) {
    perror("forkpty");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[4], argv + 4);
    perror("exec");
    _exit(127);
  }
  static char seen[1 << 20];
  size_t len = 0;
  int typed = type < 0;
  double deadline = now() + 20;
  for (;;) {
    struct pollfd p = {master, POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r > 0) {
      ssize_t n = read(master, seen + len, sizeof seen - 1 - len);
      if (n <= 0) break; /* EIO: the program and everything on the terminal are gone */
      fwrite(seen + len, 1, (size_t)n, stdout);
      len += (size_t)n;
      seen[len] = 0;
    }
    if (!typed && strstr(seen, marker) != NULL) {
      char c = (char)type;
      if (write(master, &c, 1) != 1) perror("write");
      typed = 1;
    }
    if (!typed && now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      return 125;
    }
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  fflush(stdout);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
