/*
 * sampler.c: Poisson byte sampler (contract in hp_sampler.h).
 */
#ifndef _GNU_SOURCE
#error "HeapProfRuntime needs _GNU_SOURCE"
#endif
#include "hp_sampler.h"

#include <string.h>

double hp_log(double x) {
  if (!(x > 0)) return -1e308;
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull; /* mantissa in [1, 2) */
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) { /* keep s small: m in [0.707, 1.414) */
    m *= 0.5;
    exponent += 1;
  }
  /* ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172 */
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  double term = s, sum = 0;
  for (int k = 1; k <= 25; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2.0 * sum + exponent * 0.69314718055994530942;
}

static uint64_t next_random(hp_sampler *s) {
  uint64_t x = s->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s->rng = x;
  return x * 0x2545F4914F6CDD1Dull;
}

uint64_t hp_sampler_next_gap(hp_sampler *s) {
  if (s->rate == 0) return 1;
  /* u uniform in (0, 1]: 53 random bits. */
  double u = (double)((next_random(s) >> 11) + 1) * (1.0 / 9007199254740992.0);
  double gap = -hp_log(u) * (double)s->rate;
  if (gap < 1) return 1;
  if (gap > 9.2e18) return (uint64_t)9.2e18;
  return (uint64_t)gap;
}

void hp_sampler_init(hp_sampler *s, uint64_t rate, uint64_t seed) {
  s->rng = seed ? seed : 0x853c49e6748fea9bull;
  s->rate = rate;
  s->countdown = (int64_t)hp_sampler_next_gap(s);
}

int hp_sampler_take(hp_sampler *s, uint64_t size) {
  if (s->rate == 0) return 1;
  if (size > (uint64_t)INT64_MAX) size = (uint64_t)INT64_MAX;
  s->countdown -= (int64_t)size;
  if (s->countdown > 0) return 0;
  s->countdown = (int64_t)hp_sampler_next_gap(s);
  return 1;
}
