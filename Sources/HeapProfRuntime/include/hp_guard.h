/*
 * hp_guard: the thread-local re-entry guard (initial-exec TLS, so reading it never
 * allocates or calls into the dynamic loader).
 *
 * Rules: every malloc-family wrapper reads the guard first; when it is set the call goes
 * straight to the real function and is not recorded. The recorder sets it for the whole
 * time it works inside a hook (unwinding, tables), the dumper thread keeps it set for its
 * whole life, and the control API sets it while it dumps. Thread-local, so always
 * thread-safe. Hook-safe: yes.
 */
#ifndef HP_GUARD_H
#define HP_GUARD_H

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the calling thread's guard; returns its previous value. */
int hp_guard_enter(void);

/* Restores the guard to `previous` (the value hp_guard_enter returned). */
void hp_guard_leave(int previous);

#if !defined(__swift__)
/* The guard itself: non-zero while the thread is inside the runtime. */
extern __thread int hp_tls_guard __attribute__((tls_model("initial-exec")));

/* Non-zero while the calling thread is inside the runtime. */
static inline int hp_guard_is_set(void) { return hp_tls_guard; }
#endif

#ifdef __cplusplus
}
#endif
#endif /* HP_GUARD_H */
