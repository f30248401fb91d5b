/* Output buffer of the debug exporter and the formatting its renderers
 * share. Text is gathered per batch and written in chunks that end on a
 * line boundary, so lines never interleave with other writers of the fd. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debug_exporter.h"

#define MAX_VALUE_DEPTH 64 /* decoders bound nesting; this is belt and braces */

void dbg_write(debug_out *o, const void *p, size_t n) {
  if (!o->failed && otlpd_buf_append(&o->buf, p, n) != 0) o->failed = true;
}

void dbg_printf(debug_out *o, const char *fmt, ...) {
  if (o->failed) return;
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof(small)) {
    dbg_write(o, small, (size_t)n);
    return;
  }
  if (otlpd_buf_reserve(&o->buf, (size_t)n + 1) != 0) {
    o->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf((char *)o->buf.data + o->buf.len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  o->buf.len += (size_t)n;
}

void dbg_flush(debug_out *o) {
  size_t done = 0;
  while (done < o->buf.len) {
    ssize_t w = write(o->fd, o->buf.data + done, o->buf.len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break; /* nowhere to report a failing stderr; drop the text */
    done += (size_t)w;
  }
  otlpd_buf_clear(&o->buf);
}

void dbg_item_done(debug_out *o) {
  if (o->buf.len >= DEBUG_OUT_CHUNK) dbg_flush(o);
}

void dbg_text(debug_out *o, const char *s) {
  if (!s) return;
  const char *run = s;
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != 0x7f) continue;
    dbg_write(o, run, (size_t)(p - run));
    if (c == '\n')
      dbg_write(o, "\\n", 2);
    else if (c == '\t')
      dbg_write(o, "\\t", 2);
    else if (c == '\r')
      dbg_write(o, "\\r", 2);
    else
      dbg_printf(o, "\\x%02x", c);
    run = p + 1;
  }
  dbg_write(o, run, strlen(run));
}

void dbg_hex(debug_out *o, const ProtobufCBinaryData *id) {
  static const char digits[] = "0123456789abcdef";
  char tmp[64];
  for (size_t i = 0; i < id->len;) {
    size_t k = 0;
    for (; i < id->len && k + 2 <= sizeof(tmp); i++) {
      tmp[k++] = digits[id->data[i] >> 4];
      tmp[k++] = digits[id->data[i] & 15];
    }
    dbg_write(o, tmp, k);
  }
}

static void base64(debug_out *o, const ProtobufCBinaryData *b) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < b->len; i += 3) {
    uint32_t v = (uint32_t)b->data[i] << 16;
    size_t left = b->len - i;
    if (left > 1) v |= (uint32_t)b->data[i + 1] << 8;
    if (left > 2) v |= b->data[i + 2];
    char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63], left > 1 ? tbl[(v >> 6) & 63] : '=',
                 left > 2 ? tbl[v & 63] : '='};
    dbg_write(o, q, 4);
  }
}

void dbg_time(debug_out *o, uint64_t ns) {
  time_t sec = (time_t)(ns / 1000000000u);
  unsigned frac = (unsigned)(ns % 1000000000u);
  struct tm tm;
  gmtime_r(&sec, &tm);
  dbg_printf(o, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac) {
    char f[16];
    int n = snprintf(f, sizeof(f), ".%09u", frac);
    while (n > 1 && f[n - 1] == '0') n--; /* Go trims trailing zeros */
    dbg_write(o, f, (size_t)n);
  }
  dbg_write(o, " +0000 UTC", 10);
}

void dbg_double(debug_out *o, double d) {
  if (isnan(d)) {
    dbg_write(o, "NaN", 3);
    return;
  }
  if (isinf(d)) {
    dbg_printf(o, "%sInf", d < 0 ? "-" : "+");
    return;
  }
  /* Fewest significant digits that read back as d; then, as Go's %v,
   * exponent form only for exponents below -4 or from 6 up. */
  char tmp[48];
  int digits = 1;
  for (; digits <= 17; digits++) {
    snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, d);
    if (strtod(tmp, NULL) == d) break;
  }
  int exp = atoi(strchr(tmp, 'e') + 1);
  if (exp >= -4 && exp < 6) {
    int decimals = digits - 1 - exp;
    snprintf(tmp, sizeof(tmp), "%.*f", decimals > 0 ? decimals : 0, d);
  }
  dbg_write(o, tmp, strlen(tmp));
}

static void json_string(debug_out *o, const char *s) {
  dbg_write(o, "\"", 1);
  const char *run = s ? s : "";
  for (const char *p = run; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    dbg_write(o, run, (size_t)(p - run));
    if (c == '"' || c == '\\')
      dbg_printf(o, "\\%c", c);
    else
      dbg_printf(o, "\\u%04x", c);
    run = p + 1;
  }
  dbg_write(o, run, strlen(run));
  dbg_write(o, "\"", 1);
}

static void value_text(debug_out *o, const otlp_any_value *v, bool nested, int depth);

static void list_json(debug_out *o, const otlp_array_value *a, int depth) {
  dbg_write(o, "[", 1);
  for (size_t i = 0; a && i < a->n_values; i++) {
    if (i) dbg_write(o, ",", 1);
    value_text(o, a->values[i], true, depth + 1);
  }
  dbg_write(o, "]", 1);
}

static void map_json(debug_out *o, const otlp_kvlist *m, int depth) {
  dbg_write(o, "{", 1);
  for (size_t i = 0; m && i < m->n_values; i++) {
    if (i) dbg_write(o, ",", 1);
    json_string(o, m->values[i]->key);
    dbg_write(o, ":", 1);
    value_text(o, m->values[i]->value, true, depth + 1);
  }
  dbg_write(o, "}", 1);
}

/* nested: inside a list or map, where strings are quoted JSON. */
static void value_text(debug_out *o, const otlp_any_value *v, bool nested, int depth) {
  if (depth > MAX_VALUE_DEPTH) {
    dbg_write(o, "...", 3);
    return;
  }
  switch (v ? v->value_case : OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
    if (nested)
      json_string(o, v->string_value);
    else
      dbg_text(o, v->string_value);
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
    dbg_printf(o, "%s", v->bool_value ? "true" : "false");
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
    dbg_printf(o, "%lld", (long long)v->int_value);
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
    dbg_double(o, v->double_value);
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    list_json(o, v->array_value, depth);
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
    map_json(o, v->kvlist_value, depth);
    break;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
    if (nested) dbg_write(o, "\"", 1);
    base64(o, &v->bytes_value);
    if (nested) dbg_write(o, "\"", 1);
    break;
  default:
    if (nested) dbg_write(o, "null", 4);
    break;
  }
}

void dbg_value(debug_out *o, const otlp_any_value *v) { value_text(o, v, false, 0); }

void dbg_typed_value(debug_out *o, const otlp_any_value *v) {
  static const char *const names[] = {"Empty", "Str", "Bool", "Int", "Double", "Slice", "Map", "Bytes"};
  unsigned c = v ? (unsigned)v->value_case : 0;
  dbg_printf(o, "%s(", c < sizeof(names) / sizeof(names[0]) ? names[c] : "Empty");
  value_text(o, v, false, 0);
  dbg_write(o, ")", 1);
}

void dbg_attrs_inline(debug_out *o, otlp_key_value *const *kv, size_t n, const char *sep) {
  for (size_t i = 0; i < n; i++) {
    if (i) dbg_write(o, sep, strlen(sep));
    dbg_text(o, kv[i]->key);
    dbg_write(o, "=", 1);
    dbg_value(o, kv[i]->value);
  }
}

void dbg_attrs_block(debug_out *o, const char *title, const char *indent,
                     otlp_key_value *const *kv, size_t n) {
  if (n == 0) return;
  dbg_printf(o, "%s\n", title);
  for (size_t i = 0; i < n; i++) {
    dbg_printf(o, "%s-> ", indent);
    dbg_text(o, kv[i]->key);
    dbg_write(o, ": ", 2);
    dbg_typed_value(o, kv[i]->value);
    dbg_write(o, "\n", 1);
  }
}

void dbg_resource(debug_out *o, const char *schema_url, const otlp_resource *r) {
  dbg_write(o, "Resource SchemaURL: ", 20);
  dbg_text(o, schema_url);
  dbg_write(o, "\n", 1);
  if (r) dbg_attrs_block(o, "Resource attributes:", "     ", r->attributes, r->n_attributes);
}

void dbg_scope(debug_out *o, const char *kind, size_t index, const char *schema_url,
               const otlp_scope *s) {
  dbg_printf(o, "%s #%zu\n%s SchemaURL: ", kind, index, kind);
  dbg_text(o, schema_url);
  dbg_write(o, "\nInstrumentationScope ", 22);
  if (s) {
    dbg_text(o, s->name);
    dbg_write(o, " ", 1);
    dbg_text(o, s->version);
  }
  dbg_write(o, "\n", 1);
  if (s)
    dbg_attrs_block(o, "InstrumentationScope attributes:", "     ", s->attributes,
                    s->n_attributes);
}
