/* attributes processor: otelcol's attribute actions (collector/attraction/)
 * on span (and span event), log record and metric data point attributes,
 * limited by otelcol's include / exclude match properties (filterconfig).
 * Edits go through the copy-on-write API of data.h. */
#ifndef OTLPD_ATTRIBUTES_PROCESSOR_H
#define OTLPD_ATTRIBUTES_PROCESSOR_H

#include "attraction/attraction.h"
#include "otlpd/component.h"

/* `attributes:` / `resources:` items of a match. */
typedef struct attrs_kv_cfg {
  char *key;
  otlpd_value value;
} attrs_kv_cfg;

/* `libraries:` items; version NULL = any version. */
typedef struct attrs_lib_cfg {
  char *name;
  char *version;
} attrs_lib_cfg;

typedef struct attrs_severity_cfg {
  otlpd_value min; /* a number or a name (INFO, warn2...) */
  bool match_undefined;
} attrs_severity_cfg;

/* otelcol's filterconfig.MatchProperties. */
typedef struct attrs_match_cfg {
  char *match_type;
  otlpd_strings services, span_names, span_kinds, log_bodies, log_severity_texts, metric_names;
  otlpd_sections attributes; /* attrs_kv_cfg */
  otlpd_sections resources;  /* attrs_kv_cfg */
  otlpd_sections libraries;  /* attrs_lib_cfg */
  attrs_severity_cfg log_severity_number;
  bool severity_set;
} attrs_match_cfg;

typedef struct attributes_cfg {
  otlpd_sections actions; /* attraction_item_cfg */
  attrs_match_cfg include, exclude;
  bool include_set, exclude_set;
} attributes_cfg;

extern const otlpd_setting attributes_settings[];
int attributes_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
int attributes_validate_refs(const void *cfg, const char *path, const struct otlpd_config *c,
                             struct otlpd_errors *errs);
/* The matchers this signal may use, as otelcol's ValidateFor{Spans,Logs,
 * Metrics}; path names the processor. 0 or -EINVAL. */
int attributes_check_signal(const attributes_cfg *c, otlpd_signal s, const char *path,
                            struct otlpd_errors *errs);
/* A severity name or number (min); -1 when invalid. */
int attrs_severity_parse(const otlpd_value *v);

/* ---- matching (attributes_match.c) ---- */

/* filterset: any of a list, strict (equal) or regexp (found anywhere). */
typedef struct attrs_strset {
  char *const *v;
  attraction_regex *re; /* regexp: one per entry */
  size_t n;             /* 0: not configured (matches everything) */
} attrs_strset;

typedef struct attrs_kv_match {
  const char *key;
  const otlpd_value *value; /* NULL: the key must exist */
  attraction_regex re;      /* regexp with a value */
} attrs_kv_match;

typedef struct attrs_lib_match {
  attrs_strset name, version; /* version.n == 0: any */
} attrs_lib_match;

typedef struct attrs_matcher {
  bool set;
  bool regexp;
  attrs_strset services, span_names, span_kinds, log_bodies, severity_texts, metric_names;
  attrs_kv_match *attrs, *resources;
  size_t nattrs, nresources;
  attrs_lib_match *libs;
  size_t nlibs;
  bool severity;
  int severity_min;
  bool severity_undefined;
} attrs_matcher;

int attrs_matcher_build(attrs_matcher *m, const attrs_match_cfg *c, bool set);
void attrs_matcher_free(attrs_matcher *m);

/* What one item is matched against. */
typedef struct attrs_subject {
  const otlp_resource *resource;
  const otlp_scope *scope;
  size_t nattrs;
  otlp_key_value *const *attrs; /* span / log record attributes (not metrics) */
  const otlp_span *span;
  const otlp_log_record *log;
  const otlp_metric *metric;
} attrs_subject;

bool attrs_matches(const attrs_matcher *m, const attrs_subject *s);

#endif
