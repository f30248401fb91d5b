/* tail_sampling settings: otelcol-contrib's keys and defaults
 * (processor/tailsamplingprocessor/config.go), one row table per policy
 * type's sub-section. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/config.h"
#include "tail_sampling.h"

static const otlpd_setting latency_tbl[] = {
    OTLPD_S_INT(tsamp_latency_cfg, "threshold_ms", threshold_ms, "0", 0, 0,
                "keep traces lasting at least this long (ms), first span start to last span end"),
    OTLPD_S_INT(tsamp_latency_cfg, "upper_threshold_ms", upper_threshold_ms, "0", 0, 0,
                "if set: keep only durations in (threshold_ms, upper_threshold_ms]"),
    OTLPD_S_END,
};
static const otlpd_setting status_tbl[] = {
    OTLPD_S_STRINGS(tsamp_status_cfg, "status_codes", status_codes, "ERROR, OK and/or UNSET"),
    OTLPD_S_END,
};
static const otlpd_setting string_tbl[] = {
    OTLPD_S_STRING(tsamp_string_cfg, "key", key, NULL, "resource or span attribute"),
    OTLPD_S_STRINGS(tsamp_string_cfg, "values", values, "values (or POSIX extended regexes) that match"),
    OTLPD_S_BOOL(tsamp_string_cfg, "enabled_regex_matching", enabled_regex_matching, "false",
                 "values are regular expressions (POSIX ERE, unanchored)"),
    OTLPD_S_IGNORED("cache_max_size", "otelcol's regex result cache; no effect"),
    OTLPD_S_BOOL(tsamp_string_cfg, "invert_match", invert_match, "false", "keep traces that do not match"),
    OTLPD_S_END,
};
static const otlpd_setting numeric_tbl[] = {
    OTLPD_S_STRING(tsamp_numeric_cfg, "key", key, NULL, "resource or span attribute (int)"),
    OTLPD_S_VALUE(tsamp_numeric_cfg, "min_value", min_value, "lowest matching value (unset: no bound)"),
    OTLPD_S_VALUE(tsamp_numeric_cfg, "max_value", max_value, "highest matching value (unset: no bound)"),
    OTLPD_S_BOOL(tsamp_numeric_cfg, "invert_match", invert_match, "false", "keep traces that do not match"),
    OTLPD_S_END,
};
static const otlpd_setting bool_tbl[] = {
    OTLPD_S_STRING(tsamp_bool_cfg, "key", key, NULL, "resource or span attribute (bool)"),
    OTLPD_S_BOOL(tsamp_bool_cfg, "value", value, "false", "value that matches"),
    OTLPD_S_BOOL(tsamp_bool_cfg, "invert_match", invert_match, "false", "keep traces that do not match"),
    OTLPD_S_END,
};
static const otlpd_setting prob_tbl[] = {
    OTLPD_S_STRING(tsamp_prob_cfg, "hash_salt", hash_salt, NULL,
                   "salt of the FNV-1a hash of the trace id (unset: otelcol's \"default-hash-seed\")"),
    OTLPD_S_DOUBLE(tsamp_prob_cfg, "sampling_percentage", sampling_percentage, "0", 0, 100,
                   "percentage of traces kept"),
    OTLPD_S_END,
};
static const otlpd_setting rate_tbl[] = {
    OTLPD_S_INT(tsamp_rate_cfg, "spans_per_second", spans_per_second, "0", 0, 0,
                "keep whole traces while this second's kept spans stay within the rate"),
    OTLPD_S_END,
};
static const otlpd_setting count_tbl[] = {
    OTLPD_S_INT(tsamp_count_cfg, "min_spans", min_spans, "0", 0, 0, "keep traces with at least this many spans"),
    OTLPD_S_INT(tsamp_count_cfg, "max_spans", max_spans, "0", 0, 0, "and at most this many (0: no limit)"),
    OTLPD_S_END,
};
static const otlpd_setting ts_tbl[] = {
    OTLPD_S_STRING(tsamp_ts_cfg, "key", key, NULL, "W3C tracestate member key"),
    OTLPD_S_STRINGS(tsamp_ts_cfg, "values", values, "member values that match"),
    OTLPD_S_END,
};
static const char *const ottl_modes[] = {"propagate", "ignore", "silent", NULL};
static const otlpd_setting ottl_tbl[] = {
    OTLPD_S_ENUM(tsamp_ottl_cfg, "error_mode", error_mode, "propagate", ottl_modes,
                 "on an evaluation error: propagate (the policy does not sample), ignore (log, next condition), silent"),
    OTLPD_S_STRINGS(tsamp_ottl_cfg, "span", span, "OTTL conditions in the span context; any match samples the trace"),
    OTLPD_S_STRINGS(tsamp_ottl_cfg, "spanevent", spanevent,
                    "OTTL conditions in the spanevent context; any match samples the trace"),
    OTLPD_S_END,
};
#define TS_P tsamp_policy_cfg
/* The basic policies' rows, shared by a policy and an and/drop sub-policy. */
#define TSAMP_BASIC_ROWS                                                                          \
  OTLPD_S_STRING(TS_P, "name", name, NULL, "the policy's name"),                                  \
      OTLPD_S_STRING(TS_P, "type", type, NULL,                                                    \
                     "always_sample, latency, status_code, string_attribute, numeric_attribute, " \
                     "boolean_attribute, probabilistic, rate_limiting, span_count, trace_state, " \
                     "and, drop, composite, ottl_condition"),                                                                \
      OTLPD_S_SECTION(TS_P, "latency", latency, latency_tbl, "latency policy"),                   \
      OTLPD_S_SECTION(TS_P, "status_code", status_code, status_tbl, "status_code policy"),        \
      OTLPD_S_SECTION(TS_P, "string_attribute", string_attribute, string_tbl, "string_attribute policy"), \
      OTLPD_S_SECTION(TS_P, "numeric_attribute", numeric_attribute, numeric_tbl,                  \
                      "numeric_attribute policy"),                                                \
      OTLPD_S_SECTION(TS_P, "boolean_attribute", boolean_attribute, bool_tbl,                     \
                      "boolean_attribute policy"),                                                \
      OTLPD_S_SECTION(TS_P, "probabilistic", probabilistic, prob_tbl, "probabilistic policy"),    \
      OTLPD_S_SECTION(TS_P, "rate_limiting", rate_limiting, rate_tbl, "rate_limiting policy"),    \
      OTLPD_S_SECTION(TS_P, "span_count", span_count, count_tbl, "span_count policy"),            \
      OTLPD_S_SECTION(TS_P, "trace_state", trace_state, ts_tbl, "trace_state policy")

static const otlpd_setting sub_policy_tbl[] = {TSAMP_BASIC_ROWS, OTLPD_S_END};
static const otlpd_setting and_tbl[] = {
    OTLPD_S_SECTIONS(tsamp_subs_cfg, "and_sub_policy", subs, tsamp_policy_cfg, sub_policy_tbl,
                     "policies that must all keep the trace"),
    OTLPD_S_END,
};
static const otlpd_setting drop_tbl[] = {
    OTLPD_S_SECTIONS(tsamp_subs_cfg, "drop_sub_policy", subs, tsamp_policy_cfg, sub_policy_tbl,
                     "when all of these keep the trace, it is dropped whatever other policies say"),
    OTLPD_S_END,
};
/* composite's sub-policies: the basic ones or `and` */
static const otlpd_setting composite_sub_tbl[] = {
    TSAMP_BASIC_ROWS,
    OTLPD_S_SECTION_P(TS_P, "and", and_, has_and, and_tbl, "and policy: every sub-policy must keep the trace"),
    OTLPD_S_END,
};
static const otlpd_setting alloc_tbl[] = {
    OTLPD_S_STRING(tsamp_alloc_cfg, "policy", policy, NULL, "name of a composite_sub_policy"),
    OTLPD_S_INT(tsamp_alloc_cfg, "percent", percent, "0", 0, 100,
                "its share of max_total_spans_per_second (0: an equal share)"),
    OTLPD_S_END,
};
static const otlpd_setting composite_tbl[] = {
    OTLPD_S_INT(tsamp_composite_cfg, "max_total_spans_per_second", max_total_spans_per_second, "0", 0, 0,
                "spans per second the composite keeps at most"),
    OTLPD_S_STRINGS(tsamp_composite_cfg, "policy_order", policy_order,
                    "sub-policy names (checked; as in otelcol, sub-policies run in composite_sub_policy order)"),
    OTLPD_S_SECTIONS(tsamp_composite_cfg, "composite_sub_policy", subs, tsamp_policy_cfg, composite_sub_tbl,
                     "the sub-policies; the first that samples a trace decides within its rate"),
    OTLPD_S_SECTIONS(tsamp_composite_cfg, "rate_allocation", rate_allocation, tsamp_alloc_cfg, alloc_tbl,
                     "each sub-policy's share of the rate (a sub-policy without an entry keeps nothing)"),
    OTLPD_S_END,
};

static const otlpd_setting policy_tbl[] = {
    TSAMP_BASIC_ROWS,
    OTLPD_S_SECTION_P(TS_P, "ottl_condition", ottl_condition, has_ottl, ottl_tbl,
                      "ottl_condition policy: samples traces with a span / span event the conditions match"),
    OTLPD_S_SECTION_P(TS_P, "and", and_, has_and, and_tbl, "and policy: every sub-policy must keep the trace"),
    OTLPD_S_SECTION_P(TS_P, "drop", drop, has_drop, drop_tbl, "drop policy: drops what all its sub-policies match"),
    OTLPD_S_SECTION_P(TS_P, "composite", composite, has_composite, composite_tbl,
                      "composite policy: sub-policies with shares of a spans-per-second budget"),
    OTLPD_S_END,
};

static const otlpd_setting cache_tbl[] = {
    OTLPD_S_INT(tsamp_cache_cfg, "sampled_cache_size", sampled_cache_size, "0", 0, 100000000,
                "trace ids remembered as kept, so late spans follow (0: none)"),
    OTLPD_S_INT(tsamp_cache_cfg, "non_sampled_cache_size", non_sampled_cache_size, "0", 0, 100000000,
                "trace ids remembered as dropped, so late spans are dropped (0: none)"),
    OTLPD_S_END,
};

const otlpd_setting tsamp_settings[] = {
    OTLPD_S_DURATION(tsamp_cfg, "decision_wait", decision_wait_ns, "30s",
                     "time from a trace's first span to its decision"),
    OTLPD_S_INT(tsamp_cfg, "num_traces", num_traces, "50000", 1, 100000000,
                "traces held at once; beyond it the oldest is decided early"),
    OTLPD_S_INT(tsamp_cfg, "expected_new_traces_per_sec", expected_new_traces_per_sec, "0", 0, 0,
                "sizing hint (otelcol); no effect: tables are sized from num_traces"),
    OTLPD_S_SECTION(tsamp_cfg, "decision_cache", decision_cache, cache_tbl, "caches of past decisions"),
    OTLPD_S_SECTIONS(tsamp_cfg, "policies", policies, tsamp_policy_cfg, policy_tbl,
                     "policies; any that keeps the trace keeps it (see README)"),
    OTLPD_S_END,
};

static void check_policy(const tsamp_policy_cfg *p, const char *base, bool top, otlpd_errors *errs);

static bool has_name(const otlpd_sections *subs, const char *name) {
  const tsamp_policy_cfg *sp = subs->v;
  for (size_t j = 0; name && j < subs->n; j++)
    if (sp[j].name && !strcmp(sp[j].name, name)) return true;
  return false;
}

/* The names policy_order and rate_allocation use must be sub-policies'
 * (otelcol ignores unknown ones: a typo would silently keep nothing). */
static void check_composite(const tsamp_composite_cfg *c, const char *base, otlpd_errors *errs) {
  if (c->subs.n == 0) otlpd_errorf(errs, "%s::composite::composite_sub_policy: no sub-policies", base);
  const tsamp_policy_cfg *sp = c->subs.v;
  for (size_t j = 0; j < c->subs.n; j++) {
    char sub[512];
    snprintf(sub, sizeof sub, "%s::composite::composite_sub_policy[%zu]", base, j);
    if (!sp[j].name || !*sp[j].name) otlpd_errorf(errs, "%s::name: missing", sub);
    if (sp[j].type && (!strcmp(sp[j].type, "drop") || !strcmp(sp[j].type, "composite") ||
                       !strcmp(sp[j].type, "ottl_condition")))
      otlpd_errorf(errs, "%s::type: %s cannot be a composite sub-policy", sub, sp[j].type);
    else
      check_policy(&sp[j], sub, false, errs);
  }
  for (size_t j = 0; j < c->policy_order.n; j++)
    if (!has_name(&c->subs, c->policy_order.v[j]))
      otlpd_errorf(errs, "%s::composite::policy_order[%zu]: \"%s\" is not a composite_sub_policy", base, j,
                   c->policy_order.v[j]);
  const tsamp_alloc_cfg *a = c->rate_allocation.v;
  for (size_t j = 0; j < c->rate_allocation.n; j++)
    if (!has_name(&c->subs, a[j].policy))
      otlpd_errorf(errs, "%s::composite::rate_allocation[%zu]::policy: \"%s\" is not a composite_sub_policy", base,
                   j, a[j].policy ? a[j].policy : "");
}

static void check_subs(const otlpd_sections *s, const char *base, const char *key, otlpd_errors *errs) {
  if (s->n == 0) otlpd_errorf(errs, "%s::%s: no sub-policies", base, key);
  const tsamp_policy_cfg *sp = s->v;
  for (size_t j = 0; j < s->n; j++) {
    char sub[512];
    snprintf(sub, sizeof sub, "%s::%s[%zu]", base, key, j);
    tsamp_ptype t = tsamp_ptype_parse(sp[j].type);
    if (t == TSAMP_P_AND || t == TSAMP_P_DROP || t == TSAMP_P_COMPOSITE || t == TSAMP_P_OTTL)
      otlpd_errorf(errs, "%s::type: %s cannot be nested", sub, sp[j].type);
    else
      check_policy(&sp[j], sub, false, errs);
  }
}

/* base: "<path>::policies[i]" or, for a sub-policy, "...::and::and_sub_policy[j]". */
static void check_policy(const tsamp_policy_cfg *p, const char *base, bool top, otlpd_errors *errs) {
  if (!p->type || !*p->type) {
    otlpd_errorf(errs, "%s::type: missing", base);
    return;
  }
  tsamp_ptype t = tsamp_ptype_parse(p->type);
  if (t == TSAMP_P_UNKNOWN) {
    otlpd_errorf(errs, "%s::type: unknown sampling policy type \"%s\"", base, p->type);
    return;
  }
  if (t == TSAMP_P_AND) return check_subs(&p->and_.subs, base, "and::and_sub_policy", errs);
  if (t == TSAMP_P_DROP) return check_subs(&p->drop.subs, base, "drop::drop_sub_policy", errs);
  if (t == TSAMP_P_COMPOSITE) {
    if (top) check_composite(&p->composite, base, errs);
    return;
  }
  char err[256];
  tsamp_policy pol;
  if (tsamp_policy_init(&pol, p, err, sizeof(err)))
    otlpd_errorf(errs, "%s::%s: %s", base, p->type, err);
  else
    tsamp_policy_fini(&pol);
}

int tsamp_validate(const void *config, const char *path, otlpd_errors *errs) {
  const tsamp_cfg *c = config;
  size_t before = errs->n;
  if (c->decision_wait_ns < OTLPD_NS_PER_MS)
    otlpd_errorf(errs, "%s::decision_wait: must be at least 1ms", path);
  if (c->policies.n == 0) otlpd_errorf(errs, "%s::policies: no policies configured", path);
  const tsamp_policy_cfg *p = c->policies.v;
  for (size_t i = 0; i < c->policies.n; i++) {
    char base[512];
    snprintf(base, sizeof base, "%s::policies[%zu]", path, i);
    check_policy(&p[i], base, true, errs);
  }
  return errs->n > before ? -EINVAL : 0;
}
