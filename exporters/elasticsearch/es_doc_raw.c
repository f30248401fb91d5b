/* mapping::mode none and raw: otelcol-contrib's older flat layout
 * (@timestamp, TraceId, SpanId, SeverityText, Body, Attributes.*,
 * Resource.*, Scope.*; spans with EndTimestamp, Kind, Duration in
 * microseconds and their events as Events.<name>.*). raw leaves out the
 * Attributes. and Events. prefixes. Maps are flattened into dotted keys
 * (contrib's dedot then nests them; Elasticsearch maps both alike). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "es_doc.h"
#include "otlpd/json_write.h"

#define PATH_MAX_LEN 512

static int flat(otlpd_buf *b, bool *first, const char *prefix, size_t plen, const char *key,
                const otlp_any_value *v, int depth);

/* Members of a map under path prefix.key (a nested object if the path
 * would be too long or too deep). */
static int flat_map(otlpd_buf *b, bool *first, const char *prefix, size_t plen,
                    otlp_key_value *const *kv, size_t n, int depth) {
  for (size_t i = 0; i < n; i++) {
    if (!kv[i]) continue;
    ES_TRY(flat(b, first, prefix, plen, kv[i]->key ? kv[i]->key : "", kv[i]->value, depth));
  }
  return 0;
}

static int flat(otlpd_buf *b, bool *first, const char *prefix, size_t plen, const char *key,
                const otlp_any_value *v, int depth) {
  if (!v || v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) return 0;
  size_t klen = strlen(key);
  if (v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE && depth < 8 &&
      plen + klen + 2 < PATH_MAX_LEN) {
    char path[PATH_MAX_LEN];
    size_t n = 0;
    if (plen) {
      memcpy(path, prefix, plen);
      path[plen] = '.';
      n = plen + 1;
    }
    memcpy(path + n, key, klen);
    n += klen;
    const otlp_kvlist *l = v->kvlist_value;
    return l ? flat_map(b, first, path, n, l->values, l->n_values, depth + 1) : 0;
  }
  ES_TRY(es_key2(b, first, prefix, plen, key));
  return es_value(b, v);
}

static int attrs(otlpd_buf *b, bool *first, const char *prefix, otlp_key_value *const *kv, size_t n) {
  return flat_map(b, first, prefix, strlen(prefix), kv, n, 0);
}

/* A record's attributes; data_stream.* are left out when the document
 * goes to a data stream: the routed (sanitized) values are written at
 * the top level instead, and a key twice is a document ES refuses. */
static int record_attrs(otlpd_buf *b, bool *first, bool raw, const es_index *idx, otlp_key_value *const *kv,
                        size_t n) {
  const char *prefix = raw ? "" : "Attributes";
  for (size_t i = 0; i < n; i++) {
    if (!kv[i]) continue;
    const char *k = kv[i]->key ? kv[i]->key : "";
    if (idx && idx->data_stream && strncmp(k, "data_stream.", 12) == 0) continue;
    if (strcmp(k, "elasticsearch.index") == 0) continue; /* routing only (contrib drops it too) */
    ES_TRY(flat(b, first, prefix, strlen(prefix), k, kv[i]->value, 0));
  }
  return 0;
}

static int id_field(otlpd_buf *b, bool *first, const char *key, ProtobufCBinaryData id) {
  bool zero = true;
  for (size_t i = 0; i < id.len; i++) zero = zero && id.data[i] == 0;
  if (zero) return 0;
  ES_TRY(es_key(b, first, key));
  return es_hex(b, id.data, id.len);
}

static int str_field(otlpd_buf *b, bool *first, const char *key, const char *v) {
  if (!v || !*v) return 0;
  ES_TRY(es_key(b, first, key));
  return otlpd_json_str(b, v);
}

static int int_field(otlpd_buf *b, bool *first, const char *key, int64_t v) {
  ES_TRY(es_key(b, first, key));
  return otlpd_json_i64(b, v, 0);
}

static int data_stream(otlpd_buf *b, bool *first, const es_index *idx) {
  if (!idx || !idx->data_stream) return 0;
  ES_TRY(str_field(b, first, "data_stream.type", idx->type));
  ES_TRY(str_field(b, first, "data_stream.dataset", idx->dataset));
  return str_field(b, first, "data_stream.namespace", idx->ns);
}

static int resource_scope(otlpd_buf *b, bool *first, const es_doc_ctx *c) {
  if (c->resource) ES_TRY(attrs(b, first, "Resource", c->resource->attributes, c->resource->n_attributes));
  if (!c->scope) return 0;
  ES_TRY(str_field(b, first, "Scope.name", c->scope->name));
  ES_TRY(str_field(b, first, "Scope.version", c->scope->version));
  return attrs(b, first, "Scope", c->scope->attributes, c->scope->n_attributes);
}

int es_doc_raw_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr, bool raw) {
  bool first = true;
  uint64_t ts = lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano;
  ES_TRY(es_lit(b, "{"));
  ES_TRY(es_key(b, &first, "@timestamp"));
  ES_TRY(es_ts_rfc3339(b, ts));
  ES_TRY(data_stream(b, &first, c->idx));
  ES_TRY(id_field(b, &first, "TraceId", lr->trace_id));
  ES_TRY(id_field(b, &first, "SpanId", lr->span_id));
  ES_TRY(int_field(b, &first, "TraceFlags", lr->flags & 0xff));
  ES_TRY(str_field(b, &first, "SeverityText", lr->severity_text));
  ES_TRY(int_field(b, &first, "SeverityNumber", lr->severity_number));
  ES_TRY(flat(b, &first, "", 0, "Body", lr->body, 0));
  ES_TRY(record_attrs(b, &first, raw, c->idx, lr->attributes, lr->n_attributes));
  ES_TRY(resource_scope(b, &first, c));
  return es_lit(b, "}");
}

static const char *kind_name(int k) {
  static const char *const names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                      "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
  return k >= 0 && k <= 5 ? names[k] : "";
}

/* Link: a JSON text in a string, as contrib writes it (ids only here). */
static int link_text(otlpd_buf *b, bool *first, const otlp_span *s) {
  if (!s->n_links) return 0;
  ES_TRY(es_key(b, first, "Link"));
  ES_TRY(es_lit(b, "\"["));
  for (size_t i = 0; i < s->n_links; i++) {
    const otlp_span_link *l = s->links[i];
    if (!l) continue;
    ES_TRY(es_lit(b, i ? ",{\\\"traceId\\\":\\\"" : "{\\\"traceId\\\":\\\""));
    for (size_t j = 0; j < l->trace_id.len; j++) ES_TRY(otlpd_buf_printf(b, "%02x", l->trace_id.data[j]));
    ES_TRY(es_lit(b, "\\\",\\\"spanId\\\":\\\""));
    for (size_t j = 0; j < l->span_id.len; j++) ES_TRY(otlpd_buf_printf(b, "%02x", l->span_id.data[j]));
    ES_TRY(es_lit(b, "\\\"}"));
  }
  return es_lit(b, "]\"");
}

static int events(otlpd_buf *b, bool *first, const otlp_span *s, bool raw) {
  char path[PATH_MAX_LEN];
  for (size_t i = 0; i < s->n_events; i++) {
    const otlp_span_event *e = s->events[i];
    if (!e) continue;
    int n = snprintf(path, sizeof(path), "%s%s%s", raw ? "" : "Events", raw ? "" : ".", e->name ? e->name : "");
    if (n < 0 || (size_t)n >= sizeof(path)) continue;
    ES_TRY(es_key2(b, first, path, (size_t)n, "time"));
    ES_TRY(es_ts_rfc3339(b, e->time_unix_nano));
    ES_TRY(flat_map(b, first, path, (size_t)n, e->attributes, e->n_attributes, 0));
  }
  return 0;
}

int es_doc_raw_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s, bool raw) {
  bool first = true;
  ES_TRY(es_lit(b, "{"));
  ES_TRY(es_key(b, &first, "@timestamp"));
  ES_TRY(es_ts_rfc3339(b, s->start_time_unix_nano));
  ES_TRY(es_key(b, &first, "EndTimestamp"));
  ES_TRY(es_ts_rfc3339(b, s->end_time_unix_nano));
  ES_TRY(data_stream(b, &first, c->idx));
  ES_TRY(id_field(b, &first, "TraceId", s->trace_id));
  ES_TRY(id_field(b, &first, "SpanId", s->span_id));
  ES_TRY(id_field(b, &first, "ParentSpanId", s->parent_span_id));
  ES_TRY(str_field(b, &first, "Name", s->name));
  ES_TRY(str_field(b, &first, "Kind", kind_name(s->kind)));
  ES_TRY(int_field(b, &first, "TraceStatus", s->status ? s->status->code : 0));
  ES_TRY(str_field(b, &first, "TraceStatusDescription", s->status ? s->status->message : NULL));
  ES_TRY(link_text(b, &first, s));
  ES_TRY(record_attrs(b, &first, raw, c->idx, s->attributes, s->n_attributes));
  ES_TRY(resource_scope(b, &first, c));
  ES_TRY(events(b, &first, s, raw));
  uint64_t dur = s->end_time_unix_nano > s->start_time_unix_nano ? s->end_time_unix_nano - s->start_time_unix_nano : 0;
  ES_TRY(int_field(b, &first, "Duration", (int64_t)(dur / 1000u)));
  return es_lit(b, "}");
}
