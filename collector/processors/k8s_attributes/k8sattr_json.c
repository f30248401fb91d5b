/* Pull tokenizer for the Kubernetes API's JSON; see k8sattr_json.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8sattr_json.h"

enum {
  S_VALUE,          /* a value (top level, after ':') */
  S_VALUE_OR_CLOSE, /* after '[' */
  S_KEY_OR_CLOSE,   /* after '{' */
  S_KEY,            /* after ',' in an object */
  S_AFTER,          /* a value ended: ',' or the close of its container */
  S_DONE,           /* the top-level value ended */
  S_ERROR,
};

void k8sattr_json_init(k8sattr_json *j, const char *p, size_t n) {
  char *buf = j->buf;
  size_t cap = j->buf_cap;
  memset(j, 0, sizeof(*j));
  j->buf = buf; /* the scratch buffer is reused across texts */
  j->buf_cap = cap;
  j->p = p;
  j->end = p + n;
  j->state = S_VALUE;
}

void k8sattr_json_free(k8sattr_json *j) {
  free(j->buf);
  j->buf = NULL;
  j->buf_cap = 0;
}

static k8sattr_jtype fail(k8sattr_json *j) {
  j->state = S_ERROR;
  return KJ_ERROR;
}

static void ws(k8sattr_json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int hex4(const char *p, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Decode the escaped string [s, e) into j->buf. 0 or -1. */
static int unescape(k8sattr_json *j, const char *s, const char *e, k8sattr_jtok *t) {
  size_t need = (size_t)(e - s) + 1; /* escapes never grow the text */
  if (need > j->buf_cap) {
    char *nb = realloc(j->buf, need);
    if (!nb) return -1;
    j->buf = nb;
    j->buf_cap = need;
  }
  char *o = j->buf;
  while (s < e) {
    if (*s != '\\') {
      *o++ = *s++;
      continue;
    }
    s++; /* the scan guaranteed a character follows */
    char c = *s++;
    switch (c) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      uint32_t cp;
      if (e - s < 4 || hex4(s, &cp)) return -1;
      s += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && e - s >= 6 && s[0] == '\\' && s[1] == 'u') {
        uint32_t lo;
        if (hex4(s + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          s += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; /* lone surrogate */
      o += put_utf8(o, cp); /* \uXXXX is 6 bytes, its UTF-8 at most 4 (pairs: 12 -> 4) */
      break;
    }
    default: return -1;
    }
  }
  *o = '\0';
  t->s = j->buf;
  t->n = (size_t)(o - j->buf);
  return 0;
}

static int string(k8sattr_json *j, k8sattr_jtok *t) {
  const char *s = ++j->p; /* past the quote */
  bool escaped = false;
  while (j->p < j->end) {
    unsigned char c = (unsigned char)*j->p;
    if (c == '"') {
      const char *e = j->p++;
      if (escaped) return unescape(j, s, e, t);
      t->s = s;
      t->n = (size_t)(e - s);
      return 0;
    }
    if (c < 0x20) return -1;
    if (c == '\\') {
      if (j->end - j->p < 2) return -1;
      escaped = true;
      j->p++;
    }
    j->p++;
  }
  return -1;
}

static int number(k8sattr_json *j, k8sattr_jtok *t) {
  const char *s = j->p;
  bool digit = false;
  while (j->p < j->end) {
    char c = *j->p;
    if (c >= '0' && c <= '9') digit = true;
    else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') break;
    j->p++;
  }
  if (!digit) return -1;
  t->s = s;
  t->n = (size_t)(j->p - s);
  return 0;
}

static int literal(k8sattr_json *j, const char *w, size_t n) {
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return -1;
  j->p += n;
  return 0;
}

static k8sattr_jtype value_done(k8sattr_json *j, k8sattr_jtype type) {
  j->state = j->depth ? S_AFTER : S_DONE;
  return type;
}

static k8sattr_jtype value(k8sattr_json *j, k8sattr_jtok *t) {
  t->s = j->p;
  t->n = 0;
  switch (*j->p) {
  case '{':
  case '[':
    if (j->depth >= K8SATTR_JSON_MAX_DEPTH) return fail(j);
    j->stack[j->depth++] = *j->p;
    j->state = *j->p == '{' ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
    return *j->p++ == '{' ? KJ_OBJ_BEGIN : KJ_ARR_BEGIN;
  case '"': return string(j, t) ? fail(j) : value_done(j, KJ_STRING);
  case 't': return literal(j, "true", 4) ? fail(j) : value_done(j, KJ_TRUE);
  case 'f': return literal(j, "false", 5) ? fail(j) : value_done(j, KJ_FALSE);
  case 'n': return literal(j, "null", 4) ? fail(j) : value_done(j, KJ_NULL);
  default: return number(j, t) ? fail(j) : value_done(j, KJ_NUMBER);
  }
}

static k8sattr_jtype close_(k8sattr_json *j, char c) {
  char open = c == '}' ? '{' : '[';
  if (!j->depth || j->stack[j->depth - 1] != open) return fail(j);
  j->depth--;
  j->p++;
  return value_done(j, c == '}' ? KJ_OBJ_END : KJ_ARR_END);
}

static k8sattr_jtype key(k8sattr_json *j, k8sattr_jtok *t) {
  if (*j->p != '"' || string(j, t)) return fail(j);
  ws(j);
  if (j->p >= j->end || *j->p != ':') return fail(j);
  j->p++;
  j->state = S_VALUE;
  return KJ_KEY;
}

k8sattr_jtype k8sattr_json_next(k8sattr_json *j, k8sattr_jtok *t) {
  t->s = NULL;
  t->n = 0;
  if (j->state == S_ERROR) return KJ_ERROR;
  ws(j);
  if (j->state == S_DONE) return (t->type = j->p == j->end ? KJ_END : fail(j));
  if (j->p >= j->end) return (t->type = fail(j));
  char c = *j->p;
  k8sattr_jtype r;
  switch (j->state) {
  case S_VALUE: r = value(j, t); break;
  case S_VALUE_OR_CLOSE: r = c == ']' ? close_(j, c) : value(j, t); break;
  case S_KEY_OR_CLOSE: r = c == '}' ? close_(j, c) : key(j, t); break;
  case S_KEY: r = key(j, t); break;
  default: /* S_AFTER */
    if (c == '}' || c == ']') {
      r = close_(j, c);
      break;
    }
    if (c != ',') return (t->type = fail(j));
    j->p++;
    ws(j);
    if (j->p >= j->end) return (t->type = fail(j));
    if (j->stack[j->depth - 1] == '{') {
      r = key(j, t);
    } else {
      r = value(j, t);
    }
  }
  t->type = r;
  return r;
}

int k8sattr_json_skip(k8sattr_json *j, const k8sattr_jtok *t) {
  if (t->type != KJ_OBJ_BEGIN && t->type != KJ_ARR_BEGIN) return t->type == KJ_ERROR ? -EBADMSG : 0;
  int depth = j->depth - 1;
  k8sattr_jtok x;
  while (j->depth > depth) {
    k8sattr_jtype r = k8sattr_json_next(j, &x);
    if (r == KJ_ERROR || r == KJ_END) return -EBADMSG;
  }
  return 0;
}
