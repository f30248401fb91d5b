/* Policy evaluators over one decoded trace, with otelcol-contrib's
 * semantics (processor/tailsamplingprocessor/internal/sampling/ files):
 * attribute policies look at resource attributes, then span attributes;
 * invert_match answers INVERT_NOT_SAMPLED when anything matches and
 * INVERT_SAMPLED otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tail_sampling.h"

static const char *const type_names[] = {
    "always_sample",     "latency",       "status_code",   "string_attribute", "numeric_attribute",
    "boolean_attribute", "probabilistic", "rate_limiting", "span_count",       "trace_state",
    "and",               "drop",          "ottl_condition", "composite",
};

tsamp_ptype tsamp_ptype_parse(const char *type) {
  for (size_t i = 0; type && i < sizeof(type_names) / sizeof(type_names[0]); i++)
    if (!strcmp(type, type_names[i])) return (tsamp_ptype)i;
  return TSAMP_P_UNKNOWN;
}

static int status_mask(const otlpd_strings *s, unsigned *mask, char *err, size_t errlen) {
  static const char *const names[] = {"UNSET", "OK", "ERROR"}; /* Status.code 0, 1, 2 */
  *mask = 0;
  for (size_t i = 0; i < s->n; i++) {
    size_t k = 0;
    while (k < 3 && strcmp(s->v[i], names[k])) k++;
    if (k == 3) {
      snprintf(err, errlen, "unknown status code \"%s\", supported: OK, ERROR, UNSET", s->v[i]);
      return -EINVAL;
    }
    *mask |= 1u << k;
  }
  if (!*mask) {
    snprintf(err, errlen, "status_codes: at least one status code is needed");
    return -EINVAL;
  }
  return 0;
}

static int compile_regexes(tsamp_policy *p, const otlpd_strings *v, char *err, size_t errlen) {
  p->re = calloc(v->n ? v->n : 1, sizeof(*p->re));
  if (!p->re) return -ENOMEM;
  for (; p->n_re < v->n; p->n_re++) {
    int rc = regcomp(&p->re[p->n_re], v->v[p->n_re], REG_EXTENDED | REG_NOSUB);
    if (rc) {
      char msg[128];
      regerror(rc, &p->re[p->n_re], msg, sizeof(msg));
      snprintf(err, errlen, "values: bad regular expression \"%s\": %s", v->v[p->n_re], msg);
      return -EINVAL;
    }
  }
  return 0;
}

static int64_t bound(const otlpd_value *v, int64_t unset) {
  if (v->kind == OTLPD_VALUE_INT) return v->i;
  if (v->kind == OTLPD_VALUE_DOUBLE) return (int64_t)v->d;
  return unset;
}

static int need_key(const char *key, char *err, size_t errlen) {
  if (key && *key) return 0;
  snprintf(err, errlen, "key: missing");
  return -EINVAL;
}

/* and_ok: composite's sub-policies may be `and` (whose own are basic). */
int tsamp_subs_init(tsamp_policy *p, const otlpd_sections *s, bool and_ok, char *err, size_t errlen) {
  if (s->n == 0) {
    snprintf(err, errlen, "no sub-policies");
    return -EINVAL;
  }
  if (!(p->subs = calloc(s->n, sizeof(*p->subs)))) {
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
  }
  const tsamp_policy_cfg *sc = s->v;
  for (size_t i = 0; i < s->n; i++) {
    tsamp_ptype t = tsamp_ptype_parse(sc[i].type);
    bool nested = t == TSAMP_P_DROP || t == TSAMP_P_COMPOSITE || t == TSAMP_P_OTTL || (t == TSAMP_P_AND && !and_ok);
    int rc = nested ? (snprintf(err, errlen, "%s cannot be a sub-policy here", sc[i].type), -EINVAL)
                    : tsamp_policy_init(&p->subs[i], &sc[i], err, errlen);
    if (rc) {
      tsamp_policy_fini(p);
      return rc;
    }
    p->n_subs++;
  }
  return 0;
}

int tsamp_policy_init(tsamp_policy *p, const tsamp_policy_cfg *c, char *err, size_t errlen) {
  memset(p, 0, sizeof(*p));
  p->cfg = c;
  p->type = tsamp_ptype_parse(c->type);
  switch (p->type) {
  case TSAMP_P_STATUS: return status_mask(&c->status_code.status_codes, &p->status_mask, err, errlen);
  case TSAMP_P_STRING: {
    if (need_key(c->string_attribute.key, err, errlen)) return -EINVAL;
    if (!c->string_attribute.enabled_regex_matching) return 0;
    int rc = compile_regexes(p, &c->string_attribute.values, err, errlen);
    if (rc) tsamp_policy_fini(p);
    return rc;
  }
  case TSAMP_P_NUMERIC:
    if (need_key(c->numeric_attribute.key, err, errlen)) return -EINVAL;
    p->min = bound(&c->numeric_attribute.min_value, INT64_MIN);
    p->max = bound(&c->numeric_attribute.max_value, INT64_MAX);
    if (p->min > p->max) {
      snprintf(err, errlen, "min_value (%lld) is greater than max_value (%lld)", (long long)p->min,
               (long long)p->max);
      return -EINVAL;
    }
    return 0;
  case TSAMP_P_BOOL: return need_key(c->boolean_attribute.key, err, errlen);
  case TSAMP_P_TRACE_STATE: return need_key(c->trace_state.key, err, errlen);
  case TSAMP_P_PROB:
    p->threshold = tsamp_prob_threshold(c->probabilistic.sampling_percentage);
    p->salt = c->probabilistic.hash_salt && *c->probabilistic.hash_salt ? c->probabilistic.hash_salt
                                                                         : "default-hash-seed";
    return 0;
  case TSAMP_P_AND:
  case TSAMP_P_DROP:
    return tsamp_subs_init(p, p->type == TSAMP_P_AND ? &c->and_.subs : &c->drop.subs, false, err, errlen);
  case TSAMP_P_COMPOSITE: return tsamp_composite_init(p, &c->composite, err, errlen);
  case TSAMP_P_OTTL: return tsamp_ottl_init(p, &c->ottl_condition, err, errlen);
  case TSAMP_P_UNKNOWN: snprintf(err, errlen, "unknown policy type"); return -EINVAL;
  default: return 0;
  }
}

void tsamp_policy_fini(tsamp_policy *p) {
  for (size_t i = 0; i < p->n_re; i++) regfree(&p->re[i]);
  free(p->re);
  p->re = NULL;
  p->n_re = 0;
  for (size_t i = 0; i < p->n_subs; i++) tsamp_policy_fini(&p->subs[i]);
  free(p->subs);
  p->subs = NULL;
  free(p->alloc);
  free(p->used);
  p->alloc = p->used = NULL;
  p->n_subs = 0;
  tsamp_ottl_fini(p);
}

/* ---- walking a trace ---- */

typedef bool (*span_pred)(const tsamp_policy *p, const otlp_span *sp);
typedef bool (*value_pred)(const tsamp_policy *p, const otlp_any_value *v);

static bool any_span(const tsamp_policy *p, const tsamp_trace_view *t, span_pred f) {
  for (size_t i = 0; i < t->req->n_resource_spans; i++) {
    const otlp_resource_spans *rs = t->req->resource_spans[i];
    for (size_t j = 0; j < rs->n_scope_spans; j++)
      for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++)
        if (f(p, rs->scope_spans[j]->spans[k])) return true;
  }
  return false;
}

static bool attrs_match(const tsamp_policy *p, size_t n, otlp_key_value *const *kv, const char *key,
                        value_pred f) {
  for (size_t i = 0; i < n; i++)
    if (kv[i]->key && kv[i]->value && !strcmp(kv[i]->key, key) && f(p, kv[i]->value)) return true;
  return false;
}

/* Does any resource or span carry key with a value f accepts? */
static bool any_attr(const tsamp_policy *p, const tsamp_trace_view *t, const char *key, value_pred f) {
  for (size_t i = 0; i < t->req->n_resource_spans; i++) {
    const otlp_resource_spans *rs = t->req->resource_spans[i];
    if (rs->resource && attrs_match(p, rs->resource->n_attributes, rs->resource->attributes, key, f))
      return true;
    for (size_t j = 0; j < rs->n_scope_spans; j++)
      for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++) {
        const otlp_span *sp = rs->scope_spans[j]->spans[k];
        if (attrs_match(p, sp->n_attributes, sp->attributes, key, f)) return true;
      }
  }
  return false;
}

static tsamp_decision matched(bool match, bool invert) {
  if (invert) return match ? TSAMP_INVERT_NOT_SAMPLED : TSAMP_INVERT_SAMPLED;
  return match ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
}

#define VCASE(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x

static bool string_ok(const tsamp_policy *p, const otlp_any_value *v) {
  if (v->value_case != VCASE(STRING_VALUE) || !v->string_value) return false;
  if (p->re) {
    for (size_t i = 0; i < p->n_re; i++)
      if (!regexec(&p->re[i], v->string_value, 0, NULL, 0)) return true;
    return false;
  }
  const otlpd_strings *vals = &p->cfg->string_attribute.values;
  for (size_t i = 0; i < vals->n; i++)
    if (!strcmp(vals->v[i], v->string_value)) return true;
  return false;
}

static bool numeric_ok(const tsamp_policy *p, const otlp_any_value *v) {
  return v->value_case == VCASE(INT_VALUE) && v->int_value >= p->min && v->int_value <= p->max;
}

static bool bool_ok(const tsamp_policy *p, const otlp_any_value *v) {
  return v->value_case == VCASE(BOOL_VALUE) && (bool)v->bool_value == p->cfg->boolean_attribute.value;
}

static bool status_ok(const tsamp_policy *p, const otlp_span *sp) {
  unsigned code = sp->status ? (unsigned)sp->status->code : 0;
  return code < 3 && (p->status_mask >> code & 1u);
}

/* Is key=value, value in the list, a member of the span's W3C tracestate? */
static bool trace_state_ok(const tsamp_policy *p, const otlp_span *sp) {
  const char *ts = sp->trace_state, *key = p->cfg->trace_state.key;
  size_t klen = strlen(key);
  while (ts && *ts) {
    while (*ts == ' ' || *ts == '\t' || *ts == ',') ts++;
    size_t len = strcspn(ts, ",");
    if (len > klen && !strncmp(ts, key, klen) && ts[klen] == '=') {
      const char *val = ts + klen + 1;
      size_t vlen = len - klen - 1;
      while (vlen && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t')) vlen--;
      const otlpd_strings *vals = &p->cfg->trace_state.values;
      for (size_t i = 0; i < vals->n; i++)
        if (strlen(vals->v[i]) == vlen && !strncmp(vals->v[i], val, vlen)) return true;
    }
    ts += len;
  }
  return false;
}

/* otelcol: duration from the earliest start to the latest end. */
static tsamp_decision latency(const tsamp_policy *p, const tsamp_trace_view *t) {
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < t->req->n_resource_spans; i++) {
    const otlp_resource_spans *rs = t->req->resource_spans[i];
    for (size_t j = 0; j < rs->n_scope_spans; j++)
      for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++) {
        const otlp_span *sp = rs->scope_spans[j]->spans[k];
        if (sp->start_time_unix_nano < lo) lo = sp->start_time_unix_nano;
        if (sp->end_time_unix_nano > hi) hi = sp->end_time_unix_nano;
      }
  }
  if (hi < lo) return TSAMP_NOT_SAMPLED;
  int64_t ms = (int64_t)((hi - lo) / 1000000u);
  const tsamp_latency_cfg *c = &p->cfg->latency;
  bool ok = c->upper_threshold_ms == 0 ? ms >= c->threshold_ms
                                       : ms > c->threshold_ms && ms <= c->upper_threshold_ms;
  return ok ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
}

/* otelcol: spans counted per wall-clock second; a trace is kept while the
 * second's total including it stays within spans_per_second. */
static tsamp_decision rate(tsamp_policy *p, const tsamp_trace_view *t) {
  if (p->rate_second != t->now_sec) {
    p->rate_second = t->now_sec;
    p->rate_spans = 0;
  }
  int64_t total = p->rate_spans + (int64_t)t->spans;
  if (total > p->cfg->rate_limiting.spans_per_second) return TSAMP_NOT_SAMPLED;
  p->rate_spans = total;
  return TSAMP_SAMPLED;
}

static tsamp_decision span_count(const tsamp_policy *p, const tsamp_trace_view *t) {
  int64_t n = (int64_t)t->spans, lo = p->cfg->span_count.min_spans, hi = p->cfg->span_count.max_spans;
  return n >= lo && (hi == 0 || n <= hi) ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
}

/* and / drop, as otelcol's: a sub-policy that does not keep the trace (not
 * sampled, or inverted not sampled) ends it with NOT_SAMPLED; if every one
 * keeps it, `and` samples it and `drop` drops it (which wins over all). */
static tsamp_decision all_subs(tsamp_policy *p, const tsamp_trace_view *t, tsamp_decision all) {
  for (size_t i = 0; i < p->n_subs; i++) {
    tsamp_decision d = tsamp_policy_eval(&p->subs[i], t);
    if (d == TSAMP_NOT_SAMPLED || d == TSAMP_INVERT_NOT_SAMPLED) return TSAMP_NOT_SAMPLED;
  }
  return all;
}

tsamp_decision tsamp_policy_eval(tsamp_policy *p, const tsamp_trace_view *t) {
  const tsamp_policy_cfg *c = p->cfg;
  switch (p->type) {
  case TSAMP_P_ALWAYS: return TSAMP_SAMPLED;
  case TSAMP_P_LATENCY: return latency(p, t);
  case TSAMP_P_STATUS: return any_span(p, t, status_ok) ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
  case TSAMP_P_STRING:
    return matched(any_attr(p, t, c->string_attribute.key, string_ok), c->string_attribute.invert_match);
  case TSAMP_P_NUMERIC:
    return matched(any_attr(p, t, c->numeric_attribute.key, numeric_ok), c->numeric_attribute.invert_match);
  case TSAMP_P_BOOL:
    return matched(any_attr(p, t, c->boolean_attribute.key, bool_ok), c->boolean_attribute.invert_match);
  case TSAMP_P_PROB:
    return tsamp_fnv64a(p->salt, t->id, 16) <= p->threshold ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
  case TSAMP_P_RATE: return rate(p, t);
  case TSAMP_P_COUNT: return span_count(p, t);
  case TSAMP_P_TRACE_STATE: return any_span(p, t, trace_state_ok) ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
  case TSAMP_P_AND: return all_subs(p, t, TSAMP_SAMPLED);
  case TSAMP_P_DROP: return all_subs(p, t, TSAMP_DROPPED);
  case TSAMP_P_OTTL: return tsamp_ottl_eval(p, t);
  case TSAMP_P_COMPOSITE: return tsamp_composite_eval(p, t);
  default: return TSAMP_NOT_SAMPLED;
  }
}

bool tsamp_final(const tsamp_decision *d, size_t n) {
  bool seen[TSAMP_DROPPED + 1] = {false};
  for (size_t i = 0; i < n; i++) seen[d[i]] = true;
  if (seen[TSAMP_DROPPED]) return false;
  if (seen[TSAMP_SAMPLED]) return true;
  if (seen[TSAMP_INVERT_NOT_SAMPLED]) return false;
  return seen[TSAMP_INVERT_SAMPLED];
}
