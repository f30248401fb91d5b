/* probabilistic_sampler processor: otelcol-contrib's head sampler in its
 * hash_seed mode. Spans are kept or dropped by a hash of their trace id
 * (so a trace is kept or dropped whole, in every collector sharing the
 * seed); log records by their trace id or a record attribute. Metrics are
 * not sampled (the factory supports traces and logs only, as otelcol). */
#ifndef OTLPD_PROBABILISTIC_SAMPLER_H
#define OTLPD_PROBABILISTIC_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/component.h"

typedef enum { PSAMP_SOURCE_TRACE_ID = 0, PSAMP_SOURCE_RECORD = 1 } psamp_source;

typedef struct psamp_cfg {
  double sampling_percentage;
  int64_t hash_seed;
  char *mode; /* NULL/"" = unset */
  int64_t sampling_precision;
  bool fail_closed;
  int attribute_source; /* psamp_source */
  char *from_attribute;
  char *sampling_priority;
} psamp_cfg;

extern const otlpd_setting psamp_settings[];
int psamp_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* 56-bit thresholds and randomness of OTEP 235 (otelcol's pkg/sampling):
 * an item is kept when threshold <= randomness. */
#define PSAMP_MAX_ADJUSTED ((uint64_t)1 << 56)
#define PSAMP_NEVER PSAMP_MAX_ADJUSTED /* NeverSampleThreshold */
#define PSAMP_ALWAYS ((uint64_t)0)     /* AlwaysSampleThreshold */
#define PSAMP_RND_MISSING (PSAMP_MAX_ADJUSTED - 1) /* AllProbabilitiesRandomness */

/* What a running sampler needs, derived once from the config. */
typedef struct psamp_rule {
  uint32_t seed;
  uint64_t threshold; /* from sampling_percentage */
  int precision;
  bool fail_closed;
  bool logs_by_trace_id;
  const char *from_attribute;   /* NULL = none */
  const char *priority_attr;    /* NULL = none */
} psamp_rule;

/* psamp_decide.c */
uint32_t psamp_fnv1a(uint32_t seed, const uint8_t *b, size_t n);
/* The 14-bit bucket turned into 56 bits of randomness (otelcol's
 * randomnessFromBytes). */
uint64_t psamp_randomness(uint32_t seed, const uint8_t *b, size_t n);
/* Reject threshold of the hash_seed mode for a percentage. */
uint64_t psamp_hash_threshold(double percentage);
/* pkg/sampling ProbabilityToThresholdWithPrecision; false when out of range. */
bool psamp_prob_threshold(double prob, int prec, uint64_t *out);
void psamp_rule_init(psamp_rule *r, const psamp_cfg *c, otlpd_signal s);
/* psamp_tracestate.c. The OTEP 235 values of a W3C tracestate's `ot`
 * member; false when otelcol cannot parse the tracestate. */
typedef struct psamp_ts {
  bool has_rv, has_th;
  uint64_t rv, th;
} psamp_ts;
bool psamp_ts_parse(const char *ts, psamp_ts *t);
/* orig rewritten with t's rv/th (otelcol's serialization); length, or -1
 * when it does not fit in cap. */
int psamp_ts_write(const char *orig, const psamp_ts *t, char *buf, size_t cap);
/* Does otelcol's hash_seed mode refuse a span with this tracestate
 * (unparsable, or its `ot` member has rv: or th:)? */
bool psamp_tracestate_refused(const char *ts);
size_t psamp_tvalue(uint64_t th, char out[20]);
bool psamp_parse_hex(const char *s, size_t n, size_t min, size_t max, uint64_t *v);
bool psamp_keep_span(const psamp_rule *r, const otlp_span *sp);
bool psamp_keep_log(const psamp_rule *r, const otlp_log_record *lr);

#endif
