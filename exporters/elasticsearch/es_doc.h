/* Elasticsearch documents written straight from the decoded OTLP structs
 * into a reused buffer with otlpd/json_write.h (one escaper: control
 * characters escaped, invalid UTF-8 as U+FFFD). No DOM, no allocation but
 * the buffer's growth. Each function appends one JSON object (no newline)
 * and returns 0 or -ENOMEM. */
#ifndef OTLPD_ES_DOC_H
#define OTLPD_ES_DOC_H

#include <stdbool.h>
#include <stdint.h>

#include "es_route.h"
#include "otlpd/buf.h"
#include "otlpd/otlp.h"

typedef Opentelemetry__Proto__Trace__V1__Span__Event otlp_span_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link otlp_span_link;

#define ES_TRY(x)              \
  do {                         \
    int rc_ = (x);             \
    if (rc_ < 0) return rc_;   \
  } while (0)

/* What every document of one resource/scope shares. */
typedef struct es_doc_ctx {
  const otlp_resource *resource; /* may be NULL */
  const char *resource_schema_url;
  const otlp_scope *scope;       /* may be NULL */
  const char *scope_schema_url;
  const es_index *idx;
  /* otel mode: the `"resource":{...},"scope":{...}` members, encoded once
   * per scope and copied into each document (NULL: encoded each time). */
  const otlpd_buf *rs_json;
} es_doc_ctx;

/* mapping::mode otel (es_doc_otel.c): the layout Elasticsearch's OTel
 * data streams map (@timestamp, attributes.*, resource.attributes.*,
 * scope.*, body.text / body.structured, data_stream.*). */
int es_doc_otel_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr);
int es_doc_otel_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s);
/* A span event is a document of its own in otel mode (a logs document). */
int es_doc_otel_span_event(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s,
                           const otlp_span_event *e);

/* Pieces of the otel layout other otel documents (metrics) share:
 * `"attributes":{...}` (left out when empty; extra_key/extra_val one more
 * string member or NULL), `"data_stream":{...}` (only for data streams),
 * `"resource":{...},"scope":{...}`. */
int es_otel_attributes(otlpd_buf *b, bool *first, otlp_key_value *const *kv, size_t n, const char *extra_key,
                       const char *extra_val);
int es_otel_data_stream(otlpd_buf *b, bool *first, const es_index *idx);
int es_otel_resource_scope(otlpd_buf *b, bool *first, const es_doc_ctx *c);

/* mapping::mode ecs (es_doc_ecs.c): Elastic Common Schema as contrib
 * writes it (resource attributes renamed to ECS fields, the rest at the
 * top level, nested objects). Span events are not documents in ecs mode. */
int es_doc_ecs_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr);
int es_doc_ecs_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s);
/* One ECS metrics document: the data points of one group (es_doc_metrics.c
 * calls back for each point's metric name and value). */
typedef struct es_ecs_metrics {
  uint64_t ts;                   /* @timestamp of the group */
  otlp_key_value *const *attrs;  /* the group's data point attributes */
  size_t n_attrs;
  size_t n;                      /* data points */
  const char *(*name)(const void *arg, size_t i);
  int (*value)(otlpd_buf *b, const void *arg, size_t i);
  const void *arg;
} es_ecs_metrics;
int es_doc_ecs_metrics(otlpd_buf *b, const es_doc_ctx *c, const es_ecs_metrics *m);

/* mapping::mode none and raw (es_doc_raw.c): contrib's flat layout
 * (@timestamp, TraceId, Body, Attributes.*, Resource.*, Scope.*); raw
 * drops the Attributes. and Events. prefixes. */
int es_doc_raw_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr, bool raw);
int es_doc_raw_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s, bool raw);

/* ---- shared pieces (es_doc_value.c) ---- */

/* `,"key":` (no comma when *first; clears it). */
int es_key(otlpd_buf *b, bool *first, const char *key);
/* `,"<prefix>.<key>":` or `,"<key>":` when prefix is empty. */
int es_key2(otlpd_buf *b, bool *first, const char *prefix, size_t plen, const char *key);
/* A value as JSON: strings, integers, booleans, doubles (always with a
 * radix point or exponent so Elasticsearch maps them as floating point),
 * bytes as base64, arrays, maps as objects; unset as null. */
int es_value(otlpd_buf *b, const otlp_any_value *v);
/* An attribute list as one object's members (after `{`). skip_routing:
 * leave out the attributes es_routing_attr names, as otel mode does;
 * skip_key (may be NULL): one more key left out (a member written
 * separately, so no key appears twice: Elasticsearch refuses that). */
int es_attr_members(otlpd_buf *b, bool *first, otlp_key_value *const *kv, size_t n, bool skip_routing,
                    const char *skip_key);
/* data_stream.* and the elasticsearch.* attributes that steer indexing. */
bool es_routing_attr(const char *key);
/* ns since the epoch as "<millis>.<6 digits of nanos>" (a JSON string). */
int es_ts_millis(otlpd_buf *b, uint64_t ns);
/* ns since the epoch as "2006-01-02T15:04:05.000000000Z". */
int es_ts_rfc3339(otlpd_buf *b, uint64_t ns);
/* bytes as a quoted lower-case hex string. */
int es_hex(otlpd_buf *b, const uint8_t *p, size_t n);
/* Appends n bytes; inline because documents are built of many short
 * pieces (punctuation, keys) where a call per piece shows in profiles. */
static inline int es_put(otlpd_buf *b, const void *p, size_t n) {
  if (b->cap - b->len < n) return otlpd_buf_append(b, p, n);
  __builtin_memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}
/* A raw string (literal JSON syntax). */
#define es_lit(b, s) es_put((b), (s), __builtin_strlen(s))
/* `,"<key>":` for a literal key that needs no escaping (no comma when
 * *first; clears it). */
#define ES_KEY_LIT(b, first, key) es_key_lit((b), (first), "," "\"" key "\":", sizeof("," "\"" key "\":") - 1)
static inline int es_key_lit(otlpd_buf *b, bool *first, const char *s, size_t n) {
  int skip = *first;
  *first = false;
  return es_put(b, s + skip, n - (size_t)skip);
}

#endif
