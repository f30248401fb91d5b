/* Attribute and body values as Loki lines and labels need them: plain
 * text, plain JSON (the value itself, not OTLP-JSON's {"stringValue":..}
 * form, as otelcol-contrib's Loki translator wrote) and logfmt. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loki.h"
#include "otlpd/json_write.h"
#include "otlpd/otlp.h"

#define V_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define V_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define V_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define V_DOUBLE OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define V_ARRAY OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define V_KVLIST OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE
#define V_BYTES OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE

static int base64(otlpd_buf *b, const uint8_t *p, size_t n) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (otlpd_buf_reserve(b, (n + 2) / 3 * 4) < 0) return -ENOMEM;
  uint8_t *o = b->data + b->len;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    *o++ = (uint8_t)tbl[v >> 18];
    *o++ = (uint8_t)tbl[(v >> 12) & 63];
    *o++ = i + 1 < n ? (uint8_t)tbl[(v >> 6) & 63] : '=';
    *o++ = i + 2 < n ? (uint8_t)tbl[v & 63] : '=';
  }
  b->len = (size_t)(o - b->data);
  return 0;
}

int loki_value_json(otlpd_buf *b, const otlp_any_value *v) {
  if (!v) return otlpd_buf_append(b, "null", 4);
  switch (v->value_case) {
  case V_STRING: return otlpd_json_str(b, v->string_value);
  case V_BOOL: return v->bool_value ? otlpd_buf_append(b, "true", 4) : otlpd_buf_append(b, "false", 5);
  case V_INT: return otlpd_json_i64(b, v->int_value, 0);
  case V_DOUBLE: return otlpd_json_double(b, v->double_value, 0);
  case V_BYTES:
    if (otlpd_buf_append(b, "\"", 1) < 0 || base64(b, v->bytes_value.data, v->bytes_value.len) < 0)
      return -ENOMEM;
    return otlpd_buf_append(b, "\"", 1);
  case V_ARRAY: {
    if (otlpd_buf_append(b, "[", 1) < 0) return -ENOMEM;
    const otlp_array_value *a = v->array_value;
    for (size_t i = 0; a && i < a->n_values; i++)
      if ((i && otlpd_buf_append(b, ",", 1) < 0) || loki_value_json(b, a->values[i]) < 0)
        return -ENOMEM;
    return otlpd_buf_append(b, "]", 1);
  }
  case V_KVLIST: {
    if (otlpd_buf_append(b, "{", 1) < 0) return -ENOMEM;
    const otlp_kvlist *m = v->kvlist_value;
    for (size_t i = 0; m && i < m->n_values; i++) {
      const otlp_key_value *kv = m->values[i];
      if ((i && otlpd_buf_append(b, ",", 1) < 0) || otlpd_json_str(b, kv->key) < 0 ||
          otlpd_buf_append(b, ":", 1) < 0 || loki_value_json(b, kv->value) < 0)
        return -ENOMEM;
    }
    return otlpd_buf_append(b, "}", 1);
  }
  default: return otlpd_buf_append(b, "null", 4);
  }
}

int loki_value_text(otlpd_buf *b, const otlp_any_value *v) {
  if (!v) return 0;
  switch (v->value_case) {
  case V_STRING: return otlpd_buf_append(b, v->string_value, strlen(v->string_value));
  case V_BYTES: return base64(b, v->bytes_value.data, v->bytes_value.len);
  case V_ARRAY:
  case V_KVLIST:
  case V_BOOL:
  case V_INT:
  case V_DOUBLE: return loki_value_json(b, v);
  default: return 0;
  }
}

/* logfmt quotes a value with spaces, quotes, '=' or control bytes. */
static bool needs_quotes(const uint8_t *p, size_t n) {
  if (n == 0) return true;
  for (size_t i = 0; i < n; i++)
    if (p[i] <= ' ' || p[i] == '"' || p[i] == '=' || p[i] == '\\' || p[i] == 0x7f) return true;
  return false;
}

int loki_value_logfmt(otlpd_buf *b, const otlp_any_value *v) {
  size_t at = b->len;
  if (loki_value_text(b, v) < 0) return -ENOMEM;
  size_t n = b->len - at;
  if (!needs_quotes(b->data + at, n)) return 0;
  if (n == 0) return otlpd_buf_append(b, "\"\"", 2);
  /* Quoted with JSON's escaping, which logfmt readers (Go's strconv
   * rules) read back. Rare: only values with spaces or quotes. */
  otlpd_buf tmp = {0};
  int rc = otlpd_buf_append(&tmp, b->data + at, n);
  b->len = at;
  if (rc == 0) rc = otlpd_json_strn(b, (const char *)tmp.data, n);
  otlpd_buf_free(&tmp);
  return rc;
}
