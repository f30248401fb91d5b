/* The _bulk answer scanner; see es_bulk_response.h. */
#include <errno.h>
#include <string.h>

#include "es_bulk_response.h"

#define MAX_DEPTH 128

typedef struct cur {
  const char *p, *end;
} cur;

static void ws(cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) c->p++;
}

static bool eat(cur *c, char ch) {
  ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

static bool peek(cur *c, char ch) {
  ws(c);
  return c->p < c->end && *c->p == ch;
}

/* A string's raw contents (escapes checked for shape, not decoded). */
static int string(cur *c, const char **s, size_t *n) {
  if (!eat(c, '"')) return -EBADMSG;
  const char *start = c->p;
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == '"') {
      if (s) *s = start;
      if (n) *n = (size_t)(c->p - start);
      c->p++;
      return 0;
    }
    if ((unsigned char)ch < 0x20) return -EBADMSG;
    if (ch == '\\') {
      if (c->end - c->p < 2) return -EBADMSG;
      c->p++;
    }
    c->p++;
  }
  return -EBADMSG;
}

static bool key_is(const char *k, size_t n, const char *want) {
  return n == strlen(want) && memcmp(k, want, n) == 0;
}

static int literal(cur *c, const char *word) {
  size_t n = strlen(word);
  ws(c);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return -EBADMSG;
  c->p += n;
  return 0;
}

static int number(cur *c, long *out) {
  ws(c);
  bool neg = false;
  long v = 0;
  if (c->p < c->end && *c->p == '-') {
    neg = true;
    c->p++;
  }
  const char *digits = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    if (v < 100000000L) v = v * 10 + (*c->p - '0');
    c->p++;
  }
  if (c->p == digits) return -EBADMSG;
  /* fraction / exponent: part of the number, not of the value we keep */
  while (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E' || *c->p == '+' ||
                           *c->p == '-' || (*c->p >= '0' && *c->p <= '9')))
    c->p++;
  if (out) *out = neg ? -v : v;
  return 0;
}

/* Any value, iteratively: strings are skipped whole, brackets counted. */
static int skip_value(cur *c) {
  ws(c);
  if (c->p >= c->end) return -EBADMSG;
  char ch = *c->p;
  if (ch == '"') return string(c, NULL, NULL);
  if (ch == 't') return literal(c, "true");
  if (ch == 'f') return literal(c, "false");
  if (ch == 'n') return literal(c, "null");
  if (ch != '{' && ch != '[') return number(c, NULL);
  char stack[MAX_DEPTH];
  int depth = 0;
  while (c->p < c->end) {
    ch = *c->p;
    if (ch == '"') {
      if (string(c, NULL, NULL) < 0) return -EBADMSG;
      continue;
    }
    if (ch == '{' || ch == '[') {
      if (depth == MAX_DEPTH) return -EBADMSG;
      stack[depth++] = ch == '{' ? '}' : ']';
    } else if (ch == '}' || ch == ']') {
      if (!depth || stack[depth - 1] != ch) return -EBADMSG;
      if (--depth == 0) {
        c->p++;
        return 0;
      }
    }
    c->p++;
  }
  return -EBADMSG;
}

/* "error": {"type": "...", "reason": "...", ...} or a plain string. */
static int error_value(cur *c, es_bulk_item_result *r) {
  if (peek(c, '"')) return string(c, &r->reason, &r->reason_len);
  if (!eat(c, '{')) return skip_value(c);
  if (eat(c, '}')) return 0;
  do {
    const char *k;
    size_t kn;
    if (string(c, &k, &kn) < 0 || !eat(c, ':')) return -EBADMSG;
    int rc;
    if (key_is(k, kn, "type") && peek(c, '"')) rc = string(c, &r->type, &r->type_len);
    else if (key_is(k, kn, "reason") && peek(c, '"')) rc = string(c, &r->reason, &r->reason_len);
    else rc = skip_value(c);
    if (rc < 0) return rc;
  } while (eat(c, ','));
  return eat(c, '}') ? 0 : -EBADMSG;
}

/* {"status": N, "error": ..., ...} — the object under the action name. */
static int item_body(cur *c, es_bulk_item_result *r) {
  if (!eat(c, '{')) return -EBADMSG;
  if (eat(c, '}')) return 0;
  do {
    const char *k;
    size_t kn;
    if (string(c, &k, &kn) < 0 || !eat(c, ':')) return -EBADMSG;
    int rc;
    if (key_is(k, kn, "status")) {
      long v;
      rc = number(c, &v);
      r->status = v >= 0 && v < 1000 ? (int)v : 0;
    } else if (key_is(k, kn, "error")) {
      rc = error_value(c, r);
    } else {
      rc = skip_value(c);
    }
    if (rc < 0) return rc;
  } while (eat(c, ','));
  return eat(c, '}') ? 0 : -EBADMSG;
}

/* {"create": {...}} (or index, update, delete); the first member is the
 * result, anything after it is skipped. */
static int item(cur *c, es_bulk_item_result *r) {
  memset(r, 0, sizeof(*r));
  if (!eat(c, '{')) return -EBADMSG;
  if (eat(c, '}')) return 0;
  bool seen = false;
  do {
    if (string(c, NULL, NULL) < 0 || !eat(c, ':')) return -EBADMSG;
    int rc = seen ? skip_value(c) : item_body(c, r);
    if (rc < 0) return rc;
    seen = true;
  } while (eat(c, ','));
  return eat(c, '}') ? 0 : -EBADMSG;
}

static int items(cur *c, es_bulk_item_fn fn, void *arg, es_bulk_summary *out) {
  if (!eat(c, '[')) return -EBADMSG;
  if (eat(c, ']')) return 0;
  do {
    es_bulk_item_result r;
    if (item(c, &r) < 0) return -EBADMSG;
    if (fn) fn(arg, out->items, &r);
    out->items++;
  } while (eat(c, ','));
  return eat(c, ']') ? 0 : -EBADMSG;
}

int es_bulk_scan(const char *p, size_t n, es_bulk_item_fn fn, void *arg, es_bulk_summary *out) {
  cur c = {p, p + n};
  memset(out, 0, sizeof(*out));
  if (!p || !eat(&c, '{')) return -EBADMSG;
  if (!eat(&c, '}')) {
    do {
      const char *k;
      size_t kn;
      if (string(&c, &k, &kn) < 0 || !eat(&c, ':')) return -EBADMSG;
      int rc;
      if (key_is(k, kn, "errors")) {
        bool t = peek(&c, 't');
        rc = literal(&c, t ? "true" : "false");
        out->errors = t;
      } else if (key_is(k, kn, "items")) {
        rc = items(&c, fn, arg, out);
      } else {
        rc = skip_value(&c);
      }
      if (rc < 0) return rc;
    } while (eat(&c, ','));
    if (!eat(&c, '}')) return -EBADMSG;
  }
  ws(&c);
  return c.p == c.end ? 0 : -EBADMSG;
}
