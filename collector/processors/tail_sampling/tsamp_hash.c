/* The probabilistic policy's hash, as otelcol-contrib publishes it in
 * processor/tailsamplingprocessor/internal/sampling/probabilistic.go:
 * FNV-1a 64 over the salt's bytes then the 16 trace id bytes; a trace is
 * kept when that hash <= MaxUint64 * percentage / 100. */
#include <string.h>

#include "tail_sampling.h"

uint64_t tsamp_fnv64a(const char *salt, const uint8_t *id, size_t n) {
  uint64_t h = 14695981039346656037ULL;
  for (const char *s = salt; s && *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ id[i]) * 1099511628211ULL;
  return h;
}

/* otelcol multiplies MaxUint64 (exact) by the ratio in a 64-bit mantissa
 * big.Float, rounding to nearest even, then truncates: x87 long double
 * has the same 64-bit mantissa and rounding. */
uint64_t tsamp_prob_threshold(double percentage) {
  double ratio = percentage / 100;
  if (ratio <= 0) return 0;
  if (ratio >= 1) return UINT64_MAX;
  long double v = (long double)UINT64_MAX * (long double)ratio;
  return (uint64_t)v;
}
