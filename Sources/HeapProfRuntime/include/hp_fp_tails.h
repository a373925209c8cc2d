/*
 * hp_fp_tails: the outermost frames that a frame-pointer walk cannot see.
 *
 * A frame-pointer walk stops at the zero frame pointer that the C library's start code
 * (_start, the thread start in clone) leaves for the first function that keeps frame
 * pointers; libunwind goes on through the start code itself (__libc_start_call_main,
 * __libc_start_main, _start; start_thread, clone3). Those frames depend only on where
 * the walk stopped, so this table remembers, per last return address of a cleanly ended
 * walk, the frames libunwind found after it. A return address seen with two different
 * tails is marked conflicting and never completed again.
 *
 * Fixed size (no allocation at all), lock-free: a slot is claimed with a CAS and published
 * with a release store. Thread safety: any thread, any time. Hook-safe: yes.
 */
#ifndef HP_FP_TAILS_H
#define HP_FP_TAILS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most frames remembered after a walk's last frame. Small on purpose: the start code is
 * at most three frames deep (__libc_start_call_main, __libc_start_main, _start), while a
 * walk cut short in the middle of a stack (qsort calling back into code that allocates)
 * leaves a long tail that depends on who called; such tails are never remembered. */
#define HP_FP_TAIL_MAX 3

typedef struct hp_fp_tails hp_fp_tails;

/* The process-wide table (static storage, zero-initialised). */
hp_fp_tails *hp_fp_tails_shared(void);

/* Appends the remembered tail of `frames[depth-1]` to `frames`, keeping at most
 * `max_frames` frames in all. Returns the new depth, or -1 when no tail is known. */
int hp_fp_tails_complete(hp_fp_tails *tails, uintptr_t *frames, int depth, int max_frames);

/* Remembers that libunwind found `tail[0..len)` after return address `last`. */
void hp_fp_tails_learn(hp_fp_tails *tails, uintptr_t last, const uintptr_t *tail, int len);

#ifdef __cplusplus
}
#endif
#endif /* HP_FP_TAILS_H */
