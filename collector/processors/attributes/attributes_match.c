/* include / exclude: otelcol's filterspan / filterlog / filtermetric
 * property matchers. Every configured property must match; a list
 * matches when any of its entries does (strict: equal; regexp: the
 * pattern is found anywhere, as Go's MatchString). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attributes_processor.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

static int strset_build(attrs_strset *s, char *const *v, size_t n, bool regexp) {
  char err[400];
  s->v = v;
  s->n = n;
  s->re = NULL;
  if (!regexp || !n) return 0;
  if (!(s->re = calloc(n, sizeof(*s->re)))) return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    if (attraction_regex_compile(&s->re[i], v[i], err, sizeof(err))) return -EINVAL;
  return 0;
}

static void strset_free(attrs_strset *s) {
  for (size_t i = 0; s->re && i < s->n; i++) attraction_regex_free(&s->re[i]);
  free(s->re);
  s->re = NULL;
}

static bool strset_matches(const attrs_strset *s, const char *str) {
  if (!str) str = "";
  size_t len = strlen(str);
  for (size_t i = 0; i < s->n; i++)
    if (s->re ? attraction_regex_search(&s->re[i], str, len) : !strcmp(s->v[i], str)) return true;
  return false;
}

static int kvs_build(attrs_kv_match **out, size_t *nout, const otlpd_sections *s, bool regexp) {
  char err[400];
  *nout = s->n;
  if (!(*out = calloc(s->n ? s->n : 1, sizeof(**out)))) return -ENOMEM;
  for (size_t i = 0; i < s->n; i++) {
    const attrs_kv_cfg *c = (const attrs_kv_cfg *)s->v + i;
    (*out)[i].key = c->key;
    if (c->value.kind == OTLPD_VALUE_NONE) continue;
    (*out)[i].value = &c->value;
    if (regexp && attraction_regex_compile(&(*out)[i].re, c->value.s, err, sizeof(err))) return -EINVAL;
  }
  return 0;
}

static void kvs_free(attrs_kv_match *kv, size_t n) {
  for (size_t i = 0; kv && i < n; i++) attraction_regex_free(&kv[i].re);
  free(kv);
}

int attrs_matcher_build(attrs_matcher *m, const attrs_match_cfg *c, bool set) {
  memset(m, 0, sizeof(*m));
  if (!(m->set = set)) return 0;
  bool re = m->regexp = c->match_type && !strcmp(c->match_type, "regexp");
  int rc = strset_build(&m->services, c->services.v, c->services.n, re);
  if (!rc) rc = strset_build(&m->span_names, c->span_names.v, c->span_names.n, re);
  if (!rc) rc = strset_build(&m->span_kinds, c->span_kinds.v, c->span_kinds.n, re);
  if (!rc) rc = strset_build(&m->log_bodies, c->log_bodies.v, c->log_bodies.n, re);
  if (!rc) rc = strset_build(&m->severity_texts, c->log_severity_texts.v, c->log_severity_texts.n, re);
  if (!rc) rc = strset_build(&m->metric_names, c->metric_names.v, c->metric_names.n, re);
  if (!rc) rc = kvs_build(&m->attrs, &m->nattrs, &c->attributes, re);
  if (!rc) rc = kvs_build(&m->resources, &m->nresources, &c->resources, re);
  if (!rc && c->libraries.n && !(m->libs = calloc(c->libraries.n, sizeof(*m->libs)))) rc = -ENOMEM;
  for (size_t i = 0; !rc && i < c->libraries.n; i++) {
    attrs_lib_cfg *l = (attrs_lib_cfg *)c->libraries.v + i;
    m->nlibs = i + 1;
    rc = strset_build(&m->libs[i].name, &l->name, 1, re);
    if (!rc && l->version) rc = strset_build(&m->libs[i].version, &l->version, 1, re);
  }
  m->severity = c->severity_set;
  if (m->severity) {
    m->severity_min = attrs_severity_parse(&c->log_severity_number.min);
    m->severity_undefined = c->log_severity_number.match_undefined;
  }
  if (rc) attrs_matcher_free(m);
  return rc;
}

void attrs_matcher_free(attrs_matcher *m) {
  attrs_strset *sets[] = {&m->services, &m->span_names, &m->span_kinds, &m->log_bodies, &m->severity_texts,
                          &m->metric_names};
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) strset_free(sets[i]);
  kvs_free(m->attrs, m->nattrs);
  kvs_free(m->resources, m->nresources);
  for (size_t i = 0; i < m->nlibs; i++) {
    strset_free(&m->libs[i].name);
    strset_free(&m->libs[i].version);
  }
  free(m->libs);
  memset(m, 0, sizeof(*m));
}

static const otlp_any_value *get(size_t n, otlp_key_value *const *kv, const char *key) {
  static const otlp_any_value empty = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  for (size_t k = 0; k < n; k++)
    if (kv[k]->key && !strcmp(kv[k]->key, key)) return kv[k]->value ? kv[k]->value : &empty;
  return NULL;
}

/* A scalar as text, as filtermatcher does for regexp values; NULL for
 * other types (which never match). */
static const char *scalar_text(const otlp_any_value *v, char *buf, size_t len) {
  switch (v->value_case) {
  case ANY(STRING_VALUE): return v->string_value ? v->string_value : "";
  case ANY(BOOL_VALUE): return v->bool_value ? "true" : "false";
  case ANY(INT_VALUE): snprintf(buf, len, "%" PRId64, v->int_value); return buf;
  case ANY(DOUBLE_VALUE): attraction_format_double(v->double_value, buf, len); return buf;
  default: return NULL;
  }
}

/* pcommon.Value.Equal against the YAML-typed config value. */
static bool equal(const otlp_any_value *v, const otlpd_value *want) {
  switch (want->kind) {
  case OTLPD_VALUE_STRING:
    return v->value_case == ANY(STRING_VALUE) && !strcmp(v->string_value ? v->string_value : "", want->s);
  case OTLPD_VALUE_INT: return v->value_case == ANY(INT_VALUE) && v->int_value == want->i;
  case OTLPD_VALUE_DOUBLE: return v->value_case == ANY(DOUBLE_VALUE) && v->double_value == want->d;
  case OTLPD_VALUE_BOOL: return v->value_case == ANY(BOOL_VALUE) && v->bool_value == want->b;
  default: return false;
  }
}

static bool kvs_match(const attrs_kv_match *m, size_t nm, size_t n, otlp_key_value *const *kv) {
  char buf[64];
  for (size_t i = 0; i < nm; i++) {
    const otlp_any_value *v = get(n, kv, m[i].key);
    if (!v) return false;
    if (!m[i].value) continue;
    if (m[i].re.code) {
      const char *s = scalar_text(v, buf, sizeof(buf));
      if (!s || !attraction_regex_search(&m[i].re, s, strlen(s))) return false;
    } else if (!equal(v, m[i].value)) {
      return false;
    }
  }
  return true;
}

static const char *span_kind_name(int k) {
  static const char *const names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                      "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  return k >= 0 && k < 6 ? names[k] : "";
}

static bool span_props(const attrs_matcher *m, const attrs_subject *s) {
  if (m->services.n) {
    const otlp_resource *r = s->resource;
    const otlp_any_value *v = r ? get(r->n_attributes, r->attributes, "service.name") : NULL;
    char buf[64];
    const char *name = v ? scalar_text(v, buf, sizeof(buf)) : NULL;
    if (!strset_matches(&m->services, name)) return false;
  }
  if (m->span_names.n && !strset_matches(&m->span_names, s->span->name)) return false;
  return !m->span_kinds.n || strset_matches(&m->span_kinds, span_kind_name((int)s->span->kind));
}

static bool log_props(const attrs_matcher *m, const attrs_subject *s) {
  const otlp_log_record *lr = s->log;
  if (m->log_bodies.n) {
    char buf[64];
    const char *body = NULL;
    if (lr->body && lr->body->value_case == ANY(STRING_VALUE)) body = lr->body->string_value;
    else if (lr->body && m->regexp) body = scalar_text(lr->body, buf, sizeof(buf));
    if (!body || !strset_matches(&m->log_bodies, body)) return false;
  }
  if (m->severity_texts.n && !strset_matches(&m->severity_texts, lr->severity_text)) return false;
  if (m->severity) {
    int n = (int)lr->severity_number;
    if (n == 0 ? !m->severity_undefined : n < m->severity_min) return false;
  }
  return true;
}

bool attrs_matches(const attrs_matcher *m, const attrs_subject *s) {
  if (s->span && !span_props(m, s)) return false;
  if (s->log && !log_props(m, s)) return false;
  if (s->metric && m->metric_names.n && !strset_matches(&m->metric_names, s->metric->name)) return false;
  for (size_t i = 0; i < m->nlibs; i++) {
    const char *name = s->scope && s->scope->name ? s->scope->name : "";
    const char *version = s->scope && s->scope->version ? s->scope->version : "";
    if (!strset_matches(&m->libs[i].name, name)) return false;
    if (m->libs[i].version.n && !strset_matches(&m->libs[i].version, version)) return false;
  }
  if (m->nresources) {
    const otlp_resource *r = s->resource;
    if (!kvs_match(m->resources, m->nresources, r ? r->n_attributes : 0, r ? r->attributes : NULL)) return false;
  }
  return !m->nattrs || kvs_match(m->attrs, m->nattrs, s->nattrs, s->attrs);
}
