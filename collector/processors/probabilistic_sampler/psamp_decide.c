/* The sampler a config asks for, and the dispatch of each item to it. */
#include <string.h>

#include "probabilistic_sampler.h"

/* With mode unset, as otelcol-contrib's makeSampler (sampler_mode.go):
 * the legacy hash_seed mode when a seed is set or logs are sampled by a
 * record attribute, else its default, proportional. */
psamp_mode psamp_mode_of(const psamp_cfg *c, otlpd_signal s) {
  if (c->mode && !strcmp(c->mode, "proportional")) return PSAMP_MODE_PROPORTIONAL;
  if (c->mode && !strcmp(c->mode, "equalizing")) return PSAMP_MODE_EQUALIZING;
  if (c->mode && !strcmp(c->mode, "hash_seed")) return PSAMP_MODE_HASH;
  if (c->hash_seed != 0 || (s == OTLPD_LOGS && c->attribute_source != PSAMP_SOURCE_TRACE_ID))
    return PSAMP_MODE_HASH;
  return PSAMP_MODE_PROPORTIONAL;
}

/* makeSampler: percentages above 100 mean 100; the ratio is taken from
 * the float32 percentage and raised to the smallest probability. */
void psamp_rule_init(psamp_rule *r, const psamp_cfg *c, otlpd_signal s) {
  memset(r, 0, sizeof(*r));
  float pct = (float)c->sampling_percentage;
  if (pct > 100.0f) pct = 100.0f;
  r->mode = psamp_mode_of(c, s);
  r->seed = (uint32_t)c->hash_seed;
  r->precision = (int)c->sampling_precision;
  r->fail_closed = c->fail_closed;
  r->logs_by_trace_id = c->attribute_source == PSAMP_SOURCE_TRACE_ID;
  r->ratio = (double)pct / 100.0;
  if (r->ratio < 1.0 / (double)PSAMP_MAX_ADJUSTED) r->ratio = 1.0 / (double)PSAMP_MAX_ADJUSTED;
  if (r->mode == PSAMP_MODE_HASH) {
    r->threshold = psamp_hash_threshold(pct);
  } else if (psamp_prob_threshold(r->ratio, r->precision, &r->threshold) != 0) {
    r->threshold = PSAMP_ALWAYS; /* as otelcol, which ignores the error */
  }
  /* 0 %, or a hash_seed percentage below one bucket: the never-sampler */
  r->never = !(pct > 0.0f) || (r->mode == PSAMP_MODE_HASH && r->threshold == PSAMP_NEVER);
  if (s == OTLPD_LOGS) {
    if (c->from_attribute && *c->from_attribute) r->from_attribute = c->from_attribute;
    if (c->sampling_priority && *c->sampling_priority) r->priority_attr = c->sampling_priority;
  }
}

psamp_verdict psamp_span(const psamp_rule *r, const otlp_span *sp, char *out, size_t cap) {
  if (r->mode == PSAMP_MODE_HASH) return psamp_hash_span(r, sp); /* never: same answer */
  return psamp_consistent_span(r, sp, out, cap);
}

psamp_verdict psamp_log(const psamp_rule *r, const otlp_log_record *lr, char *out, size_t cap) {
  if (r->mode == PSAMP_MODE_HASH && !r->never) return psamp_hash_log(r, lr);
  if (r->mode == PSAMP_MODE_HASH) { /* otelcol's never-sampler; nothing is written in hash mode */
    psamp_verdict v = psamp_consistent_log(r, lr, out, cap);
    return v == PSAMP_DROP ? PSAMP_DROP : PSAMP_KEEP;
  }
  return psamp_consistent_log(r, lr, out, cap);
}
