/*
 * interpose.c: the malloc family, forwarding to libc and to the recorder.
 *
 * Rules (STYLE.md conventions 2 and 6):
 *  - The first thing every wrapper does is read the thread's re-entry guard; when set,
 *    the call goes straight to the real function, unrecorded.
 *  - Real functions are resolved once with dlsym(RTLD_NEXT). Allocations made while
 *    resolving (dlsym may calloc) come from a static bootstrap block; free, realloc and
 *    malloc_usable_size recognise pointers inside it.
 *  - Every wrapper looks alike: guard check, real function, one hook (hp_runtime.h) that
 *    does the recording; realloc, whose old block must leave the live table before the
 *    real call, has a hook on each side. The rules (what realloc(p, 0) or a failed
 *    realloc mean for the tables) are the recorder's, not the shim's.
 *  - A free is reported before the real free, so the address cannot be handed out again
 *    while the live table still holds it.
 *  - Each wrapper calls hp_hook_alloc / hp_hook_realloc_end directly (they skip exactly
 *    two frames: theirs and the wrapper's).
 */
#ifndef _GNU_SOURCE
#error "HeapProfPreload needs _GNU_SOURCE"
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "HeapProfRuntime.h"

#define EXPORT __attribute__((visibility("default")))
#define INLINE static inline __attribute__((always_inline))

extern char **environ;

/* ---------------------------------------------------------------------------------
 * Real functions
 * --------------------------------------------------------------------------------- */
typedef struct real_functions {
  void *(*malloc)(size_t);
  void (*free)(void *);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*malloc_usable_size)(void *);
} real_functions;

static real_functions real;            /* filled once by resolve() */
static _Atomic int resolved;           /* 1 once `real` is complete */
static __thread int resolving __attribute__((tls_model("initial-exec"))); /* in dlsym now */

static void resolve(void) {
  if (atomic_load_explicit(&resolved, memory_order_acquire) || resolving) return;
  resolving = 1;
  int guard = hp_guard_enter();
  real_functions r;
  *(void **)&r.malloc = dlsym(RTLD_NEXT, "malloc");
  *(void **)&r.free = dlsym(RTLD_NEXT, "free");
  *(void **)&r.calloc = dlsym(RTLD_NEXT, "calloc");
  *(void **)&r.realloc = dlsym(RTLD_NEXT, "realloc");
  *(void **)&r.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  *(void **)&r.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  *(void **)&r.memalign = dlsym(RTLD_NEXT, "memalign");
  *(void **)&r.valloc = dlsym(RTLD_NEXT, "valloc");
  *(void **)&r.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
  *(void **)&r.malloc_usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
  if (r.malloc != NULL && r.free != NULL && r.calloc != NULL && r.realloc != NULL) {
    real = r;
    atomic_store_explicit(&resolved, 1, memory_order_release);
  }
  hp_guard_leave(guard);
  resolving = 0;
}

/* ---------------------------------------------------------------------------------
 * Bootstrap block: [size (8 bytes) | pad (8 bytes) | payload], never freed.
 * --------------------------------------------------------------------------------- */
#define BOOT_SIZE (256 * 1024)
static _Alignas(4096) char boot_block[BOOT_SIZE]; /* allocations made while resolving */
static _Atomic size_t boot_used;                  /* bytes of boot_block handed out */

INLINE int is_boot(const void *p) {
  return (const char *)p >= boot_block && (const char *)p < boot_block + BOOT_SIZE;
}

static void *boot_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  size_t used = atomic_load(&boot_used);
  for (;;) {
    size_t start = (used + 16 + align - 1) & ~(align - 1);
    if (start + size > BOOT_SIZE || size > BOOT_SIZE) {
      static const char msg[] = "heapprof: bootstrap block exhausted\n";
      ssize_t ignored = write(2, msg, sizeof msg - 1);
      (void)ignored;
      errno = ENOMEM;
      return NULL;
    }
    if (atomic_compare_exchange_weak(&boot_used, &used, start + size)) {
      *(uint64_t *)(boot_block + start - 16) = size;
      return boot_block + start; /* static memory is zero and never reused */
    }
  }
}

INLINE size_t boot_size(const void *p) { return (size_t)*(const uint64_t *)((const char *)p - 16); }

INLINE int ready(void) {
  if (__builtin_expect(atomic_load_explicit(&resolved, memory_order_acquire), 1)) return 1;
  resolve();
  return atomic_load_explicit(&resolved, memory_order_acquire);
}

INLINE int recording(void) {
  return atomic_load_explicit(&hp_hook_recording, memory_order_acquire);
}

/* ---------------------------------------------------------------------------------
 * Pass-through (guard set, not recording, or bootstrap)
 * --------------------------------------------------------------------------------- */
INLINE void *plain_malloc(size_t n) { return ready() ? real.malloc(n) : boot_alloc(n, 16); }

INLINE void *plain_calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return ready() ? real.calloc(n, size) : boot_alloc(total, 16);
}

INLINE void plain_free(void *p) {
  if (p == NULL || is_boot(p)) return;
  if (ready()) real.free(p);
}

/* realloc of a bootstrap pointer: new real memory, old contents copied. */
static void *boot_realloc(void *p, size_t n) {
  if (n == 0) return NULL;
  void *q = plain_malloc(n);
  if (q != NULL) {
    size_t old = boot_size(p);
    memcpy(q, p, old < n ? old : n);
  }
  return q;
}

INLINE void *plain_realloc(void *p, size_t n) {
  if (p != NULL && is_boot(p)) return boot_realloc(p, n);
  if (!ready()) return p == NULL ? boot_alloc(n, 16) : NULL;
  return real.realloc(p, n);
}

INLINE int plain_posix_memalign(void **out, size_t align, size_t n) {
  if (ready()) return real.posix_memalign(out, align, n);
  void *p = boot_alloc(n, align);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

INLINE void *plain_memalign(size_t align, size_t n) {
  return ready() ? real.memalign(align, n) : boot_alloc(n, align);
}

INLINE void *plain_aligned_alloc(size_t align, size_t n) {
  return ready() ? real.aligned_alloc(align, n) : boot_alloc(n, align);
}

INLINE void *plain_valloc(size_t n) { return ready() ? real.valloc(n) : boot_alloc(n, 4096); }

INLINE void *plain_pvalloc(size_t n) {
  return ready() ? real.pvalloc(n) : boot_alloc((n + 4095) & ~(size_t)4095, 4096);
}

/* ---------------------------------------------------------------------------------
 * Wrappers
 * --------------------------------------------------------------------------------- */
EXPORT void *malloc(size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_malloc(n);
  hp_tls_guard = 1;
  void *p = plain_malloc(n);
  if (p != NULL) hp_hook_alloc(p, n);
  hp_tls_guard = 0;
  return p;
}

EXPORT void free(void *p) {
  if (hp_guard_is_set() || !recording() || p == NULL || is_boot(p)) {
    plain_free(p);
    return;
  }
  hp_tls_guard = 1;
  hp_hook_free(p); /* before the real free: the address cannot be reused meanwhile */
  plain_free(p);
  hp_tls_guard = 0;
}

EXPORT void *calloc(size_t n, size_t size) {
  if (hp_guard_is_set() || !recording()) return plain_calloc(n, size);
  hp_tls_guard = 1;
  void *p = plain_calloc(n, size);
  if (p != NULL) hp_hook_alloc(p, n * size);
  hp_tls_guard = 0;
  return p;
}

EXPORT void *realloc(void *p, size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_realloc(p, n);
  hp_tls_guard = 1;
  hp_realloc r;
  hp_hook_realloc_begin(p, n, &r);
  void *q = plain_realloc(p, n);
  hp_hook_realloc_end(&r, q);
  hp_tls_guard = 0;
  return q;
}

EXPORT void *reallocarray(void *p, size_t count, size_t size) {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) {
    errno = ENOMEM;
    return NULL;
  }
  if (hp_guard_is_set() || !recording()) return plain_realloc(p, n);
  hp_tls_guard = 1;
  hp_realloc r;
  hp_hook_realloc_begin(p, n, &r);
  void *q = plain_realloc(p, n);
  hp_hook_realloc_end(&r, q);
  hp_tls_guard = 0;
  return q;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_posix_memalign(out, align, n);
  hp_tls_guard = 1;
  int rc = plain_posix_memalign(out, align, n);
  if (rc == 0 && *out != NULL) hp_hook_alloc(*out, n);
  hp_tls_guard = 0;
  return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_aligned_alloc(align, n);
  hp_tls_guard = 1;
  void *p = plain_aligned_alloc(align, n);
  if (p != NULL) hp_hook_alloc(p, n);
  hp_tls_guard = 0;
  return p;
}

EXPORT void *memalign(size_t align, size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_memalign(align, n);
  hp_tls_guard = 1;
  void *p = plain_memalign(align, n);
  if (p != NULL) hp_hook_alloc(p, n);
  hp_tls_guard = 0;
  return p;
}

EXPORT void *valloc(size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_valloc(n);
  hp_tls_guard = 1;
  void *p = plain_valloc(n);
  if (p != NULL) hp_hook_alloc(p, n);
  hp_tls_guard = 0;
  return p;
}

EXPORT void *pvalloc(size_t n) {
  if (hp_guard_is_set() || !recording()) return plain_pvalloc(n);
  hp_tls_guard = 1;
  void *p = plain_pvalloc(n);
  if (p != NULL) hp_hook_alloc(p, n);
  hp_tls_guard = 0;
  return p;
}

EXPORT size_t malloc_usable_size(void *p) {
  if (p == NULL) return 0;
  if (is_boot(p)) return boot_size(p);
  return ready() && real.malloc_usable_size != NULL ? real.malloc_usable_size(p) : 0;
}

/* ---------------------------------------------------------------------------------
 * _exit and _Exit skip atexit: the last dump is written here instead (in the process
 * that loaded the runtime; see hp_runtime_before_exit). glibc's exit() reaches its own
 * _exit internally, not through this symbol, so an exit() is dumped once, by atexit.
 * --------------------------------------------------------------------------------- */
static _Noreturn void leave(int status) {
  if (!hp_guard_is_set()) hp_runtime_before_exit();
  for (;;) syscall(SYS_exit_group, status); /* what glibc's _exit does */
}

EXPORT _Noreturn void _exit(int status) { leave(status); }

EXPORT _Noreturn void _Exit(int status) { leave(status); }

/* ---------------------------------------------------------------------------------
 * Start: resolve the real functions, then let the recorder read the environment.
 * --------------------------------------------------------------------------------- */
__attribute__((constructor)) static void heapprof_preload_start(void) {
  resolve();
  hp_runtime_init(environ);
}
