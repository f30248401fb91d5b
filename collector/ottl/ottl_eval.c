/* Evaluating a compiled OTTL tree against one item: comparisons with
 * OTTL's rules for mismatched types and nil (pkg/ottl/compare.go), math
 * on ints and floats, and the converters. Nothing here allocates except
 * IsMatch's text buffer for a non-string target, which grows once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ottl_internal.h"

static bool cmp_order(int c, ottl_cmp_op op) {
  switch (op) {
  case OP_EQ: return c == 0;
  case OP_NE: return c != 0;
  case OP_LT: return c < 0;
  case OP_LE: return c <= 0;
  case OP_GT: return c > 0;
  case OP_GE: return c >= 0;
  }
  return false;
}

static int cmp_double(double a, double b) { return a < b ? -1 : a > b ? 1 : a == b ? 0 : 2; }

static bool cmp_bytes(const void *a, size_t an, const void *b, size_t bn, ottl_cmp_op op) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (!c) c = an < bn ? -1 : an > bn;
  return cmp_order(c, op);
}

static bool is_num(const ottl_val *v) { return v->t == V_INT || v->t == V_DOUBLE; }

bool ottl_compare(const ottl_val *a, const ottl_val *b, ottl_cmp_op op) {
  if (a->t == V_NIL && b->t == V_NIL) return op == OP_EQ || op == OP_LE || op == OP_GE;
  if (a->t == V_NIL || b->t == V_NIL) return op == OP_NE;
  if (is_num(a) && is_num(b)) {
    if (a->t == V_INT && b->t == V_INT) return cmp_order(a->i < b->i ? -1 : a->i > b->i, op);
    double x = a->t == V_INT ? (double)a->i : a->d, y = b->t == V_INT ? (double)b->i : b->d;
    int c = cmp_double(x, y);
    return c == 2 ? op == OP_NE : cmp_order(c, op); /* NaN: unordered */
  }
  if (a->t != b->t) return op == OP_NE;
  switch (a->t) {
  case V_BOOL: return cmp_order((int)a->b - (int)b->b, op);
  case V_STRING:
  case V_BYTES: return cmp_bytes(a->p, a->len, b->p, b->len, op);
  default:
    /* maps and slices: identity only (otelcol compares them deeply) */
    if (op == OP_EQ) return a->p == b->p && a->len == b->len;
    if (op == OP_NE) return !(a->p == b->p && a->len == b->len);
    return false;
  }
}

static int eval_math(ottl_node *n, const ottl_item *it, ottl_val *out, const char **why) {
  ottl_val x, y;
  if (ottl_eval_value(n->a, it, &x, why) || ottl_eval_value(n->b, it, &y, why)) return -1;
  if (!is_num(&x) || !is_num(&y) || x.t != y.t) {
    *why = "math needs two ints or two floats";
    return -1;
  }
  memset(out, 0, sizeof(*out));
  out->t = x.t;
  if (x.t == V_INT) {
    if (n->math == '/' && y.i == 0) {
      *why = "division by zero";
      return -1;
    }
    uint64_t ux = (uint64_t)x.i, uy = (uint64_t)y.i; /* wrap as Go does */
    out->i = n->math == '+' ? (int64_t)(ux + uy) : n->math == '-' ? (int64_t)(ux - uy)
           : n->math == '*' ? (int64_t)(ux * uy) : (x.i == INT64_MIN && y.i == -1 ? x.i : x.i / y.i);
  } else {
    if (n->math == '/' && y.d == 0) {
      *why = "division by zero";
      return -1;
    }
    out->d = n->math == '+' ? x.d + y.d : n->math == '-' ? x.d - y.d : n->math == '*' ? x.d * y.d : x.d / y.d;
  }
  return 0;
}

static int eval_len(ottl_node *n, const ottl_item *it, ottl_val *out, const char **why) {
  ottl_val v;
  if (ottl_eval_value(n->a, it, &v, why)) return -1;
  if (v.t != V_STRING && v.t != V_BYTES && v.t != V_MAP && v.t != V_SLICE) {
    *why = "Len: unsupported type (string, bytes, map or slice)";
    return -1;
  }
  memset(out, 0, sizeof(*out));
  out->t = V_INT;
  out->i = (int64_t)v.len;
  return 0;
}

int ottl_eval_value(ottl_node *n, const ottl_item *it, ottl_val *out, const char **why) {
  switch (n->kind) {
  case N_CONST: *out = n->val; return 0;
  case N_PATH: ottl_path_read(n->path, n->keyed ? n->owned : NULL, it, n->scratch, out); return 0;
  case N_MATH: return eval_math(n, it, out, why);
  case N_LEN: return eval_len(n, it, out, why);
  default: {
    int r = ottl_eval_bool(n, it, why);
    if (r < 0) return -1;
    memset(out, 0, sizeof(*out));
    out->t = V_BOOL;
    out->b = r;
    return 0;
  }
  }
}

/* Go's strconv.FormatFloat(d, 'f', -1, 64): the fewest decimals that
 * read back. */
static void double_text(double d, char *buf, size_t cap) {
  for (int prec = 0; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*f", prec, d);
    if (strtod(buf, NULL) == d) return;
  }
  snprintf(buf, cap, "%.17g", d);
}

/* IsMatch's StringLikeGetter: strings as they are, numbers and bools as
 * text, bytes as hex; map and slice: not matched (see README). */
static const char *match_text(ottl_node *n, const ottl_val *v, size_t *len) {
  char tmp[64];
  const char *s = tmp;
  size_t need;
  switch (v->t) {
  case V_STRING: *len = v->len; return v->p;
  case V_BOOL: s = v->b ? "true" : "false"; break;
  case V_INT: snprintf(tmp, sizeof(tmp), "%lld", (long long)v->i); break;
  case V_DOUBLE: double_text(v->d, tmp, sizeof(tmp)); break;
  case V_BYTES:
    need = 2 * v->len + 1;
    if (need > n->conv_cap) {
      char *c = realloc(n->conv, need);
      if (!c) return NULL;
      n->conv = c;
      n->conv_cap = need;
    }
    for (size_t i = 0; i < v->len; i++) snprintf(n->conv + 2 * i, 3, "%02x", ((const uint8_t *)v->p)[i]);
    *len = 2 * v->len;
    return v->len ? n->conv : "";
  default: return NULL;
  }
  *len = strlen(s);
  if (*len + 1 > n->conv_cap) {
    char *c = realloc(n->conv, *len + 1 > 64 ? *len + 1 : 64);
    if (!c) return NULL;
    n->conv = c;
    n->conv_cap = *len + 1 > 64 ? *len + 1 : 64;
  }
  memcpy(n->conv, s, *len + 1);
  return n->conv;
}

static int eval_is_match(ottl_node *n, const ottl_item *it, const char **why) {
  ottl_val v;
  if (ottl_eval_value(n->a, it, &v, why)) return -1;
  if (v.t == V_NIL) return 0;
  size_t len = 0;
  const char *s = match_text(n, &v, &len);
  if (!s) return 0;
  int rc = pcre2_match(n->re, (PCRE2_SPTR)s, len, 0, 0, n->md, NULL);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  *why = "IsMatch: regex match failed (limit reached)";
  return -1;
}

static bool attrs_have(size_t cnt, otlp_key_value *const *kv, const char *key, const ottl_val *want) {
  ottl_val v;
  ottl_attr_get(cnt, kv, key, &v);
  if (!want) {
    for (size_t i = 0; i < cnt; i++)
      if (kv[i]->key && !strcmp(kv[i]->key, key)) return true;
    return false;
  }
  return v.t == V_STRING && want->t == V_STRING && v.len == want->len && !memcmp(v.p, want->p, v.len);
}

/* HasAttrKeyOnDatapoint / HasAttrOnDatapoint: any point of the metric. */
static int eval_has_attr(ottl_node *n, const ottl_item *it) {
  const otlp_metric *m = it->metric;
  size_t np = m ? ottl_metric_points(m) : 0;
  for (size_t i = 0; i < np; i++) {
    size_t cnt;
    otlp_key_value **kv;
    ottl_point_attrs(m, ottl_metric_point(m, i), &cnt, &kv);
    if (attrs_have(cnt, kv, n->owned, n->kind == N_HAS_ATTR_DP ? &n->b->val : NULL)) return 1;
  }
  return 0;
}

int ottl_eval_bool(ottl_node *n, const ottl_item *it, const char **why) {
  int r;
  ottl_val x, y;
  switch (n->kind) {
  case N_OR:
    if ((r = ottl_eval_bool(n->a, it, why)) != 0) return r;
    return ottl_eval_bool(n->b, it, why);
  case N_AND:
    if ((r = ottl_eval_bool(n->a, it, why)) != 1) return r;
    return ottl_eval_bool(n->b, it, why);
  case N_NOT:
    r = ottl_eval_bool(n->a, it, why);
    return r < 0 ? r : !r;
  case N_CMP:
    if (ottl_eval_value(n->a, it, &x, why) || ottl_eval_value(n->b, it, &y, why)) return -1;
    return ottl_compare(&x, &y, n->op);
  case N_CONST: return n->val.b;
  case N_IS_MATCH: return eval_is_match(n, it, why);
  case N_IS_STRING:
    if (ottl_eval_value(n->a, it, &x, why)) return -1;
    return x.t == V_STRING;
  case N_HAS_ATTR_KEY_DP:
  case N_HAS_ATTR_DP: return eval_has_attr(n, it);
  default: *why = "not a boolean expression"; return -1;
  }
}

int ottl_cond_eval(ottl_cond *c, const ottl_item *it, const char **why) {
  *why = NULL;
  return ottl_eval_bool(c->root, it, why);
}

void ottl_node_free(ottl_node *n) {
  if (!n) return;
  ottl_node_free(n->a);
  ottl_node_free(n->b);
  for (size_t i = 0; i < n->n_items; i++) ottl_node_free(n->items[i]);
  free(n->items);
  free(n->owned);
  free(n->conv);
  if (n->md) pcre2_match_data_free(n->md);
  if (n->re) pcre2_code_free(n->re);
  free(n);
}

void ottl_cond_free(ottl_cond *c) {
  if (!c) return;
  ottl_node_free(c->root);
  free(c);
}
