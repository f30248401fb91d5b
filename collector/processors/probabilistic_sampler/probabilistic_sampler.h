/* probabilistic_sampler processor: otelcol-contrib's head sampler, in its
 * hash_seed, proportional and equalizing modes. Spans are kept or dropped
 * by their trace id (so a trace is kept or dropped whole, in every
 * collector with the same settings); log records by their trace id or a
 * record attribute. Metrics are not sampled (the factory supports traces
 * and logs only, as otelcol). */
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

typedef enum { PSAMP_MODE_HASH, PSAMP_MODE_PROPORTIONAL, PSAMP_MODE_EQUALIZING } psamp_mode;

/* What a running sampler needs, derived once from the config. */
typedef struct psamp_rule {
  psamp_mode mode;
  uint32_t seed;
  uint64_t threshold; /* hash_seed: from sampling_percentage; equalizing: fixed */
  double ratio;       /* proportional: sampling_percentage / 100 */
  bool never;         /* 0 %: otelcol's never-sampler */
  int precision;
  bool fail_closed;
  bool logs_by_trace_id;
  const char *from_attribute;   /* NULL = none */
  const char *priority_attr;    /* NULL = none */
} psamp_rule;

void psamp_rule_init(psamp_rule *r, const psamp_cfg *c, otlpd_signal s);
psamp_mode psamp_mode_of(const psamp_cfg *c, otlpd_signal s);

/* A decision. KEEP_EDIT: keep, with a new tracestate (spans) or a new
 * sampling.threshold attribute value (logs) written into the buffer. */
typedef enum { PSAMP_DROP = 0, PSAMP_KEEP = 1, PSAMP_KEEP_EDIT = 2 } psamp_verdict;
#define PSAMP_TS_CAP 1100 /* a W3C tracestate (1024) plus rv and th */
#define PSAMP_TV_CAP 20
psamp_verdict psamp_span(const psamp_rule *r, const otlp_span *sp, char *out, size_t cap);
psamp_verdict psamp_log(const psamp_rule *r, const otlp_log_record *lr, char *out, size_t cap);

/* psamp_math.c */
uint32_t psamp_fnv1a(uint32_t seed, const uint8_t *b, size_t n);
/* The 14-bit bucket turned into 56 bits of randomness (otelcol's
 * randomnessFromBytes). */
uint64_t psamp_randomness(uint32_t seed, const uint8_t *b, size_t n);
/* Reject threshold of the hash_seed mode for a percentage. */
uint64_t psamp_hash_threshold(double percentage);
/* pkg/sampling ProbabilityToThresholdWithPrecision: 0, or one of: */
#define PSAMP_ERANGE (-1)     /* probability outside [2^-56, 1] */
#define PSAMP_EUNDERFLOW (-2) /* precision too great for the range */
int psamp_prob_threshold(double prob, int prec, uint64_t *out);

/* psamp_item.c: reading items as pdata does. */
const otlp_any_value *psamp_attr(size_t n, otlp_key_value *const *kv, const char *key);
const char *psamp_str_attr(const otlp_log_record *lr, const char *key); /* "" unless a string */
typedef enum { PSAMP_PRIO_DEFER, PSAMP_PRIO_MUST, PSAMP_PRIO_NOT } psamp_prio;
psamp_prio psamp_span_priority(const otlp_span *sp);
/* hash_seed randomness of a trace id (missing = 16 zero bytes). */
uint64_t psamp_trace_hash(uint32_t seed, ProtobufCBinaryData id);
/* W3C randomness: the trace id's low 56 bits; false for an empty id. */
bool psamp_trace_random56(ProtobufCBinaryData id, uint64_t *rnd);
/* Hash of the from_attribute value; false when absent or a map/array. */
bool psamp_attr_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd);
/* Threshold asked for by the sampling_priority attribute, or NEVER. */
uint64_t psamp_priority_threshold(const psamp_rule *r, const otlp_log_record *lr);

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

/* psamp_hash.c, psamp_consistent.c */
psamp_verdict psamp_hash_span(const psamp_rule *r, const otlp_span *sp);
psamp_verdict psamp_hash_log(const psamp_rule *r, const otlp_log_record *lr);
psamp_verdict psamp_consistent_span(const psamp_rule *r, const otlp_span *sp, char *out, size_t cap);
psamp_verdict psamp_consistent_log(const psamp_rule *r, const otlp_log_record *lr, char *out, size_t cap);

#endif
