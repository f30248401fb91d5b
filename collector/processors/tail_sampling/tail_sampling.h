/* tail_sampling processor: otelcol-contrib's tailsamplingprocessor for
 * traces. Spans are grouped by trace id and held, re-encoded per trace
 * (tsamp_store.c), until decision_wait after the trace's first span; then
 * the policies (tsamp_policy.c) keep or drop the whole trace. */
#ifndef OTLPD_TAIL_SAMPLING_H
#define OTLPD_TAIL_SAMPLING_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"

/* ---- config (tsamp_config.c) ---- */
typedef struct tsamp_latency_cfg { int64_t threshold_ms, upper_threshold_ms; } tsamp_latency_cfg;
typedef struct tsamp_status_cfg { otlpd_strings status_codes; } tsamp_status_cfg;
typedef struct tsamp_string_cfg {
  char *key;
  otlpd_strings values;
  bool enabled_regex_matching, invert_match;
} tsamp_string_cfg;
typedef struct tsamp_numeric_cfg {
  char *key;
  otlpd_value min_value, max_value;
  bool invert_match;
} tsamp_numeric_cfg;
typedef struct tsamp_bool_cfg { char *key; bool value, invert_match; } tsamp_bool_cfg;
typedef struct tsamp_prob_cfg { char *hash_salt; double sampling_percentage; } tsamp_prob_cfg;
typedef struct tsamp_rate_cfg { int64_t spans_per_second; } tsamp_rate_cfg;
typedef struct tsamp_count_cfg { int64_t min_spans, max_spans; } tsamp_count_cfg;
typedef struct tsamp_ts_cfg { char *key; otlpd_strings values; } tsamp_ts_cfg;
typedef struct tsamp_ottl_cfg {
  int error_mode; /* 0 propagate, 1 ignore, 2 silent */
  otlpd_strings span, spanevent;
} tsamp_ottl_cfg;
/* and / drop: a list of basic policies (tsamp_policy_cfg, without nesting) */
typedef struct tsamp_subs_cfg { otlpd_sections subs; } tsamp_subs_cfg;
/* composite: rate-limited sub-policies (basic ones or `and`) */
typedef struct tsamp_alloc_cfg { char *policy; int64_t percent; } tsamp_alloc_cfg;
typedef struct tsamp_composite_cfg {
  int64_t max_total_spans_per_second;
  otlpd_strings policy_order;
  otlpd_sections subs;            /* tsamp_policy_cfg */
  otlpd_sections rate_allocation; /* tsamp_alloc_cfg */
} tsamp_composite_cfg;

typedef struct tsamp_policy_cfg {
  char *name, *type;
  tsamp_latency_cfg latency;
  tsamp_status_cfg status_code;
  tsamp_string_cfg string_attribute;
  tsamp_numeric_cfg numeric_attribute;
  tsamp_bool_cfg boolean_attribute;
  tsamp_prob_cfg probabilistic;
  tsamp_rate_cfg rate_limiting;
  tsamp_count_cfg span_count;
  tsamp_ts_cfg trace_state;
  tsamp_ottl_cfg ottl_condition;
  tsamp_composite_cfg composite;
  tsamp_subs_cfg and_, drop;
  bool has_ottl, has_and, has_drop, has_composite;
} tsamp_policy_cfg;

typedef struct tsamp_cache_cfg { int64_t sampled_cache_size, non_sampled_cache_size; } tsamp_cache_cfg;

typedef struct tsamp_cfg {
  int64_t decision_wait_ns;
  int64_t num_traces;
  int64_t expected_new_traces_per_sec;
  tsamp_cache_cfg decision_cache;
  otlpd_sections policies; /* tsamp_policy_cfg */
} tsamp_cfg;

extern const otlpd_setting tsamp_settings[];
int tsamp_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* ---- policies (tsamp_policy.c) ---- */
typedef enum {
  TSAMP_NOT_SAMPLED = 0,
  TSAMP_SAMPLED,
  TSAMP_INVERT_SAMPLED,
  TSAMP_INVERT_NOT_SAMPLED,
  TSAMP_DROPPED,
} tsamp_decision;

typedef enum {
  TSAMP_P_ALWAYS, TSAMP_P_LATENCY, TSAMP_P_STATUS, TSAMP_P_STRING, TSAMP_P_NUMERIC, TSAMP_P_BOOL,
  TSAMP_P_PROB, TSAMP_P_RATE, TSAMP_P_COUNT, TSAMP_P_TRACE_STATE, TSAMP_P_AND, TSAMP_P_DROP,
  TSAMP_P_OTTL, TSAMP_P_COMPOSITE, TSAMP_P_UNKNOWN,
} tsamp_ptype;

tsamp_ptype tsamp_ptype_parse(const char *type);

typedef struct tsamp_policy {
  tsamp_ptype type;
  const tsamp_policy_cfg *cfg;
  regex_t *re; /* string_attribute with regex matching: one per value */
  size_t n_re;
  unsigned status_mask; /* bit per span status code */
  int64_t min, max;     /* numeric_attribute bounds */
  uint64_t threshold;   /* probabilistic */
  const char *salt;
  int64_t rate_second, rate_spans; /* rate_limiting's current second */
  struct tsamp_policy *subs;       /* and / drop / composite: their sub-policies */
  size_t n_subs;
  int64_t *alloc, *used;           /* composite: each sub-policy's spans/s and this second's count */
  struct ottl_cond **ottl[2];      /* ottl_condition: span, spanevent conditions */
  size_t n_ottl[2];
} tsamp_policy;

/* One held trace, decoded for evaluation. */
typedef struct tsamp_trace_view {
  const otlp_trace_request *req;
  const uint8_t *id; /* 16 bytes */
  size_t spans;
  int64_t now_sec;   /* wall clock second (rate_limiting) */
} tsamp_trace_view;

/* 0, or -EINVAL with a reason in err (bad regex). */
int tsamp_policy_init(tsamp_policy *p, const tsamp_policy_cfg *c, char *err, size_t errlen);
void tsamp_policy_fini(tsamp_policy *p);
tsamp_decision tsamp_policy_eval(tsamp_policy *p, const tsamp_trace_view *t);
/* tsamp_composite.c: the composite policy */
int tsamp_composite_init(tsamp_policy *p, const tsamp_composite_cfg *c, char *err, size_t errlen);
tsamp_decision tsamp_composite_eval(tsamp_policy *p, const tsamp_trace_view *t);
/* tsamp_policy.c: sub-policies of and / drop / composite */
int tsamp_subs_init(tsamp_policy *p, const otlpd_sections *s, bool and_ok, char *err, size_t errlen);
/* tsamp_ottl.c: the ottl_condition policy */
int tsamp_ottl_init(tsamp_policy *p, const tsamp_ottl_cfg *c, char *err, size_t errlen);
void tsamp_ottl_fini(tsamp_policy *p);
tsamp_decision tsamp_ottl_eval(const tsamp_policy *p, const tsamp_trace_view *t);
/* otelcol's rule: any DROPPED drops; else any SAMPLED keeps; else an
 * INVERT_NOT_SAMPLED drops; else an INVERT_SAMPLED keeps; else drop. */
bool tsamp_final(const tsamp_decision *d, size_t n);

/* tsamp_hash.c: the probabilistic policy's FNV-1a 64 of salt || trace id
 * and its threshold (MaxUint64 * ratio, as otelcol computes it). */
uint64_t tsamp_fnv64a(const char *salt, const uint8_t *id, size_t n);
uint64_t tsamp_prob_threshold(double percentage);

/* ---- trace id ring set (tsamp_idset.c) ----
 * A FIFO ring of 16-byte ids with an open-addressing index: find, push at
 * the tail, pop the head. Holds the held traces (in arrival order, which is
 * their decision order) and the decision caches. */
typedef struct tsamp_idset {
  uint8_t (*ids)[16];
  uint32_t *slots; /* ring position + 1; 0 = empty */
  size_t cap, head, n, mask;
} tsamp_idset;

int tsamp_idset_init(tsamp_idset *s, size_t cap);
void tsamp_idset_free(tsamp_idset *s);
/* ring position of id, or -1 */
long tsamp_idset_find(const tsamp_idset *s, const uint8_t *id);
/* position of the new tail; the set must not be full */
size_t tsamp_idset_push(tsamp_idset *s, const uint8_t *id);
void tsamp_idset_pop(tsamp_idset *s);
static inline bool tsamp_idset_full(const tsamp_idset *s) { return s->n == s->cap; }
/* remembers id, forgetting the oldest when full (no-op when cap is 0) */
void tsamp_idset_remember(tsamp_idset *s, const uint8_t *id);

#endif
