/* filter processor settings: otelcol-contrib's keys (filterprocessor
 * config.go): error_mode, the per-context OTTL lists, the flat
 * *_conditions lists with the context inferred, and of the legacy
 * include/exclude form only metrics' metric_names (strict / regexp),
 * rewritten into OTTL conditions. The other legacy keys are config errors
 * pointing to the OTTL form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/config.h"
#include "filter.h"

static const char *const modes[] = {"propagate", "ignore", "silent", NULL};

/* The legacy include/exclude keys are read so that the error can point
 * to the OTTL form; only metrics' match_type + metric_names work. */
static const otlpd_setting match_settings[] = {
    OTLPD_S_STRING(filter_match_cfg, "match_type", match_type, NULL, "strict or regexp"),
    OTLPD_S_STRINGS(filter_match_cfg, "metric_names", metric_names, "metric names (or regexes) matched"),
    OTLPD_S_STRINGS(filter_match_cfg, "services", other[0], "legacy: not supported (config error)"),
    OTLPD_S_STRINGS(filter_match_cfg, "span_names", other[1], "legacy: not supported (config error)"),
    OTLPD_S_STRINGS(filter_match_cfg, "span_kinds", other[2], "legacy: not supported (config error)"),
    OTLPD_S_STRINGS(filter_match_cfg, "log_bodies", other[3], "legacy: not supported (config error)"),
    OTLPD_S_STRINGS(filter_match_cfg, "log_severity_texts", other[4], "legacy: not supported (config error)"),
    OTLPD_S_STRINGS(filter_match_cfg, "expressions", other[5], "legacy: not supported (config error)"),
    OTLPD_S_IGNORED("attributes", "legacy: not supported"),
    OTLPD_S_IGNORED("resources", "legacy: not supported"),
    OTLPD_S_IGNORED("libraries", "legacy: not supported"),
    OTLPD_S_IGNORED("record_attributes", "legacy: not supported"),
    OTLPD_S_IGNORED("resource_attributes", "legacy: not supported"),
    OTLPD_S_IGNORED("log_severity_number", "legacy: not supported"),
    OTLPD_S_IGNORED("regexp", "legacy: regexp cache settings"),
    OTLPD_S_END,
};

static const otlpd_setting traces_settings[] = {
    OTLPD_S_STRINGS(filter_cfg, "span", traces.span, "OTTL conditions in the span context; a match drops the span"),
    OTLPD_S_STRINGS(filter_cfg, "spanevent", traces.spanevent,
                    "OTTL conditions in the spanevent context; a match drops the event"),
    OTLPD_S_END,
};

static const otlpd_setting metrics_settings[] = {
    OTLPD_S_STRINGS(filter_cfg, "metric", metrics.metric,
                    "OTTL conditions in the metric context; a match drops the metric"),
    OTLPD_S_STRINGS(filter_cfg, "datapoint", metrics.datapoint,
                    "OTTL conditions in the datapoint context; a match drops the point"),
    OTLPD_S_SECTION_P(filter_cfg, "include", metrics.include, metrics.has_include, match_settings,
                      "legacy: keep only metrics with these metric_names"),
    OTLPD_S_SECTION_P(filter_cfg, "exclude", metrics.exclude, metrics.has_exclude, match_settings,
                      "legacy: drop metrics with these metric_names"),
    OTLPD_S_END,
};

static const otlpd_setting logs_settings[] = {
    OTLPD_S_STRINGS(filter_cfg, "log_record", logs.log_record,
                    "OTTL conditions in the log context; a match drops the record"),
    OTLPD_S_SECTION_P(filter_cfg, "include", legacy[0], logs.has_include, match_settings,
                      "legacy form: not supported (use log_record)"),
    OTLPD_S_SECTION_P(filter_cfg, "exclude", legacy[1], logs.has_exclude, match_settings,
                      "legacy form: not supported (use log_record)"),
    OTLPD_S_END,
};

static const otlpd_setting spans_settings[] = {
    OTLPD_S_SECTION_P(filter_cfg, "include", legacy[2], spans.has_include, match_settings,
                      "legacy form: not supported (use traces::span)"),
    OTLPD_S_SECTION_P(filter_cfg, "exclude", legacy[3], spans.has_exclude, match_settings,
                      "legacy form: not supported (use traces::span)"),
    OTLPD_S_END,
};

const otlpd_setting filter_settings[] = {
    OTLPD_S_ENUM(filter_cfg, "error_mode", error_mode, "propagate", modes,
                 "on an evaluation error: propagate (refuse the batch), ignore (log, keep the item), silent"),
    {"traces", OTLPD_SET_SECTION, 0, NULL, "span / spanevent condition lists", traces_settings, NULL, 0, 0,
     OTLPD_NO_OFFSET, 0},
    {"metrics", OTLPD_SET_SECTION, 0, NULL, "metric / datapoint condition lists (legacy include/exclude: "
     "metric_names only)", metrics_settings, NULL, 0, 0, OTLPD_NO_OFFSET, 0},
    {"logs", OTLPD_SET_SECTION, 0, NULL, "log_record condition list", logs_settings, NULL, 0, 0, OTLPD_NO_OFFSET,
     0},
    {"spans", OTLPD_SET_SECTION, 0, NULL, "legacy include/exclude: not supported (use traces::span)",
     spans_settings, NULL, 0, 0, OTLPD_NO_OFFSET, 0},
    OTLPD_S_STRINGS(filter_cfg, "trace_conditions", trace_conditions,
                    "flat OTTL conditions; context inferred from the path prefixes (span., spanevent., resource.)"),
    OTLPD_S_STRINGS(filter_cfg, "metric_conditions", metric_conditions,
                    "flat OTTL conditions; context inferred (metric., datapoint., resource.)"),
    OTLPD_S_STRINGS(filter_cfg, "log_conditions", log_conditions,
                    "flat OTTL conditions; context inferred (log., resource.)"),
    OTLPD_S_END,
};

static int add(filter_conds *c, ottl_cond *k) {
  ottl_cond **v = realloc(c->v, (c->n + 1) * sizeof(*v));
  if (!v) {
    ottl_cond_free(k);
    return -ENOMEM;
  }
  c->v = v;
  c->v[c->n++] = k;
  return 0;
}

/* Compile one expression into r; reports `path[i]: "expr": column N: why`. */
static int compile(filter_rules *r, const char *src, int ctx, bool flat, otlpd_signal s, const char *path,
                   size_t i, otlpd_errors *errs) {
  ottl_error err;
  ottl_context cx = ctx >= 0 ? (ottl_context)ctx : ottl_infer_context(src, s);
  ottl_cond *k = ottl_cond_compile(src, cx, flat, &err);
  if (!k) {
    if (errs) otlpd_errorf(errs, "%s[%zu]: \"%s\": column %d: %s", path, i, src, err.col, err.msg);
    return -EINVAL;
  }
  return add(&r->ctx[cx], k);
}

static int compile_list(filter_rules *r, const otlpd_strings *l, int ctx, otlpd_signal s, const char *path,
                        const char *key, otlpd_errors *errs) {
  char p[512];
  snprintf(p, sizeof(p), "%s::%s", path, key);
  int rc = 0;
  for (size_t i = 0; i < l->n; i++) {
    int e = compile(r, l->v[i], ctx, ctx < 0, s, p, i, errs);
    if (e == -ENOMEM) return e;
    if (e) rc = e;
  }
  return rc;
}

/* An OTTL string literal of s (quotes and backslashes escaped). */
static size_t quote(char *out, size_t cap, const char *s) {
  size_t n = 0;
  if (n < cap) out[n] = '"';
  n++;
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      if (n < cap) out[n] = '\\';
      n++;
    }
    if (n < cap) out[n] = *s;
    n++;
  }
  if (n < cap) out[n] = '"';
  return n + 1;
}

/* metric_names as one OTTL condition: "name == "a" or IsMatch(name, "b")",
 * negated for include (metrics not named are dropped). */
static char *legacy_expr(const filter_match_cfg *m, bool include) {
  bool re = m->match_type && !strcmp(m->match_type, "regexp");
  size_t cap = 16;
  for (size_t i = 0; i < m->metric_names.n; i++) cap += 2 * strlen(m->metric_names.v[i]) + 32;
  char *e = malloc(cap);
  if (!e) return NULL;
  size_t n = (size_t)snprintf(e, cap, "%s", include ? "not (" : "");
  for (size_t i = 0; i < m->metric_names.n; i++) {
    n += (size_t)snprintf(e + n, cap - n, "%s%s", i ? " or " : "", re ? "IsMatch(name, " : "name == ");
    n += quote(e + n, cap - n, m->metric_names.v[i]);
    n += (size_t)snprintf(e + n, cap - n, "%s", re ? ")" : "");
  }
  snprintf(e + n, cap - n, "%s", include ? ")" : "");
  return e;
}

static int legacy_metrics(filter_rules *r, const filter_cfg *c, const char *path, otlpd_errors *errs) {
  const filter_match_cfg *m[2] = {c->metrics.has_include ? &c->metrics.include : NULL,
                                  c->metrics.has_exclude ? &c->metrics.exclude : NULL};
  for (int k = 0; k < 2; k++) {
    if (!m[k] || !m[k]->metric_names.n) continue;
    char *e = legacy_expr(m[k], k == 0);
    if (!e) return -ENOMEM;
    char p[512];
    snprintf(p, sizeof(p), "%s::metrics::%s::metric_names", path, k == 0 ? "include" : "exclude");
    int rc = compile(r, e, OTTL_METRIC, false, OTLPD_METRICS, p, 0, errs);
    free(e);
    if (rc) return rc;
  }
  return 0;
}

int filter_rules_build(const filter_cfg *c, otlpd_signal s, const char *path, filter_rules *out,
                       otlpd_errors *errs) {
  memset(out, 0, sizeof(*out));
  int rc = 0, e;
#define STEP(x)                     \
  do {                              \
    e = (x);                        \
    if (e == -ENOMEM) goto fail;    \
    if (e) rc = e;                  \
  } while (0)
  if (s == OTLPD_TRACES) {
    STEP(compile_list(out, &c->traces.span, OTTL_SPAN, s, path, "traces::span", errs));
    STEP(compile_list(out, &c->traces.spanevent, OTTL_SPANEVENT, s, path, "traces::spanevent", errs));
    STEP(compile_list(out, &c->trace_conditions, -1, s, path, "trace_conditions", errs));
  } else if (s == OTLPD_METRICS) {
    STEP(compile_list(out, &c->metrics.metric, OTTL_METRIC, s, path, "metrics::metric", errs));
    STEP(compile_list(out, &c->metrics.datapoint, OTTL_DATAPOINT, s, path, "metrics::datapoint", errs));
    STEP(compile_list(out, &c->metric_conditions, -1, s, path, "metric_conditions", errs));
    STEP(legacy_metrics(out, c, path, errs));
  } else {
    STEP(compile_list(out, &c->logs.log_record, OTTL_LOG, s, path, "logs::log_record", errs));
    STEP(compile_list(out, &c->log_conditions, -1, s, path, "log_conditions", errs));
  }
#undef STEP
  if (rc) filter_rules_free(out);
  return rc;
fail:
  if (errs) otlpd_errorf(errs, "%s: out of memory compiling conditions", path);
  filter_rules_free(out);
  return -ENOMEM;
}

void filter_rules_free(filter_rules *r) {
  for (int c = 0; c < OTTL_CTX_COUNT; c++) {
    for (size_t i = 0; i < r->ctx[c].n; i++) ottl_cond_free(r->ctx[c].v[i]);
    free(r->ctx[c].v);
    r->ctx[c].v = NULL;
    r->ctx[c].n = 0;
  }
}

static void check_legacy(const filter_cfg *c, const char *path, otlpd_errors *errs) {
  if (c->spans.has_include || c->spans.has_exclude)
    otlpd_errorf(errs, "%s::spans: the legacy include/exclude form is not supported; write OTTL conditions "
                       "under traces::span (e.g. 'attributes[\"http.route\"] == \"/health\"')", path);
  if (c->logs.has_include || c->logs.has_exclude)
    otlpd_errorf(errs, "%s::logs: the legacy include/exclude form is not supported; write OTTL conditions "
                       "under logs::log_record (e.g. 'severity_number < SEVERITY_NUMBER_WARN')", path);
  const filter_match_cfg *m[2] = {c->metrics.has_include ? &c->metrics.include : NULL,
                                  c->metrics.has_exclude ? &c->metrics.exclude : NULL};
  for (int k = 0; k < 2; k++) {
    if (!m[k]) continue;
    const char *key = k == 0 ? "include" : "exclude";
    const char *mt = m[k]->match_type;
    if (!mt || (strcmp(mt, "strict") && strcmp(mt, "regexp")))
      otlpd_errorf(errs, "%s::metrics::%s::match_type: \"%s\": only strict and regexp are supported (or write "
                         "OTTL conditions under metrics::metric)", path, key, mt ? mt : "");
    bool other = false;
    for (int o = 0; o < 6; o++) other |= m[k]->other[o].n > 0;
    if (other)
      otlpd_errorf(errs, "%s::metrics::%s: only match_type and metric_names are supported in the legacy form; "
                         "write OTTL conditions under metrics::metric or metrics::datapoint", path, key);
    if (!m[k]->metric_names.n)
      otlpd_errorf(errs, "%s::metrics::%s::metric_names: empty (only metric_names is supported in the legacy "
                         "form; write OTTL conditions under metrics::metric)", path, key);
  }
  if ((m[0] || m[1]) && (c->metrics.metric.n || c->metrics.datapoint.n))
    otlpd_errorf(errs, "%s::metrics: cannot use OTTL conditions and include/exclude at the same time", path);
}

int filter_validate(const void *config, const char *path, otlpd_errors *errs) {
  const filter_cfg *c = config;
  size_t before = errs->n;
  check_legacy(c, path, errs);
  if (errs->n > before) return -EINVAL;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    filter_rules r;
    if (filter_rules_build(c, (otlpd_signal)s, path, &r, errs) == 0) filter_rules_free(&r);
  }
  return errs->n > before ? -EINVAL : 0;
}
