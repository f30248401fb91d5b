/* A subset of the OpenTelemetry Transformation Language (OTTL), enough for
 * the filter and transform processors' common conditions. Expressions are
 * compiled once at start into a small tree (ottl_parse.c) that is then
 * evaluated per item without allocating (ottl_eval.c). The grammar and the
 * paths each context knows are in README.md. Not thread-safe per compiled
 * expression: its regex match data and scratch buffers are reused. */
#ifndef OTLPD_OTTL_H
#define OTLPD_OTTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/data.h"

typedef enum {
  OTTL_SPAN = 0,
  OTTL_SPANEVENT,
  OTTL_LOG,
  OTTL_METRIC,
  OTTL_DATAPOINT,
  OTTL_CTX_COUNT
} ottl_context;

const char *ottl_context_name(ottl_context c); /* "span", "spanevent", ... */

/* Where and why an expression was refused; col is 1-based. */
typedef struct ottl_error {
  int col;
  char msg[200];
} ottl_error;

typedef Opentelemetry__Proto__Trace__V1__Span__Event otlp_span_event;

/* The item an expression reads and what it belongs to. dp is a
 * Number/Histogram/ExponentialHistogram/SummaryDataPoint as metric's
 * data_case says. Unused members are NULL. */
typedef struct ottl_item {
  const otlp_resource *resource;
  const otlp_scope *scope;
  const otlp_span *span;   /* span, and the span of a spanevent */
  const otlp_span_event *event;
  const otlp_log_record *log;
  const otlp_metric *metric; /* metric, and the metric of a datapoint */
  const void *dp;
} ottl_item;

/* A value an expression reads; strings, bytes, maps and slices are
 * borrowed from the item. */
typedef enum {
  V_NIL = 0,
  V_BOOL,
  V_INT,
  V_DOUBLE,
  V_STRING,
  V_BYTES,
  V_MAP,   /* p: otlp_key_value *const *, len: count */
  V_SLICE, /* p: otlp_any_value *const *, len: count */
} ottl_vtype;

typedef struct ottl_val {
  ottl_vtype t;
  bool b;
  int64_t i;
  double d;
  const void *p; /* STRING: chars; BYTES: bytes; MAP/SLICE: arrays */
  size_t len;
} ottl_val;

typedef struct ottl_node ottl_node;

/* A compiled boolean condition. */
typedef struct ottl_cond {
  ottl_node *root;
  ottl_context ctx;
} ottl_cond;

/* Compile src for context ctx. prefixed: paths must name their context
 * (span.name, resource.attributes[...]), as in the flat
 * trace_conditions / *_statements forms. NULL with *err filled on a
 * syntax error or anything outside the subset. */
ottl_cond *ottl_cond_compile(const char *src, ottl_context ctx, bool prefixed, ottl_error *err);
void ottl_cond_free(ottl_cond *c);

/* 1 true, 0 false, -1 error (*why: static text, e.g. Len of an int). */
int ottl_cond_eval(ottl_cond *c, const ottl_item *it, const char **why);

/* The context of a flat condition / statement of a signal, from the
 * context prefixes of its paths: the most specific one named (spanevent
 * over span, datapoint over metric); resource./scope. alone give the
 * signal's item context (span, metric, log). */
ottl_context ottl_infer_context(const char *src, otlpd_signal s);

/* ---- statements (ottl_stmt.c): editor(args) [where condition] ---- */
typedef enum {
  OTTL_SET,
  OTTL_DELETE_KEY,
  OTTL_DELETE_MATCHING_KEYS,
  OTTL_REPLACE_PATTERN,
  OTTL_TRUNCATE_ALL,
  OTTL_LIMIT,
} ottl_editor;

typedef enum {
  OTTL_T_ATTR,      /* attributes["k"] */
  OTTL_T_RES_ATTR,  /* resource.attributes["k"] */
  OTTL_T_ATTRS,     /* attributes (the map) */
  OTTL_T_RES_ATTRS, /* resource.attributes */
  OTTL_T_NAME,
  OTTL_T_BODY,
  OTTL_T_SEV_TEXT,
  OTTL_T_SEV_NUM,
  OTTL_T_STATUS_CODE,
} ottl_target;

typedef struct ottl_stmt {
  ottl_editor editor;
  ottl_target target;
  ottl_context ctx;
  const char *key;     /* OTTL_T_ATTR / RES_ATTR */
  ottl_node *target_node;
  ottl_node *value;    /* set */
  char *str;           /* delete_key's key, replace_pattern's replacement */
  void *re, *md;       /* pcre2 code and match data (compiled once) */
  int64_t n;           /* truncate_all, limit */
  char **keys;         /* limit's priority keys */
  size_t n_keys;
  ottl_cond *where;    /* NULL: always */
  char *buf;           /* replace_pattern's output, grown when needed */
  size_t buf_cap;
} ottl_stmt;

ottl_stmt *ottl_stmt_compile(const char *src, ottl_context ctx, bool prefixed, ottl_error *err);
void ottl_stmt_free(ottl_stmt *s);
/* The value set() writes: 0, or -1 with *why. */
int ottl_stmt_value(ottl_stmt *s, const ottl_item *it, ottl_val *out, const char **why);
/* The target's current value. */
void ottl_stmt_target(ottl_stmt *s, const ottl_item *it, ottl_val *out);
/* Does the regex match? (delete_matching_keys, replace_pattern) */
bool ottl_stmt_match(ottl_stmt *s, const char *str, size_t len);
/* replace_pattern: all matches replaced ($1, ${name} groups); the text
 * lives in s->buf until the next call. NULL when nothing matched or on
 * error. */
const char *ottl_stmt_replace(ottl_stmt *s, const char *str, size_t len, size_t *out_len);
/* OTTL's comparison of two values (mismatched types: only != holds);
 * op 0 is ==. */
bool ottl_equal(const ottl_val *a, const ottl_val *b);

/* Data points of a metric (any type): how many, and the i-th one. */
size_t ottl_metric_points(const otlp_metric *m);
const void *ottl_metric_point(const otlp_metric *m, size_t i);

#endif
