/* ${env:VAR} expansion in config scalars, following otelcol's rules:
 * `${env:VAR}` and `${VAR}` expand (unset = ""), `${env:VAR:-def}` falls
 * back to def when VAR is unset or empty, `$$` is a literal `$`. A plain
 * scalar that is exactly one reference keeps YAML typing (a port stays an
 * int, an empty value is null); anything mixed with text is a string. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct out_buf {
  char *s;
  size_t len, cap;
} out_buf;

static int out_put(out_buf *o, const char *p, size_t n) {
  if (o->len + n + 1 > o->cap) {
    size_t cap = (o->len + n + 1) * 2;
    char *s = realloc(o->s, cap);
    if (!s)
      return -ENOMEM;
    o->s = s;
    o->cap = cap;
  }
  memcpy(o->s + o->len, p, n);
  o->len += n;
  o->s[o->len] = '\0';
  return 0;
}

static bool valid_env_name(const char *p, size_t n) {
  if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!(isalnum((unsigned char)p[i]) || p[i] == '_'))
      return false;
  return true;
}

typedef struct ref_ctx {
  const char *file;
  int line;
  otlpd_errors *errs;
} ref_ctx;

/* One `${...}` body (without the braces) -> its expansion appended to o. */
static int expand_ref(const ref_ctx *c, const char *body, size_t n, out_buf *o) {
  const char *colon = memchr(body, ':', n);
  if (colon && colon + 1 < body + n && colon[1] != '-') {
    size_t slen = (size_t)(colon - body);
    if (slen != 3 || memcmp(body, "env", 3) != 0) {
      otlpd_errorf(c->errs, "%s:%d: unsupported config provider \"%.*s\" in \"${%.*s}\" (only env)",
                   c->file, c->line, (int)slen, body, (int)n, body);
      return -EINVAL;
    }
    n -= slen + 1;
    body = colon + 1;
  }
  const char *dflt = NULL;
  size_t name_len = n, dflt_len = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    if (body[i] == ':' && body[i + 1] == '-') {
      name_len = i;
      dflt = body + i + 2;
      dflt_len = n - i - 2;
      break;
    }
  }
  if (!valid_env_name(body, name_len)) {
    otlpd_errorf(c->errs, "%s:%d: invalid environment variable name \"%.*s\"", c->file, c->line,
                 (int)name_len, body);
    return -EINVAL;
  }
  char name[256];
  if (name_len >= sizeof(name)) {
    otlpd_errorf(c->errs, "%s:%d: environment variable name too long", c->file, c->line);
    return -EINVAL;
  }
  memcpy(name, body, name_len);
  name[name_len] = '\0';
  const char *v = getenv(name);
  if (!v && !dflt)
    otlpd_warnf(c->errs, "%s:%d: environment variable %s is not set; it expands to an empty value",
                c->file, c->line, name);
  if ((!v || !*v) && dflt)
    return out_put(o, dflt, dflt_len);
  return v ? out_put(o, v, strlen(v)) : 0;
}

static int expand_scalar(otlpd_node *n, const char *file, otlpd_errors *errs) {
  const char *s = n->scalar;
  if (!strchr(s, '$'))
    return 0;
  ref_ctx c = {file, n->line, errs};
  out_buf o = {0};
  int refs = 0, rc = out_put(&o, "", 0);
  bool other_text = false;
  for (size_t i = 0; s[i] && rc == 0;) {
    if (s[i] == '$' && s[i + 1] == '$') {
      rc = out_put(&o, "$", 1);
      other_text = true;
      i += 2;
    } else if (s[i] == '$' && s[i + 1] == '{') {
      const char *end = strchr(s + i + 2, '}');
      if (!end) {
        otlpd_errorf(errs, "%s:%d: unterminated \"${\" in \"%s\"", file, n->line, s);
        rc = -EINVAL;
        break;
      }
      rc = expand_ref(&c, s + i + 2, (size_t)(end - s - i - 2), &o);
      refs++;
      i = (size_t)(end - s) + 1;
    } else {
      rc = out_put(&o, s + i, 1);
      other_text = true;
      i++;
    }
  }
  if (rc == -ENOMEM)
    otlpd_errorf(errs, "%s:%d: out of memory", file, n->line);
  if (rc != 0) {
    free(o.s);
    return rc;
  }
  free(n->scalar);
  n->scalar = o.s;
  if (refs > 0 && (other_text || refs > 1))
    n->quoted = true; /* text around a reference: always a string */
  otlpd_node_retype(n);
  return 0;
}

int otlpd_env_expand_tree(otlpd_node *n, const char *name, otlpd_errors *errs) {
  if (!n)
    return 0;
  if (n->kind == OTLPD_NODE_SCALAR)
    return expand_scalar(n, name, errs);
  int rc = 0;
  for (size_t i = 0; i < n->n; i++)
    if (otlpd_env_expand_tree(n->items[i], name, errs) != 0)
      rc = -EINVAL; /* keep going: report every bad reference */
  return rc;
}
