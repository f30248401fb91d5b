/* attributes processor settings: otelcol's `actions`, `include`, `exclude`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attributes_processor.h"
#include "otlpd/config.h"

static const otlpd_setting kv_settings[] = {
    OTLPD_S_STRING(attrs_kv_cfg, "key", key, NULL, "attribute key"),
    OTLPD_S_VALUE(attrs_kv_cfg, "value", value, "value it must have (regexp: a pattern); absent: the key must exist"),
    OTLPD_S_END,
};

static const otlpd_setting lib_settings[] = {
    OTLPD_S_STRING(attrs_lib_cfg, "name", name, NULL, "instrumentation scope name"),
    OTLPD_S_STRING(attrs_lib_cfg, "version", version, NULL, "scope version (absent: any)"),
    OTLPD_S_END,
};

static const otlpd_setting severity_settings[] = {
    OTLPD_S_VALUE(attrs_severity_cfg, "min", min, "lowest severity matched: a number 1-24 or a name (INFO, WARN2...)"),
    OTLPD_S_BOOL(attrs_severity_cfg, "match_undefined", match_undefined, "false",
                 "records without a severity number match"),
    OTLPD_S_END,
};

static const otlpd_setting match_settings[] = {
    OTLPD_S_STRING(attrs_match_cfg, "match_type", match_type, NULL, "strict or regexp"),
    OTLPD_S_IGNORED("regexp", "regexp cache options (cacheenabled...): no effect, patterns are compiled once"),
    OTLPD_S_STRINGS(attrs_match_cfg, "services", services, "traces: resource service.name"),
    OTLPD_S_STRINGS(attrs_match_cfg, "span_names", span_names, "traces: span name"),
    OTLPD_S_STRINGS(attrs_match_cfg, "span_kinds", span_kinds, "traces: SPAN_KIND_SERVER, SPAN_KIND_CLIENT..."),
    OTLPD_S_SECTIONS(attrs_match_cfg, "attributes", attributes, attrs_kv_cfg, kv_settings,
                     "traces, logs: item attributes (all must match)"),
    OTLPD_S_SECTIONS(attrs_match_cfg, "resources", resources, attrs_kv_cfg, kv_settings,
                     "resource attributes (all must match)"),
    OTLPD_S_SECTIONS(attrs_match_cfg, "libraries", libraries, attrs_lib_cfg, lib_settings,
                     "traces, logs: instrumentation scope name / version"),
    OTLPD_S_STRINGS(attrs_match_cfg, "log_bodies", log_bodies, "logs: body"),
    OTLPD_S_STRINGS(attrs_match_cfg, "log_severity_texts", log_severity_texts, "logs: severity text"),
    OTLPD_S_SECTION_P(attrs_match_cfg, "log_severity_number", log_severity_number, severity_set,
                      severity_settings, "logs: severity number at least min"),
    OTLPD_S_STRINGS(attrs_match_cfg, "metric_names", metric_names, "metrics: metric name"),
    OTLPD_S_END,
};

const otlpd_setting attributes_settings[] = {
    OTLPD_S_SECTIONS(attributes_cfg, "actions", actions, attraction_item_cfg, attraction_item_settings,
                     "actions applied in order to each matching item's attributes"),
    OTLPD_S_SECTION_P(attributes_cfg, "include", include, include_set, match_settings,
                      "only items matching these properties are changed"),
    OTLPD_S_SECTION_P(attributes_cfg, "exclude", exclude, exclude_set, match_settings,
                      "items matching these properties are left alone"),
    OTLPD_S_END,
};

static const char *const severity_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

int attrs_severity_parse(const otlpd_value *v) {
  if (v->kind == OTLPD_VALUE_INT) return v->i >= 0 && v->i <= 24 ? (int)v->i : -1;
  if (v->kind != OTLPD_VALUE_STRING || !v->s) return -1;
  if (!*v->s || !strcasecmp(v->s, "unspecified") || !strcasecmp(v->s, "default")) return 0;
  for (int k = 0; k < 6; k++) {
    size_t n = strlen(severity_names[k]);
    if (strncasecmp(v->s, severity_names[k], n)) continue;
    const char *d = v->s + n;
    if (!*d) return 4 * k + 1;
    if (d[0] >= '1' && d[0] <= '4' && !d[1]) return 4 * k + (d[0] - '0');
  }
  return -1;
}

static const char *const span_kinds[] = {"SPAN_KIND_INTERNAL", "SPAN_KIND_CLIENT", "SPAN_KIND_SERVER",
                                         "SPAN_KIND_CONSUMER", "SPAN_KIND_PRODUCER"};

static bool is_regexp(const attrs_match_cfg *m) { return m->match_type && !strcmp(m->match_type, "regexp"); }

static void check_regexes(const otlpd_strings *l, const char *p, const char *key, otlpd_errors *errs) {
  for (size_t i = 0; i < l->n; i++) {
    attraction_regex r;
    char err[400];
    if (attraction_regex_compile(&r, l->v[i], err, sizeof(err)))
      otlpd_errorf(errs, "%s::%s[%zu]: %s", p, key, i, err);
    else
      attraction_regex_free(&r);
  }
}

static void check_one(const char *pattern, const char *p, const char *key, size_t i, const char *sub,
                      otlpd_errors *errs) {
  attraction_regex r;
  char err[400];
  if (attraction_regex_compile(&r, pattern, err, sizeof(err)))
    otlpd_errorf(errs, "%s::%s[%zu]::%s: %s", p, key, i, sub, err);
  else
    attraction_regex_free(&r);
}

static void check_kvs(const otlpd_sections *s, bool regexp, const char *p, const char *key, otlpd_errors *errs) {
  for (size_t i = 0; i < s->n; i++) {
    const attrs_kv_cfg *kv = (const attrs_kv_cfg *)s->v + i;
    if (!kv->key || !*kv->key) otlpd_errorf(errs, "%s::%s[%zu]::key: missing", p, key, i);
    if (!regexp || kv->value.kind == OTLPD_VALUE_NONE) continue;
    if (kv->value.kind != OTLPD_VALUE_STRING) {
      otlpd_errorf(errs, "%s::%s[%zu]::value: match_type regexp needs a string pattern", p, key, i);
      continue;
    }
    check_one(kv->value.s, p, key, i, "value", errs);
  }
}

/* The rules that do not depend on the signal. */
static void check_match(const attrs_match_cfg *m, const char *p, otlpd_errors *errs) {
  bool regexp = is_regexp(m);
  if (!m->match_type || (!regexp && strcmp(m->match_type, "strict"))) {
    otlpd_errorf(errs, "%s::match_type: %s \"%s\" (strict or regexp)", p, m->match_type ? "invalid value" : "missing",
                 m->match_type ? m->match_type : "");
    return;
  }
  if (regexp) {
    check_regexes(&m->services, p, "services", errs);
    check_regexes(&m->span_names, p, "span_names", errs);
    check_regexes(&m->span_kinds, p, "span_kinds", errs);
    check_regexes(&m->log_bodies, p, "log_bodies", errs);
    check_regexes(&m->log_severity_texts, p, "log_severity_texts", errs);
    check_regexes(&m->metric_names, p, "metric_names", errs);
  } else {
    for (size_t i = 0; i < m->span_kinds.n; i++) {
      bool ok = false;
      for (int k = 0; k < 5; k++) ok |= !strcmp(m->span_kinds.v[i], span_kinds[k]);
      if (!ok)
        otlpd_errorf(errs, "%s::span_kinds[%zu]: \"%s\" is not a span kind (SPAN_KIND_INTERNAL, SPAN_KIND_CLIENT, "
                     "SPAN_KIND_SERVER, SPAN_KIND_CONSUMER, SPAN_KIND_PRODUCER)", p, i, m->span_kinds.v[i]);
    }
  }
  check_kvs(&m->attributes, regexp, p, "attributes", errs);
  check_kvs(&m->resources, regexp, p, "resources", errs);
  for (size_t i = 0; i < m->libraries.n; i++) {
    const attrs_lib_cfg *l = (const attrs_lib_cfg *)m->libraries.v + i;
    if (!l->name) otlpd_errorf(errs, "%s::libraries[%zu]::name: missing", p, i);
    if (!regexp) continue;
    if (l->name) check_one(l->name, p, "libraries", i, "name", errs);
    if (l->version) check_one(l->version, p, "libraries", i, "version", errs);
  }
  if (m->severity_set && attrs_severity_parse(&m->log_severity_number.min) < 0)
    otlpd_errorf(errs, "%s::log_severity_number::min: invalid severity \"%s\" (1-24 or TRACE..FATAL4)", p,
                 m->log_severity_number.min.s ? m->log_severity_number.min.s : "");
}

int attributes_validate(const void *config, const char *path, otlpd_errors *errs) {
  const attributes_cfg *c = config;
  size_t before = errs->n;
  char p[512];
  snprintf(p, sizeof(p), "%s::actions", path);
  attraction_validate(&c->actions, p, true, errs);
  snprintf(p, sizeof(p), "%s::include", path);
  if (c->include_set) check_match(&c->include, p, errs);
  snprintf(p, sizeof(p), "%s::exclude", path);
  if (c->exclude_set) check_match(&c->exclude, p, errs);
  return errs->n > before ? -EINVAL : 0;
}

/* otelcol's MatchProperties.ValidateFor{Spans,Logs,Metrics}. */
static void check_for_signal(const attrs_match_cfg *m, otlpd_signal s, const char *p, otlpd_errors *errs) {
  bool span_keys = m->services.n || m->span_names.n || m->span_kinds.n;
  bool log_keys = m->log_bodies.n || m->log_severity_texts.n || m->severity_set;
  switch (s) {
  case OTLPD_TRACES:
    if (log_keys || m->metric_names.n)
      otlpd_errorf(errs, "%s: log_bodies, log_severity_texts, log_severity_number and metric_names are not valid "
                   "for traces", p);
    else if (!span_keys && !m->attributes.n && !m->libraries.n && !m->resources.n)
      otlpd_errorf(errs, "%s: at least one of \"services\", \"span_names\", \"span_kinds\", \"attributes\", "
                   "\"libraries\" or \"resources\" must be specified", p);
    break;
  case OTLPD_LOGS:
    if (span_keys || m->metric_names.n)
      otlpd_errorf(errs, "%s: services, span_names, span_kinds and metric_names are not valid for logs", p);
    else if (!log_keys && !m->attributes.n && !m->libraries.n && !m->resources.n)
      otlpd_errorf(errs, "%s: at least one of \"attributes\", \"libraries\", \"resources\", \"log_bodies\", "
                   "\"log_severity_texts\" or \"log_severity_number\" must be specified", p);
    break;
  default:
    if (span_keys || log_keys || m->attributes.n || m->libraries.n)
      otlpd_errorf(errs, "%s: span_names, span_kinds, log_bodies, log_severity_texts, log_severity_number, "
                   "services, attributes and libraries are not valid for metrics", p);
    else if (!m->metric_names.n && !m->resources.n)
      otlpd_errorf(errs, "%s: at least one of \"metric_names\" or \"resources\" must be specified", p);
    break;
  }
}

int attributes_check_signal(const attributes_cfg *c, otlpd_signal s, const char *path, otlpd_errors *errs) {
  size_t before = errs->n;
  char p[512];
  snprintf(p, sizeof(p), "%s::include (in a %s pipeline)", path, otlpd_signal_name(s));
  if (c->include_set) check_for_signal(&c->include, s, p, errs);
  snprintf(p, sizeof(p), "%s::exclude (in a %s pipeline)", path, otlpd_signal_name(s));
  if (c->exclude_set) check_for_signal(&c->exclude, s, p, errs);
  return errs->n > before ? -EINVAL : 0;
}

/* The signals of the pipelines naming this instance are known only once
 * service:: is built. */
int attributes_validate_refs(const void *config, const char *path, const otlpd_config *c, otlpd_errors *errs) {
  int rc = 0;
  for (size_t i = 0; i < c->n_components; i++) {
    if (c->components[i].config != config) continue;
    for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++)
      if ((c->components[i].signals_used & OTLPD_SIGNAL_BIT(s)) &&
          attributes_check_signal(config, (otlpd_signal)s, path, errs))
        rc = -EINVAL;
  }
  return rc;
}
