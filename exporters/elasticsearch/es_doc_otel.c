/* mapping::mode otel: the document layout otelcol-contrib writes for
 * Elasticsearch's OTel-native data streams (logs-*.otel-*,
 * traces-*.otel-*). Fields at their defaults are left out as contrib
 * does; data_stream.* and elasticsearch.* attributes are not copied
 * under attributes (routing reads them). See README.md for an example. */
#include <string.h>

#include "es_doc.h"
#include "otlpd/json_write.h"

static size_t kept_attrs(otlp_key_value *const *kv, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (kv[i] && !es_routing_attr(kv[i]->key ? kv[i]->key : "")) k++;
  return k;
}

/* `,"attributes":{...}` unless nothing is left to write. extra: one more
 * string member (a span event's event.name), may be NULL. */
int es_otel_attributes(otlpd_buf *b, bool *first, otlp_key_value *const *kv, size_t n, const char *extra_key,
                       const char *extra_val) {
  if (!kept_attrs(kv, n) && !extra_key) return 0;
  ES_TRY(ES_KEY_LIT(b, first, "attributes"));
  ES_TRY(es_lit(b, "{"));
  bool f = true;
  ES_TRY(es_attr_members(b, &f, kv, n, true, extra_key));
  if (extra_key) {
    ES_TRY(es_key(b, &f, extra_key));
    ES_TRY(otlpd_json_str(b, extra_val));
  }
  return es_lit(b, "}");
}

/* Fields with literal keys: ES_KL("k") is the `,"k":` text and its length. */
#define ES_KL(key) "," "\"" key "\":", sizeof("," "\"" key "\":") - 1

static int str_field(otlpd_buf *b, bool *first, const char *key, size_t kn, const char *v) {
  if (!v || !*v) return 0;
  ES_TRY(es_key_lit(b, first, key, kn));
  return otlpd_json_str(b, v);
}

static int int_field(otlpd_buf *b, bool *first, const char *key, size_t kn, int64_t v) {
  if (!v) return 0;
  ES_TRY(es_key_lit(b, first, key, kn));
  return otlpd_json_i64(b, v, 0);
}

static int id_field(otlpd_buf *b, bool *first, const char *key, size_t kn, ProtobufCBinaryData id) {
  uint8_t any = 0;
  for (size_t i = 0; i < id.len; i++) any |= id.data[i];
  if (!any) return 0; /* pdata's IsEmpty: all zero bytes */
  ES_TRY(es_key_lit(b, first, key, kn));
  return es_hex(b, id.data, id.len);
}

int es_otel_data_stream(otlpd_buf *b, bool *first, const es_index *idx) {
  if (!idx || !idx->data_stream) return 0;
  ES_TRY(ES_KEY_LIT(b, first, "data_stream"));
  ES_TRY(es_lit(b, "{\"type\":"));
  ES_TRY(otlpd_json_str(b, idx->type));
  ES_TRY(es_lit(b, ",\"dataset\":"));
  ES_TRY(otlpd_json_str(b, idx->dataset));
  ES_TRY(es_lit(b, ",\"namespace\":"));
  ES_TRY(otlpd_json_str(b, idx->ns));
  return es_lit(b, "}");
}

int es_otel_resource_scope(otlpd_buf *b, bool *first, const es_doc_ctx *c) {
  if (c->rs_json) {
    if (!*first) ES_TRY(es_lit(b, ","));
    *first = false;
    return otlpd_buf_append(b, c->rs_json->data, c->rs_json->len);
  }
  bool f = true;
  ES_TRY(ES_KEY_LIT(b, first, "resource"));
  ES_TRY(es_lit(b, "{"));
  ES_TRY(str_field(b, &f, ES_KL("schema_url"), c->resource_schema_url));
  if (c->resource) {
    ES_TRY(es_otel_attributes(b, &f, c->resource->attributes, c->resource->n_attributes, NULL, NULL));
    ES_TRY(int_field(b, &f, ES_KL("dropped_attributes_count"), c->resource->dropped_attributes_count));
  }
  ES_TRY(es_lit(b, "}"));
  f = true;
  ES_TRY(ES_KEY_LIT(b, first, "scope"));
  ES_TRY(es_lit(b, "{"));
  ES_TRY(str_field(b, &f, ES_KL("schema_url"), c->scope_schema_url));
  if (c->scope) {
    ES_TRY(str_field(b, &f, ES_KL("name"), c->scope->name));
    ES_TRY(str_field(b, &f, ES_KL("version"), c->scope->version));
    ES_TRY(es_otel_attributes(b, &f, c->scope->attributes, c->scope->n_attributes, NULL, NULL));
    ES_TRY(int_field(b, &f, ES_KL("dropped_attributes_count"), c->scope->dropped_attributes_count));
  }
  return es_lit(b, "}");
}

static bool all_maps(const otlp_array_value *a) {
  for (size_t i = 0; a && i < a->n_values; i++)
    if (!a->values[i] ||
        a->values[i]->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE)
      return false;
  return true;
}

/* body.structured for maps and arrays of maps (other arrays wrapped as
 * {"value": [...]}: Elasticsearch cannot map a mixed array), body.text
 * for everything else. */
static int body(otlpd_buf *b, bool *first, const otlp_any_value *v) {
  if (!v || v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) return 0;
  ES_TRY(ES_KEY_LIT(b, first, "body"));
  switch (v->value_case) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
    ES_TRY(es_lit(b, "{\"structured\":"));
    ES_TRY(es_value(b, v));
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    if (all_maps(v->array_value)) {
      ES_TRY(es_lit(b, "{\"structured\":"));
      ES_TRY(es_value(b, v));
    } else {
      ES_TRY(es_lit(b, "{\"structured\":{\"value\":"));
      ES_TRY(es_value(b, v));
      ES_TRY(es_lit(b, "}"));
    }
    break;
  default:
    ES_TRY(es_lit(b, "{\"text\":"));
    ES_TRY(es_value(b, v));
    break;
  }
  return es_lit(b, "}");
}

static const char *attr_str(otlp_key_value *const *kv, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i] && kv[i]->key && strcmp(kv[i]->key, key) == 0 && kv[i]->value &&
        kv[i]->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
      return kv[i]->value->string_value;
  return NULL;
}

int es_doc_otel_log(otlpd_buf *b, const es_doc_ctx *c, const otlp_log_record *lr) {
  bool first = true;
  uint64_t ts = lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano;
  ES_TRY(es_lit(b, "{"));
  ES_TRY(ES_KEY_LIT(b, &first, "@timestamp"));
  ES_TRY(es_ts_millis(b, ts));
  ES_TRY(ES_KEY_LIT(b, &first, "observed_timestamp"));
  ES_TRY(es_ts_millis(b, lr->observed_time_unix_nano));
  ES_TRY(es_otel_data_stream(b, &first, c->idx));
  ES_TRY(str_field(b, &first, ES_KL("severity_text"), lr->severity_text));
  ES_TRY(int_field(b, &first, ES_KL("severity_number"), lr->severity_number));
  ES_TRY(id_field(b, &first, ES_KL("trace_id"), lr->trace_id));
  ES_TRY(id_field(b, &first, ES_KL("span_id"), lr->span_id));
  ES_TRY(es_otel_attributes(b, &first, lr->attributes, lr->n_attributes, NULL, NULL));
  ES_TRY(int_field(b, &first, ES_KL("dropped_attributes_count"), lr->dropped_attributes_count));
  const char *ev = lr->event_name && *lr->event_name
                       ? lr->event_name
                       : attr_str(lr->attributes, lr->n_attributes, "event.name");
  ES_TRY(str_field(b, &first, ES_KL("event_name"), ev));
  ES_TRY(es_otel_resource_scope(b, &first, c));
  ES_TRY(body(b, &first, lr->body));
  return es_lit(b, "}");
}

static const char *kind_name(int k) {
  static const char *const names[] = {"Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"};
  return k >= 0 && k <= 5 ? names[k] : "";
}

static const char *code_name(int k) {
  static const char *const names[] = {"Unset", "Ok", "Error"};
  return k >= 0 && k <= 2 ? names[k] : "";
}

static int links(otlpd_buf *b, bool *first, const otlp_span *s) {
  ES_TRY(ES_KEY_LIT(b, first, "links"));
  ES_TRY(es_lit(b, "["));
  for (size_t i = 0; i < s->n_links; i++) {
    const otlp_span_link *l = s->links[i];
    if (!l) continue;
    bool f = true;
    ES_TRY(es_lit(b, i ? ",{" : "{"));
    ES_TRY(id_field(b, &f, ES_KL("trace_id"), l->trace_id));
    ES_TRY(id_field(b, &f, ES_KL("span_id"), l->span_id));
    ES_TRY(str_field(b, &f, ES_KL("trace_state"), l->trace_state));
    ES_TRY(es_otel_attributes(b, &f, l->attributes, l->n_attributes, NULL, NULL));
    ES_TRY(int_field(b, &f, ES_KL("dropped_attributes_count"), l->dropped_attributes_count));
    ES_TRY(es_lit(b, "}"));
  }
  return es_lit(b, "]");
}

int es_doc_otel_span(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s) {
  bool first = true;
  ES_TRY(es_lit(b, "{"));
  ES_TRY(ES_KEY_LIT(b, &first, "@timestamp"));
  ES_TRY(es_ts_millis(b, s->start_time_unix_nano));
  ES_TRY(es_otel_data_stream(b, &first, c->idx));
  ES_TRY(id_field(b, &first, ES_KL("trace_id"), s->trace_id));
  ES_TRY(id_field(b, &first, ES_KL("span_id"), s->span_id));
  ES_TRY(str_field(b, &first, ES_KL("trace_state"), s->trace_state));
  ES_TRY(id_field(b, &first, ES_KL("parent_span_id"), s->parent_span_id));
  ES_TRY(str_field(b, &first, ES_KL("name"), s->name));
  ES_TRY(str_field(b, &first, ES_KL("kind"), kind_name(s->kind)));
  ES_TRY(ES_KEY_LIT(b, &first, "duration"));
  ES_TRY(otlpd_json_u64(b, s->end_time_unix_nano - s->start_time_unix_nano, 0));
  ES_TRY(es_otel_attributes(b, &first, s->attributes, s->n_attributes, NULL, NULL));
  ES_TRY(int_field(b, &first, ES_KL("dropped_attributes_count"), s->dropped_attributes_count));
  ES_TRY(int_field(b, &first, ES_KL("dropped_events_count"), s->dropped_events_count));
  ES_TRY(links(b, &first, s));
  ES_TRY(int_field(b, &first, ES_KL("dropped_links_count"), s->dropped_links_count));
  bool f = true;
  ES_TRY(ES_KEY_LIT(b, &first, "status"));
  ES_TRY(es_lit(b, "{"));
  ES_TRY(str_field(b, &f, ES_KL("message"), s->status ? s->status->message : NULL));
  ES_TRY(str_field(b, &f, ES_KL("code"), code_name(s->status ? (int)s->status->code : 0)));
  ES_TRY(es_lit(b, "}"));
  ES_TRY(es_otel_resource_scope(b, &first, c));
  return es_lit(b, "}");
}

int es_doc_otel_span_event(otlpd_buf *b, const es_doc_ctx *c, const otlp_span *s,
                           const otlp_span_event *e) {
  bool first = true;
  const char *name = e->name && *e->name ? e->name : NULL;
  ES_TRY(es_lit(b, "{"));
  ES_TRY(ES_KEY_LIT(b, &first, "@timestamp"));
  ES_TRY(es_ts_millis(b, e->time_unix_nano));
  ES_TRY(es_otel_data_stream(b, &first, c->idx));
  ES_TRY(id_field(b, &first, ES_KL("trace_id"), s->trace_id));
  ES_TRY(id_field(b, &first, ES_KL("span_id"), s->span_id));
  ES_TRY(int_field(b, &first, ES_KL("dropped_attributes_count"), e->dropped_attributes_count));
  ES_TRY(str_field(b, &first, ES_KL("event_name"), name));
  ES_TRY(es_otel_attributes(b, &first, e->attributes, e->n_attributes, name ? "event.name" : NULL, name));
  ES_TRY(es_otel_resource_scope(b, &first, c));
  return es_lit(b, "}");
}
