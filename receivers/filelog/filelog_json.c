/* JSON text -> AnyValue in an arena (json_parser, Docker's json-file
 * lines). Objects become kvlists, arrays array values, numbers int or
 * double as written. Recursion is bounded. */
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

typedef struct jp {
  otlpd_arena *a;
  const char *s, *e;
  int depth;
} jp;

static void ws(jp *p) {
  while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *d, unsigned cp) {
  if (cp < 0x80) { d[0] = (char)cp; return 1; }
  if (cp < 0x800) { d[0] = (char)(0xC0 | cp >> 6); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | cp >> 12); d[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | cp >> 18); d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string at p->s (on the opening quote); unescaped copy in the arena. */
static char *str(jp *p, size_t *len) {
  const char *s = ++p->s;
  const char *q = s;
  while (q < p->e && *q != '"') q += (*q == '\\') ? 2 : 1;
  if (q >= p->e) return NULL;
  char *d = otlpd_arena_alloc(p->a, (size_t)(q - s) + 1), *o = d;
  if (!d) return NULL;
  for (const char *c = s; c < q; c++) {
    if (*c != '\\') { *o++ = *c; continue; }
    c++;
    switch (*c) {
    case 'n': *o++ = '\n'; break;
    case 't': *o++ = '\t'; break;
    case 'r': *o++ = '\r'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'u': {
      unsigned cp, lo;
      if (q - c < 5 || hex4(c + 1, &cp)) return NULL;
      c += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && q - c >= 7 && c[1] == '\\' && c[2] == 'u' && !hex4(c + 3, &lo) &&
          lo >= 0xDC00 && lo < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        c += 6;
      }
      o += put_utf8(o, cp); /* \uXXXX takes 6 bytes in, at most 4 out */
      break;
    }
    default: *o++ = *c; break;
    }
  }
  *o = 0;
  *len = (size_t)(o - d);
  p->s = q + 1;
  return d;
}

static otlp_any_value *value(jp *p);

static otlp_any_value *object(jp *p) {
  otlp_any_value *m = fl_map_value(p->a);
  if (!m) return NULL;
  fl_kvs k = {0};
  p->s++;
  ws(p);
  if (p->s < p->e && *p->s == '}') {
    p->s++;
    return m;
  }
  for (;;) {
    ws(p);
    size_t kl;
    if (p->s >= p->e || *p->s != '"') return NULL;
    char *key = str(p, &kl);
    if (!key) return NULL;
    ws(p);
    if (p->s >= p->e || *p->s++ != ':') return NULL;
    otlp_any_value *v = value(p);
    otlp_key_value *kv = v ? fl_kv_new(p->a, key, v) : NULL;
    if (!kv || fl_kvs_put(p->a, &k, kv) < 0) return NULL;
    ws(p);
    if (p->s < p->e && *p->s == ',') { p->s++; continue; }
    if (p->s < p->e && *p->s == '}') { p->s++; break; }
    return NULL;
  }
  m->kvlist_value->values = k.v;
  m->kvlist_value->n_values = k.n;
  return m;
}

static otlp_any_value *array(jp *p) {
  otlp_any_value *v = otlpd_arena_alloc(p->a, sizeof(*v));
  otlp_array_value *arr = otlpd_arena_alloc(p->a, sizeof(*arr));
  if (!v || !arr) return NULL;
  opentelemetry__proto__common__v1__any_value__init(v);
  opentelemetry__proto__common__v1__array_value__init(arr);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
  v->array_value = arr;
  size_t cap = 0;
  p->s++;
  ws(p);
  if (p->s < p->e && *p->s == ']') { p->s++; return v; }
  for (;;) {
    otlp_any_value *el = value(p);
    if (!el) return NULL;
    if (arr->n_values == cap) {
      size_t nc = cap ? cap * 2 : 4;
      otlp_any_value **nv = otlpd_arena_alloc(p->a, nc * sizeof(*nv));
      if (!nv) return NULL;
      if (cap) memcpy(nv, arr->values, cap * sizeof(*nv));
      arr->values = nv;
      cap = nc;
    }
    arr->values[arr->n_values++] = el;
    ws(p);
    if (p->s < p->e && *p->s == ',') { p->s++; continue; }
    if (p->s < p->e && *p->s == ']') { p->s++; return v; }
    return NULL;
  }
}

static otlp_any_value *scalar(jp *p) {
  otlp_any_value *v = otlpd_arena_alloc(p->a, sizeof(*v));
  if (!v) return NULL;
  opentelemetry__proto__common__v1__any_value__init(v);
  size_t left = (size_t)(p->e - p->s);
  if (left >= 4 && !memcmp(p->s, "true", 4)) {
    v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
    v->bool_value = 1;
    p->s += 4;
  } else if (left >= 5 && !memcmp(p->s, "false", 5)) {
    v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
    p->s += 5;
  } else if (left >= 4 && !memcmp(p->s, "null", 4)) {
    p->s += 4; /* an empty AnyValue */
  } else {
    char buf[64];
    size_t n = 0;
    bool is_double = false;
    while (p->s + n < p->e && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", p->s[n])) {
      is_double |= p->s[n] == '.' || p->s[n] == 'e' || p->s[n] == 'E';
      n++;
    }
    if (n == 0) return NULL;
    memcpy(buf, p->s, n);
    buf[n] = 0;
    char *end;
    if (is_double) {
      v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
      v->double_value = strtod(buf, &end);
    } else {
      v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
      v->int_value = strtoll(buf, &end, 10);
    }
    if (*end) return NULL;
    p->s += n;
  }
  return v;
}

static otlp_any_value *value(jp *p) {
  ws(p);
  if (p->s >= p->e || ++p->depth > 64) return NULL;
  otlp_any_value *v;
  if (*p->s == '{') v = object(p);
  else if (*p->s == '[') v = array(p);
  else if (*p->s == '"') {
    size_t n;
    char *s = str(p, &n);
    v = s ? fl_str_value_ref(p->a, s) : NULL;
  } else v = scalar(p);
  p->depth--;
  return v;
}

otlp_any_value *fl_json_parse(otlpd_arena *a, const char *s, size_t n, size_t *end) {
  jp p = {a, s, s + n, 0};
  otlp_any_value *v = value(&p);
  if (v && end) *end = (size_t)(p.s - s);
  return v;
}
