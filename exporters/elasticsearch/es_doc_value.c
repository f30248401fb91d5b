/* JSON pieces every document layout shares; see es_doc.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "otlpd/bytes_text.h"
#include "es_doc.h"
#include "otlpd/json_write.h"

/* Deeper nesting than this is written as null (decoded input is
 * untrusted; the recursion must stay bounded). */
#define ES_MAX_DEPTH 32

int es_key(otlpd_buf *b, bool *first, const char *key) {
  ES_TRY(*first ? es_put(b, "\"", 1) : es_put(b, ",\"", 2));
  *first = false;
  ES_TRY(otlpd_json_escaped(b, key, strlen(key)));
  return es_put(b, "\":", 2);
}

int es_key2(otlpd_buf *b, bool *first, const char *prefix, size_t plen, const char *key) {
  if (!plen) return es_key(b, first, key);
  if (!*first) ES_TRY(es_put(b, ",", 1));
  *first = false;
  ES_TRY(otlpd_buf_append(b, "\"", 1));
  ES_TRY(otlpd_json_escaped(b, prefix, plen));
  ES_TRY(otlpd_buf_append(b, ".", 1));
  ES_TRY(otlpd_json_escaped(b, key ? key : "", key ? strlen(key) : 0));
  return otlpd_buf_append(b, "\":", 2);
}

/* 1.0 must read back as a double: Elasticsearch maps the first value it
 * sees, and "1" would make the field a long. */
static int write_double(otlpd_buf *b, double d) {
  size_t at = b->len;
  ES_TRY(otlpd_json_double(b, d, 0));
  for (size_t i = at; i < b->len; i++)
    if (b->data[i] == '.' || b->data[i] == 'e' || b->data[i] == 'E' || b->data[i] == '"') return 0;
  return otlpd_buf_append(b, ".0", 2);
}

static int value_depth(otlpd_buf *b, const otlp_any_value *v, int depth);

static int members_depth(otlpd_buf *b, otlp_key_value *const *kv, size_t n, int depth) {
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (!kv[i]) continue;
    ES_TRY(es_key(b, &first, kv[i]->key ? kv[i]->key : ""));
    ES_TRY(value_depth(b, kv[i]->value, depth));
  }
  return 0;
}

static int value_depth(otlpd_buf *b, const otlp_any_value *v, int depth) {
  if (!v || depth > ES_MAX_DEPTH) return es_lit(b, "null");
  switch (v->value_case) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
    return otlpd_json_str(b, v->string_value);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
    return es_lit(b, v->bool_value ? "true" : "false");
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
    return otlpd_json_i64(b, v->int_value, 0);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
    return write_double(b, v->double_value);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
    ES_TRY(otlpd_buf_append(b, "\"", 1));
    ES_TRY(otlpd_base64_encode(b, v->bytes_value.data, v->bytes_value.len));
    return otlpd_buf_append(b, "\"", 1);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
    ES_TRY(es_put(b, "[", 1));
    const otlp_array_value *a = v->array_value;
    for (size_t i = 0; a && i < a->n_values; i++) {
      if (i) ES_TRY(es_put(b, ",", 1));
      ES_TRY(value_depth(b, a->values[i], depth + 1));
    }
    return es_put(b, "]", 1);
  }
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
    ES_TRY(es_put(b, "{", 1));
    const otlp_kvlist *l = v->kvlist_value;
    if (l) ES_TRY(members_depth(b, l->values, l->n_values, depth + 1));
    return es_put(b, "}", 1);
  }
  default:
    return es_lit(b, "null");
  }
}

int es_value(otlpd_buf *b, const otlp_any_value *v) { return value_depth(b, v, 0); }

bool es_routing_attr(const char *k) {
  if (k[0] != 'd' && k[0] != 'e') return false; /* most keys: one compare */
  return strncmp(k, "data_stream.", 12) == 0 || strcmp(k, "elasticsearch.index") == 0 ||
         strcmp(k, "elasticsearch.mapping.hints") == 0 || strcmp(k, "elasticsearch.mapping.mode") == 0 ||
         strcmp(k, "elasticsearch.document_id") == 0 || strcmp(k, "elasticsearch.document_pipeline") == 0;
}

int es_attr_members(otlpd_buf *b, bool *first, otlp_key_value *const *kv, size_t n, bool skip_routing,
                    const char *skip_key) {
  for (size_t i = 0; i < n; i++) {
    if (!kv[i]) continue;
    const char *k = kv[i]->key ? kv[i]->key : "";
    if (skip_routing && es_routing_attr(k)) continue;
    if (skip_key && strcmp(k, skip_key) == 0) continue;
    ES_TRY(es_key(b, first, k));
    ES_TRY(value_depth(b, kv[i]->value, 1));
  }
  return 0;
}

/* Decimal digits of v, right-aligned into the end of p; returns the start. */
static char *digits_back(char *end, uint64_t v) {
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

/* Without printf: two timestamps per document are hot. */
int es_ts_millis(otlpd_buf *b, uint64_t ns) {
  char t[32], *end = t + sizeof(t);
  *--end = '"';
  uint64_t frac = ns % 1000000u;
  for (int i = 0; i < 6; i++, frac /= 10) *--end = (char)('0' + frac % 10);
  *--end = '.';
  char *p = digits_back(end, ns / 1000000u);
  *--p = '"';
  return otlpd_buf_append(b, p, (size_t)(t + sizeof(t) - p));
}

int es_ts_rfc3339(otlpd_buf *b, uint64_t ns) {
  time_t sec = (time_t)(ns / 1000000000u);
  struct tm tm;
  if (!gmtime_r(&sec, &tm)) memset(&tm, 0, sizeof(tm));
  return otlpd_buf_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z\"", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          ns % 1000000000u);
}

int es_hex(otlpd_buf *b, const uint8_t *p, size_t n) {
  static const char hexd[] = "0123456789abcdef";
  ES_TRY(otlpd_buf_reserve(b, 2 * n + 2));
  char *o = (char *)b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    *o++ = hexd[p[i] >> 4];
    *o++ = hexd[p[i] & 15];
  }
  *o++ = '"';
  b->len = (size_t)((uint8_t *)o - b->data);
  return 0;
}
