/*
 * hp_sampler: Poisson byte sampling, as tcmalloc, Go and jemalloc do it. The gaps
 * between sample points are exponential with mean `rate` bytes; an allocation is
 * sampled when a sample point falls inside its bytes, so an allocation of n bytes is
 * taken with probability 1 - exp(-n/rate), which is what readers unbias with.
 * After each sampled allocation the countdown restarts with a fresh gap (memoryless).
 *
 * The state is a plain struct owned by one thread (the runtime keeps one per thread in
 * initial-exec TLS). No allocation, no libm. Hook-safe: yes.
 */
#ifndef HP_SAMPLER_H
#define HP_SAMPLER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One thread's sampler. */
typedef struct hp_sampler {
  uint64_t rng;       /* xorshift64* state, never 0 */
  int64_t countdown;  /* bytes left until the next sample point */
  uint64_t rate;      /* mean gap in bytes; 0 = sample everything */
} hp_sampler;

/* Seeds the sampler (seed 0 is replaced by a constant) and draws the first gap. */
void hp_sampler_init(hp_sampler *sampler, uint64_t rate, uint64_t seed);

/* Returns 1 when an allocation of `size` bytes is sampled, else 0 (rate 0: always 1). */
int hp_sampler_take(hp_sampler *sampler, uint64_t size);

/* Draws the next gap: an exponential variate with mean `rate`, at least 1. */
uint64_t hp_sampler_next_gap(hp_sampler *sampler);

/* Natural logarithm of x > 0, to about 1e-12 relative error, without libm. */
double hp_log(double x);

#ifdef __cplusplus
}
#endif
#endif /* HP_SAMPLER_H */
