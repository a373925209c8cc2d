/*
 * guard.c: the thread-local re-entry guard (rules in hp_guard.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_guard.h"

__thread int hp_tls_guard __attribute__((tls_model("initial-exec"))); /* 1 inside the runtime */

int hp_guard_enter(void) {
  int previous = hp_tls_guard;
  hp_tls_guard = 1;
  return previous;
}

void hp_guard_leave(int previous) { hp_tls_guard = previous; }
