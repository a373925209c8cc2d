/*
 * hp_capture: the call stack of the calling thread (return addresses, leaf first), and
 * whether libunwind had to be asked for it.
 *
 * Two ways lead to the same frames:
 *  - libunwind (CUnwind), which reads the unwind tables: right for every stack, including
 *    through signal frames and functions without frame pointers, but a few microseconds
 *    per stack;
 *  - a frame-pointer walk along the saved %rbp chain, inside the thread's stack bounds:
 *    tens of nanoseconds, but blind to a function that keeps no frame pointer (the walk
 *    skips its caller's frame), to the interrupted function of a signal frame, and to the
 *    C library's start code below main and thread entry, where the chain ends.
 * hp_capture_stack walks first. The start code's frames are appended from a table of
 * tails (below). When the result is in the *trusted set*, it is returned **verified**:
 * libunwind once produced exactly these frames for a stack on which the walk produced
 * them too, so they are used without asking libunwind. Otherwise libunwind is asked and
 * its frames are returned, unverified; when the walk had agreed with them, they join the
 * trusted set (learning), so the next capture of that stack is verified.
 *
 *  - Trusted set: a site table of its own (hp_site_table.h, counters unused) whose ids
 *    name verified stacks: equal ids, equal frames. Each thread remembers the 64 trusted
 *    stacks it found last (slot by a signature of frames 1-3 and the depth, checked
 *    frame for frame), so that a verified capture costs the walk and one comparison, not
 *    a stack hash and a chain walk.
 *  - Tails: when the walk ends cleanly (the last frame's caller left no frame pointer),
 *    the frames libunwind found after the walk's last return address (at most
 *    HP_CAPTURE_TAIL_MAX: __libc_start_call_main, __libc_start_main, _start; or
 *    start_thread, clone3) are remembered for that address in a fixed table of 256 slots;
 *    an address seen with two different tails is never completed again. Each thread keeps
 *    the last tail it used.
 *
 * Thread safety: any thread may capture at any time; the tables are lock-free (a CAS
 * claims a slot or publishes a stack). Not re-entrant on one thread: a signal handler
 * must not capture while the thread it interrupted is inside hp_capture_stack (the
 * runtime's hooks never do: the re-entry guard sends a handler's malloc straight to the
 * real allocator). A handler that interrupted anything else may capture.
 * Allocation: trusted stacks come from the arena given at creation (a new arena chunk is
 * mapped under the arena's spinlock: mmap, not malloc). Below that, libunwind may malloc
 * (and mmap), and a thread's first walk calls pthread_getattr_np, which mallocs (for the
 * main thread it reads /proc/self/maps with stdio). The caller must hold the runtime's
 * re-entry guard so that those allocations go straight to the real allocator; no lock
 * is held across them. Hook-safe: yes, under the guard.
 */
#ifndef HP_CAPTURE_H
#define HP_CAPTURE_H

#include <stdint.h>

#include "hp_arena.h"
#include "hp_site_table.h" /* HP_MAX_DEPTH */

#ifdef __cplusplus
extern "C" {
#endif

#define HP_CAPTURE_TAIL_MAX 3        /* most start-code frames remembered after a walk */
#define HP_STACK_NONE 0xFFFFFFFFu    /* "no trusted-stack id" */

typedef struct hp_capture hp_capture;

/* What hp_capture_stack says about the frames it returned. */
typedef struct hp_stack_info {
  /* 1: the walk's frames, found in the trusted set (libunwind was not asked);
   * 0: libunwind's own frames. */
  int verified;
  /* The trusted set's id of the returned frames when they are in it (always when
   * verified; also when this very capture taught them), else HP_STACK_NONE. Ids are
   * dense from 0 and below 2^24; equal ids mean equal frames, for the unit's life. */
  uint32_t id;
} hp_stack_info;

/* Makes a capture unit in `arena` (trusted set with 2^bucket_bits chains). With
 * fp_walk 0 every capture asks libunwind (HEAPPROF_FP_WALK=0). NULL when the arena is
 * full. Lives until the arena is destroyed. */
hp_capture *hp_capture_create(hp_arena *arena, unsigned bucket_bits, int fp_walk);

/* Fills `frames` with up to `max_frames` (clamped to HP_MAX_DEPTH) return addresses of
 * the calling thread, leaf first, after dropping the `skip` innermost frames:
 * hp_capture_stack itself is never reported, and with skip 0 frames[0] is the return
 * address into its caller. Call it directly from the function whose frames `skip`
 * counts (not through a tail call). Returns the number of frames (0 when libunwind
 * found none, e.g. when called from inside libunwind) and fills *info. When not
 * verified, the frames are exactly cunwind_backtrace's for the same call. */
int hp_capture_stack(hp_capture *capture, uintptr_t *frames, int max_frames, int skip,
                     hp_stack_info *info);

/* Captures answered by libunwind so far (every one when fp_walk is 0). */
uint64_t hp_capture_unwound(const hp_capture *capture);

/* Stacks in the trusted set. */
uint64_t hp_capture_trusted(const hp_capture *capture);

/* The bare frame-pointer walk (exposed for tests): same frame and skip contract as
 * hp_capture_stack, no tails, no trusted set. Returns the frames written, or -1 when the
 * chain looks wrong (a frame pointer outside the stack, not growing, misaligned; or no
 * frame pointers on this architecture). *clean_end is 1 when the walk stopped because
 * the last frame's caller left no frame pointer to follow (zero, or not a higher address
 * of this stack) with room left in `frames`, else 0. */
int hp_capture_walk(uintptr_t *frames, int max_frames, int skip, int *clean_end);

#ifdef __cplusplus
}
#endif
#endif /* HP_CAPTURE_H */
