/* OTLP-JSON decoder: parses straight into protobuf-c structs in the arena.
 *
 * Driven by the protobuf-c descriptors, so every OTLP message works. There
 * is no DOM: objects become messages as they are read. Repeated fields are
 * gathered on one scratch stack (arrays nest LIFO) and copied to an arena
 * array of the exact size when their ']' arrives. Recursion follows message
 * nesting only and stops at OTLPD_MAX_NESTING; values of unknown keys are
 * skipped by an iterative scanner. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "otlpd/codec.h"

#define SCRATCH_INLINE 4096
#define MAX_NUMBER_LEN 400 /* longest number token we convert */

typedef struct jdec {
  const char *start, *p, *end;
  otlpd_arena *a;
  char *err;
  size_t errlen;
  uint8_t *sc; /* scratch stack for repeated fields (inline, then heap) */
  size_t sc_len, sc_cap;
  uint8_t sc_inline[SCRATCH_INLINE];
} jdec;

static int fail(jdec *d, const char *fmt, ...) {
  if (d->err && d->errlen) {
    int n = snprintf(d->err, d->errlen, "json: offset %zu: ", (size_t)(d->p - d->start));
    if (n >= 0 && (size_t)n < d->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return -1;
}

static int oom(jdec *d) { return fail(d, "out of memory (request too large)"); }

static inline int peek(const jdec *d) { return d->p < d->end ? (unsigned char)*d->p : -1; }

static inline void ws(jdec *d) {
  if (d->p < d->end && (unsigned char)*d->p > ' ') return; /* compact JSON */
  while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')) d->p++;
}

static const char *what(int c) {
  switch (c) {
  case -1: return "end of input";
  case '{': return "an object";
  case '[': return "an array";
  case '"': return "a string";
  case 't':
  case 'f': return "a boolean";
  case 'n': return "null";
  default: return (c == '-' || (c >= '0' && c <= '9')) ? "a number" : "an invalid character";
  }
}

static int expect(jdec *d, char c) {
  ws(d);
  if (peek(d) != (unsigned char)c) return fail(d, "expected '%c' but found %s", c, what(peek(d)));
  d->p++;
  return 0;
}

static int literal(jdec *d, const char *lit, size_t n) {
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0) return fail(d, "invalid literal");
  d->p += n;
  return 0;
}

/* ---- strings ---- */

/* 1 for bytes that stand for themselves inside a JSON string: printable
 * ASCII other than '"' and '\\'. */
static const uint8_t plain_ascii[256] = {
    ['\x20'] = 1, 1, 0 /* '"' */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* '\\' */, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Nonzero if any of the 8 bytes in x is not plain_ascii: a control
 * character, '"', '\\' or a byte >= 0x80 (classic SWAR zero-byte tests). */
static inline uint64_t special8(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  return ((x - ones * 0x20) | (q - ones) | (b - ones) | x) & high;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && s[1] < 0xa0) return 0; /* overlong */
    if (c == 0xed && s[1] > 0x9f) return 0; /* surrogate */
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xf4 && s[1] > 0x8f) return 0; /* > U+10FFFF */
    return 4;
  }
  return 0;
}

static int hex4(const char *s, unsigned *v) {
  unsigned r = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = (unsigned char)s[i];
    r <<= 4;
    if (c >= '0' && c <= '9') r |= c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') r |= (c | 0x20) - 'a' + 10;
    else return -1;
  }
  *v = r;
  return 0;
}

/* Validates the string at d->p (which is '"') and moves past it.
 * Outputs: the raw text between the quotes (s, n) and whether it holds
 * escapes (esc). The unescaped text is never longer than the raw text. */
static int scan_string(jdec *d, const char **s, size_t *n, int *esc) {
  const unsigned char *p = (const unsigned char *)d->p + 1, *end = (const unsigned char *)d->end;
  *esc = 0;
  for (;;) {
    /* Plain ASCII is the common case: eight bytes per step, then one
     * table lookup per byte. */
    while (end - p >= 8) {
      uint64_t x;
      memcpy(&x, p, 8);
      if (special8(x)) break;
      p += 8;
    }
    while (p < end && plain_ascii[*p]) p++;
    if (p >= end) {
      d->p = (const char *)p;
      return fail(d, "unterminated string");
    }
    unsigned char c = *p;
    if (c == '"') break;
    if (c == '\\') {
      *esc = 1;
      if (p + 1 >= end) {
        d->p = (const char *)p;
        return fail(d, "unterminated string");
      }
      switch (p[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        p += 2;
        continue;
      case 'u': break;
      default:
        d->p = (const char *)p;
        return fail(d, "invalid escape '\\%c' in string", p[1] >= 0x20 && p[1] < 0x7f ? p[1] : '?');
      }
      unsigned u;
      if (end - p < 6 || hex4((const char *)p + 2, &u)) {
        d->p = (const char *)p;
        return fail(d, "invalid \\u escape in string");
      }
      p += 6;
      if (u >= 0xdc00 && u <= 0xdfff) {
        d->p = (const char *)p - 6;
        return fail(d, "unpaired low surrogate in string");
      }
      if (u >= 0xd800 && u <= 0xdbff) {
        unsigned lo;
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4((const char *)p + 2, &lo) ||
            lo < 0xdc00 || lo > 0xdfff) {
          d->p = (const char *)p - 6;
          return fail(d, "unpaired high surrogate in string");
        }
        p += 6;
      }
      continue;
    }
    if (c < 0x20) {
      d->p = (const char *)p;
      return fail(d, "unescaped control character in string");
    }
    size_t l = utf8_len(p, (size_t)(end - p));
    if (!l) {
      d->p = (const char *)p;
      return fail(d, "invalid UTF-8 in string");
    }
    p += l;
  }
  *s = d->p + 1;
  *n = (size_t)((const char *)p - *s);
  d->p = (const char *)p + 1;
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Unescapes text already checked by scan_string. Returns the length. */
static size_t unescape(const char *s, size_t n, char *o) {
  size_t j = 0;
  for (size_t i = 0; i < n;) {
    if (s[i] != '\\') {
      o[j++] = s[i++];
      continue;
    }
    char c = s[i + 1];
    i += 2;
    switch (c) {
    case 'b': o[j++] = '\b'; break;
    case 'f': o[j++] = '\f'; break;
    case 'n': o[j++] = '\n'; break;
    case 'r': o[j++] = '\r'; break;
    case 't': o[j++] = '\t'; break;
    case 'u': {
      unsigned u = 0, lo = 0;
      hex4(s + i, &u);
      i += 4;
      if (u >= 0xd800 && u <= 0xdbff) {
        hex4(s + i + 2, &lo);
        i += 6;
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
      }
      j += put_utf8(o + j, u);
      break;
    }
    default: o[j++] = c; break; /* " \ / */
    }
  }
  return j;
}

/* Reads a string value into arena memory (NUL-terminated). */
static int read_string(jdec *d, char **out, size_t *outlen) {
  const char *s;
  size_t n;
  int esc;
  if (scan_string(d, &s, &n, &esc)) return -1;
  char *o = otlpd_arena_alloc(d->a, n + 1);
  if (!o) return oom(d);
  if (esc) {
    n = unescape(s, n, o);
  } else {
    memcpy(o, s, n);
  }
  o[n] = '\0';
  *out = o;
  if (outlen) *outlen = n;
  return 0;
}

/* ---- numbers ---- */

typedef struct {
  const char *s;
  size_t n;
  int is_int; /* no fraction or exponent */
} numtok;

/* Strict JSON number grammar over [p, end). Returns chars used, 0 if none. */
static size_t scan_number_at(const char *p, const char *end, int *is_int) {
  const char *q = p;
  *is_int = 1;
  if (q < end && *q == '-') q++;
  if (q < end && *q == '0') {
    q++;
  } else if (q < end && *q >= '1' && *q <= '9') {
    while (q < end && *q >= '0' && *q <= '9') q++;
  } else {
    return 0;
  }
  if (q < end && *q == '.') {
    q++;
    if (q >= end || *q < '0' || *q > '9') return 0;
    while (q < end && *q >= '0' && *q <= '9') q++;
    *is_int = 0;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < end && (*q == '+' || *q == '-')) q++;
    if (q >= end || *q < '0' || *q > '9') return 0;
    while (q < end && *q >= '0' && *q <= '9') q++;
    *is_int = 0;
  }
  return (size_t)(q - p);
}

static int read_number(jdec *d, numtok *t) {
  size_t n = scan_number_at(d->p, d->end, &t->is_int);
  if (!n) return fail(d, "invalid number");
  t->s = d->p;
  t->n = n;
  d->p += n;
  return 0;
}

static const char *tok_double(const numtok *t, double *v) {
  char tmp[MAX_NUMBER_LEN + 1];
  if (t->n > MAX_NUMBER_LEN) return "number too long";
  memcpy(tmp, t->s, t->n);
  tmp[t->n] = '\0';
  *v = strtod(tmp, NULL);
  return NULL;
}

/* Integers, exactly: "1500", "1.5e3" and "15e2" all give 1500; "1.5" and
 * anything beyond 64 bits are refused (no detour through double). The
 * token already matched the JSON number grammar. */
static const char *tok_u64(const numtok *t, int *neg, uint64_t *mag) {
  const char *s = t->s, *e = t->s + t->n;
  *neg = *s == '-';
  s += *neg;
  if (t->is_int) { /* the usual case: plain digits */
    uint64_t v = 0;
    for (; s < e; s++) {
      unsigned dgt = (unsigned)(*s - '0');
      if (v > (UINT64_MAX - dgt) / 10) return "integer out of range";
      v = v * 10 + dgt;
    }
    *mag = v;
    return NULL;
  }
  char digits[MAX_NUMBER_LEN];
  size_t nd = 0;
  long exp10 = 0;
  for (; s < e && *s != 'e' && *s != 'E'; s++) {
    if (*s == '.') {
      for (s++; s < e && *s >= '0' && *s <= '9'; s++) {
        if (nd == sizeof digits) return "number too long";
        digits[nd++] = *s;
        exp10--;
      }
      break;
    }
    if (nd == sizeof digits) return "number too long";
    digits[nd++] = *s;
  }
  if (s < e && (*s == 'e' || *s == 'E')) {
    s++;
    int eneg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    long x = 0;
    for (; s < e; s++)
      if (x < 100000) x = x * 10 + (*s - '0');
    exp10 += eneg ? -x : x;
  }
  /* A negative exponent may only drop trailing zeros. */
  while (exp10 < 0 && nd && digits[nd - 1] == '0') {
    nd--;
    exp10++;
  }
  size_t lead = 0;
  while (lead < nd && digits[lead] == '0') lead++;
  if (lead == nd) {
    *mag = 0;
    return NULL;
  }
  if (exp10 < 0) return "expected an integer";
  if ((long)(nd - lead) + exp10 > 20) return "integer out of range";
  uint64_t v = 0;
  for (size_t i = lead; i < nd + (size_t)exp10; i++) {
    unsigned dgt = i < nd ? (unsigned)(digits[i] - '0') : 0;
    if (v > (UINT64_MAX - dgt) / 10) return "integer out of range";
    v = v * 10 + dgt;
  }
  *mag = v;
  return NULL;
}

/* Range-checks into [lo, hi]; *sv holds signed results, *uv unsigned ones. */
static const char *tok_int(const numtok *t, int64_t lo, uint64_t hi, int64_t *sv, uint64_t *uv) {
  int neg;
  uint64_t mag;
  const char *why = tok_u64(t, &neg, &mag);
  if (why) return why;
  *sv = 0;
  *uv = 0;
  if (neg && mag) {
    if (lo == 0 || mag - 1 > (uint64_t)(-(lo + 1))) return "integer out of range";
    *sv = (int64_t)(0 - mag); /* two's complement of the magnitude */
    return NULL;
  }
  if (mag > hi) return "integer out of range";
  *sv = (int64_t)mag;
  *uv = mag;
  return NULL;
}

/* ---- scratch stack for repeated fields ---- */

static int sc_push(jdec *d, const void *v, size_t n) {
  if (d->sc_cap - d->sc_len < n) {
    size_t cap = d->sc_cap * 2;
    while (cap - d->sc_len < n) cap *= 2;
    uint8_t *nb = malloc(cap);
    if (!nb) return oom(d);
    memcpy(nb, d->sc, d->sc_len);
    if (d->sc != d->sc_inline) free(d->sc);
    d->sc = nb;
    d->sc_cap = cap;
  }
  memcpy(d->sc + d->sc_len, v, n);
  d->sc_len += n;
  return 0;
}

/* ---- skipping values of unknown keys (iterative) ---- */

static int skip_value(jdec *d) {
  char stack[OTLPD_MAX_NESTING];
  int sp = 0;
  const char *s;
  size_t n;
  int esc;
  for (;;) {
    ws(d);
    int c = peek(d);
    switch (c) {
    case '{':
    case '[':
      if (sp == OTLPD_MAX_NESTING) return fail(d, "JSON nested deeper than %d levels", OTLPD_MAX_NESTING);
      stack[sp++] = (char)c;
      d->p++;
      ws(d);
      if (peek(d) == (c == '{' ? '}' : ']')) {
        d->p++;
        sp--;
        break;
      }
      if (c == '{') {
        if (peek(d) != '"') return fail(d, "expected a key string but found %s", what(peek(d)));
        if (scan_string(d, &s, &n, &esc) || expect(d, ':')) return -1;
      }
      continue; /* read the first member's value */
    case '"':
      if (scan_string(d, &s, &n, &esc)) return -1;
      break;
    case 't':
      if (literal(d, "true", 4)) return -1;
      break;
    case 'f':
      if (literal(d, "false", 5)) return -1;
      break;
    case 'n':
      if (literal(d, "null", 4)) return -1;
      break;
    default: {
      numtok t;
      if (c != '-' && (c < '0' || c > '9')) return fail(d, "expected a value but found %s", what(c));
      if (read_number(d, &t)) return -1;
      break;
    }
    }
    /* A value ended: close containers or move to the next member. */
    for (;;) {
      if (sp == 0) return 0;
      ws(d);
      int e = peek(d);
      char top = stack[sp - 1];
      if (e == ',') {
        d->p++;
        if (top == '{') {
          ws(d);
          if (peek(d) != '"') return fail(d, "expected a key string but found %s", what(peek(d)));
          if (scan_string(d, &s, &n, &esc) || expect(d, ':')) return -1;
        }
        break;
      }
      if (e == (top == '{' ? '}' : ']')) {
        d->p++;
        sp--;
        continue;
      }
      return fail(d, "expected ',' or '%c' but found %s", top == '{' ? '}' : ']', what(e));
    }
  }
}

/* ---- typed values ---- */

/* The field's JSON (lowerCamelCase) name, for error messages. */
static const char *jname(const ProtobufCFieldDescriptor *f, char *buf, size_t n) {
  size_t j = 0;
  for (const char *s = f->name; *s && j + 1 < n; s++) {
    if (*s == '_' && s[1]) {
      s++;
      buf[j++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
    } else {
      buf[j++] = *s;
    }
  }
  buf[j] = '\0';
  return buf;
}

/* Fails with "field 'x': why", pointing at the value that started at 'at'. */
static int field_fail(jdec *d, const ProtobufCFieldDescriptor *f, const char *at, const char *why) {
  char nb[64];
  d->p = at;
  return fail(d, "field '%s': %s", jname(f, nb, sizeof nb), why);
}

static const char *type_name(const ProtobufCFieldDescriptor *f) {
  if (otlpd_json_hex_field(f)) return "a hex string";
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: return "a string";
  case PROTOBUF_C_TYPE_BYTES: return "a base64 string";
  case PROTOBUF_C_TYPE_BOOL: return "true or false";
  case PROTOBUF_C_TYPE_ENUM: return "an enum name or integer";
  case PROTOBUF_C_TYPE_MESSAGE: return "an object";
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_DOUBLE: return "a number";
  default: return "an integer";
  }
}

static int wrong_type(jdec *d, const ProtobufCFieldDescriptor *f, int c) {
  char why[96];
  snprintf(why, sizeof why, "expected %s but found %s", type_name(f), what(c));
  return field_fail(d, f, d->p, why);
}

static int read_bytes(jdec *d, const ProtobufCFieldDescriptor *f, ProtobufCBinaryData *out) {
  const char *s;
  size_t n;
  int esc;
  const char *at = d->p;
  if (scan_string(d, &s, &n, &esc)) return -1;
  if (esc) { /* rare ("\/" from some encoders): unescape to a temporary */
    char *tmp = otlpd_arena_alloc(d->a, n + 1);
    if (!tmp) return oom(d);
    n = unescape(s, n, tmp);
    s = tmp;
  }
  int hex = otlpd_json_hex_field(f);
  size_t max = hex ? n / 2 + 1 : otlpd_base64_decoded_max(n);
  uint8_t *o = otlpd_arena_alloc(d->a, max);
  if (!o) return oom(d);
  long got = hex ? otlpd_hex_decode(s, n, o) : otlpd_base64_decode(s, n, o);
  if (got < 0) return field_fail(d, f, at, hex ? "invalid hex id" : "invalid base64");
  out->data = got ? o : NULL;
  out->len = (size_t)got;
  return 0;
}

/* A JSON number or a string holding one; *t points into the input. */
static int read_numtok(jdec *d, const ProtobufCFieldDescriptor *f, numtok *t, const char **str,
                       size_t *strn) {
  int c = peek(d);
  const char *at = d->p;
  *str = NULL;
  if (c == '"') {
    int esc;
    if (scan_string(d, str, strn, &esc)) return -1;
    if (*strn == 0 || esc || scan_number_at(*str, *str + *strn, &t->is_int) != *strn) {
      t->n = 0; /* not a number; the caller may accept special strings */
      return 0;
    }
    t->s = *str;
    t->n = *strn;
    return 0;
  }
  if (c != '-' && (c < '0' || c > '9')) return wrong_type(d, f, c);
  t->n = scan_number_at(d->p, d->end, &t->is_int);
  if (!t->n) return field_fail(d, f, at, "invalid number");
  t->s = d->p;
  d->p += t->n;
  *str = NULL;
  return 0;
}

static int read_integer(jdec *d, const ProtobufCFieldDescriptor *f, int64_t lo, uint64_t hi,
                        int64_t *sv, uint64_t *uv) {
  const char *at = d->p, *str;
  size_t strn;
  numtok t;
  if (read_numtok(d, f, &t, &str, &strn)) return -1;
  if (!t.n) return field_fail(d, f, at, "expected an integer");
  const char *why = tok_int(&t, lo, hi, sv, uv);
  return why ? field_fail(d, f, at, why) : 0;
}

static int read_enum(jdec *d, const ProtobufCFieldDescriptor *f, int *out) {
  const char *at = d->p, *str;
  size_t strn;
  numtok t;
  int64_t sv;
  uint64_t uv;
  if (read_numtok(d, f, &t, &str, &strn)) return -1;
  if (!t.n) { /* a value name */
    char name[128];
    const ProtobufCEnumValue *ev = NULL;
    if (strn < sizeof name && !memchr(str, '\\', strn)) {
      memcpy(name, str, strn);
      name[strn] = '\0';
      ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, name);
    }
    if (!ev) return field_fail(d, f, at, "unknown enum value name");
    *out = ev->value;
    return 0;
  }
  const char *why = tok_int(&t, INT32_MIN, INT32_MAX, &sv, &uv);
  if (why) return field_fail(d, f, at, why);
  *out = (int)sv;
  return 0;
}

static int read_floating(jdec *d, const ProtobufCFieldDescriptor *f, double *v) {
  const char *at = d->p, *str;
  size_t strn;
  numtok t;
  if (read_numtok(d, f, &t, &str, &strn)) return -1;
  if (!t.n) {
    if (str && strn == 3 && !memcmp(str, "NaN", 3)) *v = NAN;
    else if (str && strn == 8 && !memcmp(str, "Infinity", 8)) *v = INFINITY;
    else if (str && strn == 9 && !memcmp(str, "-Infinity", 9)) *v = -INFINITY;
    else return field_fail(d, f, at, "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    return 0;
  }
  const char *why = tok_double(&t, v);
  return why ? field_fail(d, f, at, why) : 0;
}

/* Reads one non-message value of field f into dst (protobuf-c layout). */
static int read_scalar(jdec *d, const ProtobufCFieldDescriptor *f, void *dst) {
  int c = peek(d);
  int64_t sv;
  uint64_t uv;
  double dv;
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING:
    if (c != '"') return wrong_type(d, f, c);
    return read_string(d, (char **)dst, NULL);
  case PROTOBUF_C_TYPE_BYTES:
    if (c != '"') return wrong_type(d, f, c);
    return read_bytes(d, f, dst);
  case PROTOBUF_C_TYPE_BOOL:
    if (c == 't') {
      if (literal(d, "true", 4)) return -1;
      *(protobuf_c_boolean *)dst = 1;
      return 0;
    }
    if (c == 'f') {
      if (literal(d, "false", 5)) return -1;
      *(protobuf_c_boolean *)dst = 0;
      return 0;
    }
    return wrong_type(d, f, c);
  case PROTOBUF_C_TYPE_ENUM: return read_enum(d, f, dst);
  case PROTOBUF_C_TYPE_DOUBLE:
    if (read_floating(d, f, &dv)) return -1;
    *(double *)dst = dv;
    return 0;
  case PROTOBUF_C_TYPE_FLOAT:
    if (read_floating(d, f, &dv)) return -1;
    if (isfinite(dv) && fabs(dv) > FLT_MAX) return field_fail(d, f, d->p, "out of float range");
    *(float *)dst = (float)dv;
    return 0;
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
    if (read_integer(d, f, INT32_MIN, INT32_MAX, &sv, &uv)) return -1;
    *(int32_t *)dst = (int32_t)sv;
    return 0;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    if (read_integer(d, f, 0, UINT32_MAX, &sv, &uv)) return -1;
    *(uint32_t *)dst = (uint32_t)uv;
    return 0;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    if (read_integer(d, f, INT64_MIN, INT64_MAX, &sv, &uv)) return -1;
    *(int64_t *)dst = sv;
    return 0;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    if (read_integer(d, f, 0, UINT64_MAX, &sv, &uv)) return -1;
    *(uint64_t *)dst = uv;
    return 0;
  case PROTOBUF_C_TYPE_MESSAGE: break;
  }
  return field_fail(d, f, d->p, "unsupported type");
}

/* ---- messages ---- */

static int read_object(jdec *d, const ProtobufCMessageDescriptor *desc, int level, ProtobufCMessage **out);

/* *hint: where the next key probably is. Senders write fields in a fixed
 * order (ours and protobuf's in field-number order), so trying the field
 * after the previous match first usually hits at once. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *desc, const char *k,
                                                  size_t kn, unsigned *hint) {
  if (!kn) return NULL;
  if (*hint < desc->n_fields && otlpd_json_key_matches(&desc->fields[*hint], k, kn))
    return &desc->fields[(*hint)++];
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &desc->fields[i];
    if (f->name[0] == k[0] && otlpd_json_key_matches(f, k, kn)) {
      *hint = i + 1;
      return f;
    }
  }
  return NULL;
}

static int read_repeated(jdec *d, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int level) {
  size_t esz = otlpd_pb_elem_size(f->type);
  size_t mark = d->sc_len;
  if (peek(d) != '[') {
    char why[64];
    snprintf(why, sizeof why, "expected an array but found %s", what(peek(d)));
    return field_fail(d, f, d->p, why);
  }
  d->p++;
  ws(d);
  if (peek(d) == ']') {
    d->p++;
  } else {
    for (;;) {
      union {
        void *ptr;
        ProtobufCBinaryData bin;
        uint64_t u64;
        double dbl;
      } v;
      memset(&v, 0, sizeof v);
      ws(d);
      int c = peek(d);
      if (c == 'n') return field_fail(d, f, d->p, "null inside an array");
      if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (c != '{') return wrong_type(d, f, c);
        if (read_object(d, f->descriptor, level + 1, (ProtobufCMessage **)&v.ptr)) return -1;
      } else if (read_scalar(d, f, &v)) {
        return -1;
      }
      if (sc_push(d, &v, esz)) return -1;
      ws(d);
      c = peek(d);
      if (c == ',') {
        d->p++;
        continue;
      }
      if (c == ']') {
        d->p++;
        break;
      }
      return fail(d, "expected ',' or ']' but found %s", what(c));
    }
  }
  size_t bytes = d->sc_len - mark;
  void *arr = NULL;
  if (bytes) {
    arr = otlpd_arena_alloc(d->a, bytes);
    if (!arr) return oom(d);
    memcpy(arr, d->sc + mark, bytes);
  }
  d->sc_len = mark;
  /* A repeated key given twice: the later array wins. */
  *(size_t *)((char *)m + f->quantifier_offset) = bytes / esz;
  *(void **)((char *)m + f->offset) = arr;
  return 0;
}

static int read_field(jdec *d, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int level) {
  if (f->label == PROTOBUF_C_LABEL_REPEATED) return read_repeated(d, m, f, level);
  void *dst = (char *)m + f->offset;
  if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
    if (peek(d) != '{') return wrong_type(d, f, peek(d));
    if (read_object(d, f->descriptor, level + 1, dst)) return -1;
  } else if (read_scalar(d, f, dst)) {
    return -1;
  }
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    /* Another member of the same oneof given earlier is replaced. */
    *(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
  } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
             f->type != PROTOBUF_C_TYPE_STRING) {
    *(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
  }
  return 0;
}

static int read_object(jdec *d, const ProtobufCMessageDescriptor *desc, int level, ProtobufCMessage **out) {
  if (level > OTLPD_MAX_NESTING)
    return fail(d, "messages nested deeper than %d levels (at %s)", OTLPD_MAX_NESTING, desc->name);
  ProtobufCMessage *m = otlpd_arena_alloc(d->a, desc->sizeof_message);
  if (!m) return oom(d);
  protobuf_c_message_init(desc, m);
  unsigned hint = 0;
  d->p++; /* '{' */
  ws(d);
  if (peek(d) == '}') {
    d->p++;
    *out = m;
    return 0;
  }
  for (;;) {
    const char *k;
    size_t kn;
    int esc;
    char kbuf[64];
    ws(d);
    if (peek(d) != '"') return fail(d, "expected a key string but found %s", what(peek(d)));
    if (scan_string(d, &k, &kn, &esc)) return -1;
    if (esc) { /* escaped keys are legal JSON, just unusual */
      if (kn > sizeof kbuf) {
        kn = 0; /* too long for any field name: unknown */
      } else {
        kn = unescape(k, kn, kbuf);
        k = kbuf;
      }
    }
    if (expect(d, ':')) return -1;
    ws(d);
    const ProtobufCFieldDescriptor *f = find_field(desc, k, kn, &hint);
    if (!f) {
      if (skip_value(d)) return -1;
    } else if (peek(d) == 'n') {
      if (literal(d, "null", 4)) return -1; /* null: the field stays absent */
    } else if (read_field(d, m, f, level)) {
      return -1;
    }
    ws(d);
    int c = peek(d);
    if (c == ',') {
      d->p++;
      continue;
    }
    if (c == '}') {
      d->p++;
      break;
    }
    return fail(d, "expected ',' or '}' but found %s", what(c));
  }
  *out = m;
  return 0;
}

ProtobufCMessage *otlpd_json_decode(const ProtobufCMessageDescriptor *desc, const char *buf, size_t len,
                                    otlpd_arena *a, char *err, size_t errlen) {
  jdec dec, *d = &dec;
  d->start = d->p = buf ? buf : "";
  d->end = d->p + (buf ? len : 0);
  d->a = a;
  d->err = err;
  d->errlen = errlen;
  d->sc = d->sc_inline;
  d->sc_len = 0;
  d->sc_cap = sizeof d->sc_inline;
  ProtobufCMessage *m = NULL;
  ws(d);
  if (peek(d) != '{') {
    fail(d, "expected a JSON object but found %s", what(peek(d)));
  } else if (read_object(d, desc, 1, &m) == 0) {
    ws(d);
    if (d->p != d->end) {
      fail(d, "unexpected data after the JSON object");
      m = NULL;
    }
  } else {
    m = NULL;
  }
  if (d->sc != d->sc_inline) free(d->sc);
  return m;
}
