/* Retry schedule, as otelcol's (exponential backoff with jitter), as pure
 * functions so tests give exact values; the random source is the
 * caller's (one per sender, no global state). */
#include <math.h>

#include "otlpd/exporterhelper.h"

int64_t otlpd_backoff_delay(const otlpd_retry_cfg *c, unsigned retry, double u) {
  double max = (double)c->max_interval;
  double base = (double)c->initial_interval * pow(c->multiplier, (double)retry);
  if (!(base < max)) base = max; /* also catches overflow to inf */
  double d = base * (1.0 + c->randomization_factor * (2.0 * u - 1.0));
  return d < 0 ? 0 : (int64_t)d;
}

int64_t otlpd_backoff_next(const otlpd_retry_cfg *c, unsigned retry, int64_t elapsed_ns,
                           int64_t hint_ns, double u) {
  if (!c->enabled) return -1;
  int64_t d = hint_ns > 0 ? hint_ns : otlpd_backoff_delay(c, retry, u);
  if (c->max_elapsed_time > 0 && elapsed_ns + d > c->max_elapsed_time) return -1;
  return d;
}

void otlpd_rng_seed(otlpd_rng *r, uint64_t seed) { r->s = seed ? seed : 0x9e3779b97f4a7c15ull; }

double otlpd_rng_unit(otlpd_rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  /* top 53 bits: uniform in [0, 1) */
  return (double)((x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}
