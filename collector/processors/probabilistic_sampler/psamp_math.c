/* The arithmetic of otelcol-contrib's probabilistic sampler. Sources
 * (open-telemetry/opentelemetry-collector-contrib):
 *  - processor/probabilisticsamplerprocessor/fnvhasher.go: FNV-1a 32 over
 *    the seed's 4 bytes (little-endian) then the bytes hashed;
 *  - processor/probabilisticsamplerprocessor/sampler_mode.go:
 *    randomnessFromBytes (14-bit bucket -> 56-bit randomness) and
 *    makeSampler (percentage -> reject threshold);
 *  - pkg/sampling/probability.go (ProbabilityToThresholdWithPrecision) and
 *    threshold.go (an item is kept when threshold <= randomness). */
#include <math.h>
#include <string.h>

#include "probabilistic_sampler.h"

#define HASH_BUCKETS 0x4000u /* 14 bits */
#define HASH_MASK (HASH_BUCKETS - 1)

uint32_t psamp_fnv1a(uint32_t seed, const uint8_t *b, size_t n) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 4; i++) h = (h ^ ((seed >> (8 * i)) & 0xffu)) * 16777619u;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

/* Top 14 bits: 0x3fff - bucket, so that "bucket < accepted buckets" reads
 * as the specification's T <= R; the 18 unused hash bits fill the rest. */
uint64_t psamp_randomness(uint32_t seed, const uint8_t *b, size_t n) {
  uint32_t h = psamp_fnv1a(seed, b, n);
  uint64_t bucket = h & HASH_MASK;
  uint64_t rprime = HASH_MASK - bucket;
  uint64_t unused18 = h >> 14;
  uint64_t mixed28 = unused18 ^ (unused18 << 10);
  return (rprime << 42) | (mixed28 << 14) | bucket;
}

/* otelcol computes uint32(pct * 0x4000/100.0) in float32 arithmetic,
 * truncating; we do the same so the boundary buckets agree. */
uint64_t psamp_hash_threshold(double percentage) {
  float pct = (float)percentage;
  if (pct > 100.0f) pct = 100.0f;
  if (!(pct > 0.0f)) return PSAMP_NEVER;
  float scaled_f = pct * 163.84f;
  uint32_t scaled = (uint32_t)scaled_f;
  if (scaled == 0) return PSAMP_NEVER;
  return (uint64_t)(HASH_BUCKETS - scaled) << 42;
}

int psamp_prob_threshold(double prob, int prec, uint64_t *out) {
  const double max = (double)PSAMP_MAX_ADJUSTED;
  if (!(prob >= 1.0 / max && prob <= 1.0)) return PSAMP_ERANGE;
  uint64_t rscaled = PSAMP_MAX_ADJUSTED - (uint64_t)round(prob * max);
  if (prec == 0) {
    *out = rscaled;
    return 0;
  }
  if (prob == 1.0) {
    *out = PSAMP_ALWAYS;
    return 0;
  }
  for (double reject = 1 - prob; reject * 16 < 1; reject *= 16) prec++;
  if (prec > 14) return PSAMP_EUNDERFLOW;
  unsigned shift = 4u * (unsigned)(14 - prec);
  if (shift) {
    rscaled += (uint64_t)1 << (shift - 1);
    rscaled = (rscaled >> shift) << shift;
  }
  *out = rscaled;
  return 0;
}
