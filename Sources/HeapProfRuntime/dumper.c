/*
 * dumper.c: when and how the runtime dumps (policy of STYLE.md convention 8).
 *
 *  - The signal handler (HEAPPROF_SIGNAL) only sets a flag and writes a byte to a pipe.
 *  - The dumper thread, started with every signal blocked and its re-entry guard set,
 *    polls that pipe every 100 ms and dumps for a signal, for HEAPPROF_INTERVAL and
 *    for HEAPPROF_INUSE_INTERVAL growth.
 *  - The last dump (HEAPPROF_AT_EXIT=1) is written by atexit, by _exit/_Exit (through
 *    hp_runtime_before_exit, in the process that loaded the runtime, not in a fork child
 *    that leaves with _exit as worker children do), and on SIGTERM, SIGINT and SIGHUP when
 *    the program has no handler of its own: the runtime's handler wakes the dumper
 *    thread, which dumps, puts the default action back and raises the signal again, so
 *    the program ends as it would have (same signal, same status). A second such signal
 *    during that dump ends the program at once, unless it comes within a second of the
 *    first: then it is the same request delivered twice (a process-group or cgroup kill
 *    that also reaches `heapprof record`, which forwards it) and is dropped.
 *  - fork: prepare takes the dump lock, the arena lock and every live-table shard lock;
 *    parent and child release them; the child takes its own pid, restarts its sequence
 *    at 0001, gets a fresh pipe, its own dumper thread and its own state file, and keeps
 *    recording.
 *  - The state file (hp_state_file.h) is published at start and removed at the last dump.
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "hp_dump_writer.h"
#include "hp_guard.h"
#include "hp_state_file.h"
#include "runtime_impl.h"

static _Atomic int wake_fd = -1;           /* write end of the wake-up pipe          */
static _Atomic int wait_fd = -1;           /* read end, polled by the dumper thread  */
static dev_t wake_dev;                     /* identity of that pipe, so that a       */
static ino_t wake_ino;                     /* program closing and reusing the numbers */
                                           /* never gets our bytes or loses its own  */
static _Atomic int signal_pending;         /* set by the handler */
static _Atomic int terminating;            /* the ending signal being handled, else 0 */
static _Atomic uint64_t terminating_ns;    /* when it arrived (CLOCK_MONOTONIC) */
static _Atomic int dumper_running;         /* a dumper thread exists in this process */
static int fork_guard;                     /* guard value saved by prepare */
static int is_fork_child;                  /* 1 in a fork child (until it execs) */
static int ending_signals[3];              /* TERM/INT/HUP when their handler is ours */
static char state_dir[HP_PATH_MAX];        /* where hp_state_file publishes */

/* ---------------------------------------------------------------------------------
 * Dumping
 * --------------------------------------------------------------------------------- */
static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void report_failure(const char *path, int err) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&hp_rt.failure_reported, &expected, 1)) return;
  char msg[4400];
  hp_text t;
  hp_text_init(&t, msg, sizeof msg);
  hp_text_str(&t, "cannot write ");
  hp_text_str(&t, path);
  hp_text_str(&t, ": ");
  const char *reason = strerrordesc_np(err);
  hp_text_str(&t, reason ? reason : "unknown error");
  hp_say(2, msg);
}

int hp_runtime_dump(const char *path, const char *reason, char *path_out, size_t path_out_len) {
  if (!atomic_load(&hp_hook_recording)) {
    errno = ENOENT;
    return -1;
  }
  int guard = hp_guard_enter();
  pthread_mutex_lock(&hp_rt.dump_lock);
  hp_dump_info info;
  info.pid = atomic_load(&hp_rt.pid);
  info.seq = 0;
  info.time_ns = now_ns(CLOCK_REALTIME);
  info.reason = reason != NULL ? reason : "api";
  info.sample_rate = hp_rt.config.sample_rate;
  info.max_depth = hp_rt.config.max_depth;
  info.program = hp_rt.program;
  info.session = hp_rt.config.session;
  info.maps_path = "/proc/self/maps";
  info.build_ids = 1;
  hp_site_table *sites = hp_recorder_sites(hp_rt.recorder);
  char final_path[HP_PATH_MAX + 64];
  int rc;
  if (path != NULL) {
    info.seq = hp_rt.seq;
    rc = hp_dump_write_path(sites, &hp_rt.arena, path, &info, NULL);
    hp_text t;
    hp_text_init(&t, final_path, sizeof final_path);
    hp_text_str(&t, path);
  } else {
    rc = hp_dump_write_numbered(sites, &hp_rt.arena, hp_rt.config.out, &info, &hp_rt.seq,
                                final_path, sizeof final_path, NULL);
  }
  if (rc == 0) atomic_fetch_add(&hp_rt.dumps_written, 1);
  atomic_store(&hp_rt.inuse_estimate_at_dump, atomic_load(&hp_rt.inuse_estimate));
  pthread_mutex_unlock(&hp_rt.dump_lock);
  if (rc != 0) report_failure(final_path, -rc);
  if (path_out != NULL && path_out_len > 0) {
    hp_text t;
    hp_text_init(&t, path_out, path_out_len);
    hp_text_str(&t, final_path);
  }
  hp_guard_leave(guard);
  if (rc != 0) {
    errno = -rc;
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------
 * State file
 * --------------------------------------------------------------------------------- */
static void publish_state(void) {
  hp_state state;
  state.pid = atomic_load(&hp_rt.pid);
  state.start_ticks = hp_state_start_ticks();
  state.signal_number = hp_rt.config.signal_number;
  state.sample_rate = hp_rt.config.sample_rate;
  state.session = hp_rt.config.session;
  state.prefix = hp_rt.config.out;
  hp_state_publish(state_dir, &state, 2);
}

/* The last dump of this process (once), then its state file goes. */
static void last_dump(const char *reason) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&hp_rt.exiting, &expected, 1)) return;
  if (hp_rt.config.at_exit && atomic_load(&hp_hook_recording)) hp_runtime_dump(NULL, reason, NULL, 0);
  hp_state_remove(state_dir, atomic_load(&hp_rt.pid));
}

/* ---------------------------------------------------------------------------------
 * Signal handler and dumper thread
 * --------------------------------------------------------------------------------- */
/* 1 when `fd` is still an end of our pipe (fstat is async-signal-safe). */
static int is_wake_fd(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == wake_dev && st.st_ino == wake_ino;
}

/* Makes a new wake-up pipe and publishes it; returns its read end, -1 when none can be
 * made. Ends that are no longer ours are left alone (the program owns those numbers). */
static int open_wake_pipe(void) {
  int fds[2];
  struct stat st;
  atomic_store(&wake_fd, -1);
  atomic_store(&wait_fd, -1);
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  if (fstat(fds[0], &st) != 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  wake_dev = st.st_dev;
  wake_ino = st.st_ino;
  atomic_store(&wait_fd, fds[0]);
  atomic_store(&wake_fd, fds[1]);
  return fds[0];
}

static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  atomic_store(&signal_pending, 1);
  int fd = atomic_load(&wake_fd);
  if (is_wake_fd(fd)) {
    char one = 1;
    ssize_t ignored = write(fd, &one, 1);
    (void)ignored;
  }
  errno = saved;
}

static void wake_dumper(void) {
  int fd = atomic_load(&wake_fd);
  if (is_wake_fd(fd)) {
    char one = 1;
    ssize_t ignored = write(fd, &one, 1);
    (void)ignored;
  }
}

/* SIGTERM/SIGINT/SIGHUP while the program has no handler of its own: the dumper thread
 * writes the last dump and ends the program with the same signal. */
static void on_ending_signal(int sig) {
  int saved = errno;
  int expected = 0;
  uint64_t now = now_ns(CLOCK_MONOTONIC); /* clock_gettime is async-signal-safe */
  if (atomic_load(&dumper_running) && atomic_compare_exchange_strong(&terminating, &expected, sig)) {
    atomic_store(&terminating_ns, now);
    wake_dumper();
  } else if (!atomic_load(&dumper_running) || now - atomic_load(&terminating_ns) >= 1000000000ull) {
    /* No thread to dump, or asked again while dumping: the default action, now (the
     * signal is blocked in this handler, so it is delivered when the handler returns). */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  errno = saved;
}

/* Called on the dumper thread for a pending ending signal: dump, then end the program. */
static void end_by_signal(int sig) {
  const char *reason = sig == SIGTERM ? "exit-SIGTERM" : sig == SIGINT ? "exit-SIGINT" : "exit-SIGHUP";
  last_dump(reason);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL); /* this thread blocks every signal */
  raise(sig);
  _exit(128 + sig); /* not reached: the default action of these signals ends the process */
}

/* Installs the ending-signal handler where the disposition is still the default. */
static void install_ending_handlers(void) {
  static const int candidates[3] = {SIGTERM, SIGINT, SIGHUP};
  for (int i = 0; i < 3; i++) {
    int sig = candidates[i];
    ending_signals[i] = 0;
    if (sig == hp_rt.config.signal_number) continue; /* the dump signal wins */
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
      continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_ending_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == 0) ending_signals[i] = sig;
  }
}

static void *dumper_main(void *unused) {
  (void)unused;
  hp_guard_enter(); /* everything this thread does passes through unrecorded */
  uint64_t interval_ns = hp_rt.config.interval_ns;
  uint64_t next_interval = now_ns(CLOCK_MONOTONIC) + interval_ns;
  for (;;) {
    int fd = atomic_load(&wait_fd);
    if (!is_wake_fd(fd) || !is_wake_fd(atomic_load(&wake_fd))) {
      int ours = atomic_load(&wake_fd);
      if (is_wake_fd(ours)) close(ours);
      if (is_wake_fd(fd)) close(fd);
      fd = open_wake_pipe(); /* the program closed ours */
    }
    int timeout_ms = 100;
    if (interval_ns != 0) {
      uint64_t now = now_ns(CLOCK_MONOTONIC);
      uint64_t left_ms = next_interval > now ? (next_interval - now + 999999) / 1000000 : 0;
      if (left_ms < (uint64_t)timeout_ms) timeout_ms = (int)left_ms;
    }
    if (fd < 0) {
      struct timespec pause = {0, (long)timeout_ms * 1000 * 1000};
      nanosleep(&pause, NULL);
    } else {
      struct pollfd pfd = {fd, POLLIN, 0};
      if (poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & POLLIN)) {
        char drain[64];
        while (read(fd, drain, sizeof drain) > 0) {
        }
      }
    }
    if (atomic_load(&hp_rt.exiting)) continue;
    int ending = atomic_load(&terminating);
    if (ending != 0) end_by_signal(ending);
    if (atomic_exchange(&signal_pending, 0)) hp_runtime_dump(NULL, "signal", NULL, 0);
    if (interval_ns != 0 && now_ns(CLOCK_MONOTONIC) >= next_interval) {
      hp_runtime_dump(NULL, "interval", NULL, 0);
      next_interval = now_ns(CLOCK_MONOTONIC) + interval_ns;
    }
    if (hp_rt.config.inuse_interval != 0) {
      int64_t grown = atomic_load(&hp_rt.inuse_estimate) - atomic_load(&hp_rt.inuse_estimate_at_dump);
      if (grown >= (int64_t)hp_rt.config.inuse_interval) hp_runtime_dump(NULL, "inuse", NULL, 0);
    }
  }
  return NULL;
}

static int has_ending_handler(void) {
  return ending_signals[0] != 0 || ending_signals[1] != 0 || ending_signals[2] != 0;
}

static void start_thread(void) {
  if (hp_rt.config.signal_number == 0 && hp_rt.config.interval_ns == 0 &&
      hp_rt.config.inuse_interval == 0 && !has_ending_handler())
    return;
  if (open_wake_pipe() < 0) hp_say(2, "cannot create a pipe; signal dumps wait up to 100 ms");
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, dumper_main, NULL);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    hp_say(2, "cannot start the dumper thread; no signal, interval or in-use dumps");
    return;
  }
  atomic_store(&dumper_running, 1);
}

/* ---------------------------------------------------------------------------------
 * Exit and fork
 * --------------------------------------------------------------------------------- */
static void at_exit(void) { last_dump("exit"); }

void hp_runtime_before_exit(void) {
  /* Not in a vfork child (it shares the parent's memory: getpid differs from the pid the
   * runtime knows) nor in a fork child: only the process that loaded the runtime. */
  if (!atomic_load(&hp_hook_recording) || is_fork_child || (int)getpid() != atomic_load(&hp_rt.pid))
    return;
  last_dump("exit");
}

static void fork_prepare(void) {
  fork_guard = hp_guard_enter();
  pthread_mutex_lock(&hp_rt.dump_lock);
  hp_arena_lock(&hp_rt.arena);
  hp_recorder_lock(hp_rt.recorder);
}

static void fork_parent(void) {
  hp_recorder_unlock(hp_rt.recorder);
  hp_arena_unlock(&hp_rt.arena);
  pthread_mutex_unlock(&hp_rt.dump_lock);
  hp_guard_leave(fork_guard);
}

static void fork_child(void) {
  hp_recorder_unlock(hp_rt.recorder);
  hp_arena_unlock(&hp_rt.arena);
  pthread_mutex_init(&hp_rt.dump_lock, NULL);
  atomic_store(&hp_rt.pid, (int)getpid());
  hp_rt.seq = 0;
  is_fork_child = 1;
  atomic_store(&hp_rt.dumps_written, 0);
  atomic_store(&hp_rt.failure_reported, 0);
  atomic_store(&hp_rt.exiting, 0);
  atomic_store(&signal_pending, 0);
  atomic_store(&terminating, 0);
  publish_state();
  int old_write = atomic_exchange(&wake_fd, -1), old_read = atomic_exchange(&wait_fd, -1);
  if (is_wake_fd(old_write)) close(old_write); /* the parent's; ours is made by start_thread */
  if (is_wake_fd(old_read)) close(old_read);
  atomic_store(&dumper_running, 0);
  start_thread();
  hp_guard_leave(fork_guard);
}

void hp_dumper_start(void) {
  hp_state_dir(state_dir, sizeof state_dir, (uint32_t)geteuid());
  publish_state();
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  atexit(at_exit); /* also when HEAPPROF_AT_EXIT=0: the state file goes at exit */
  if (hp_rt.config.at_exit) install_ending_handlers();
  if (hp_rt.config.signal_number != 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(hp_rt.config.signal_number, &sa, NULL);
  }
  start_thread();
}
