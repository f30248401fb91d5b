/* Recursive-descent parser of the OTTL subset (grammar in README.md),
 * building the tree ottl_eval.c walks. Regexes are compiled here, once. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ottl_internal.h"

void ottl_fail(ottl_parser *p, int col, const char *fmt, ...) {
  if (p->err->msg[0]) return; /* keep the first error */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
  va_end(ap);
  p->err->col = col;
}

static bool failed(const ottl_parser *p) { return p->err->msg[0] != '\0'; }

static bool advance(ottl_parser *p) {
  if (failed(p)) return false;
  return ottl_lex_next(&p->lex, p->err) == 0;
}

int ottl_parser_init(ottl_parser *p, const char *src, ottl_context ctx, bool prefixed, ottl_error *err) {
  memset(p, 0, sizeof(*p));
  memset(err, 0, sizeof(*err));
  p->lex.src = p->lex.pos = src;
  p->ctx = ctx;
  p->prefixed = prefixed;
  p->err = err;
  return advance(p) ? 0 : -1;
}

static ottl_node *node_new(ottl_parser *p, ottl_node_kind k, int col) {
  if (++p->nodes > OTTL_MAX_NODES) {
    ottl_fail(p, col, "expression too long (more than %d terms)", OTTL_MAX_NODES);
    return NULL;
  }
  ottl_node *n = calloc(1, sizeof(*n));
  if (!n) {
    ottl_fail(p, col, "out of memory");
    return NULL;
  }
  n->kind = k;
  n->col = col;
  return n;
}

static bool is_word(const ottl_tok *t, const char *w) {
  return t->kind == TK_IDENT && t->len == strlen(w) && !memcmp(t->p, w, t->len);
}

static bool is_keyword(const ottl_tok *t) {
  return is_word(t, "and") || is_word(t, "or") || is_word(t, "not") || is_word(t, "where");
}

static bool expect(ottl_parser *p, ottl_tok_kind k, const char *what) {
  if (failed(p)) return false;
  if (p->lex.tok.kind != k) {
    ottl_fail(p, p->lex.tok.col, "expected %s", what);
    return false;
  }
  return advance(p);
}

static ottl_node *fail_free(ottl_node *n) {
  ottl_node_free(n);
  return NULL;
}

/* ---- literals ---- */

static ottl_node *literal(ottl_parser *p) {
  ottl_tok *t = &p->lex.tok;
  ottl_node *n = node_new(p, N_CONST, t->col);
  if (!n) return NULL;
  switch (t->kind) {
  case TK_STRING:
    n->owned = t->text;
    t->text = NULL;
    n->val.t = V_STRING;
    n->val.p = n->owned;
    n->val.len = t->text_len;
    break;
  case TK_INT: n->val.t = V_INT; n->val.i = t->i; break;
  case TK_FLOAT: n->val.t = V_DOUBLE; n->val.d = t->d; break;
  case TK_BYTES: {
    size_t nb = (t->len - 2) / 2;
    uint8_t *b = malloc(nb ? nb : 1);
    if (!b) return fail_free(n);
    for (size_t i = 0; i < nb; i++) {
      unsigned v;
      sscanf(t->p + 2 + 2 * i, "%2x", &v);
      b[i] = (uint8_t)v;
    }
    n->owned = (char *)b;
    n->val.t = V_BYTES;
    n->val.p = b;
    n->val.len = nb;
    break;
  }
  default: break;
  }
  return advance(p) ? n : fail_free(n);
}

static ottl_node *negative(ottl_parser *p) {
  int col = p->lex.tok.col;
  if (!advance(p)) return NULL;
  if (p->lex.tok.kind != TK_INT && p->lex.tok.kind != TK_FLOAT) {
    ottl_fail(p, col, "'-' must be followed by a number here");
    return NULL;
  }
  ottl_node *n = literal(p);
  if (!n) return NULL;
  n->col = col;
  if (n->val.t == V_INT) n->val.i = (int64_t)(0 - (uint64_t)n->val.i);
  else n->val.d = -n->val.d;
  return n;
}

/* ---- paths ---- */

static ottl_node *path(ottl_parser *p) {
  int col = p->lex.tok.col;
  char dotted[160];
  size_t len = 0;
  for (;;) {
    const ottl_tok *t = &p->lex.tok;
    if (t->kind != TK_IDENT || len + t->len + 2 > sizeof(dotted)) {
      ottl_fail(p, t->col, "expected a path segment");
      return NULL;
    }
    if (len) dotted[len++] = '.';
    memcpy(dotted + len, t->p, t->len);
    len += t->len;
    dotted[len] = '\0';
    if (!advance(p)) return NULL;
    if (p->lex.tok.kind != TK_DOT) break;
    if (!advance(p)) return NULL;
  }
  bool keyed;
  int id = ottl_path_lookup(dotted, p->ctx, p->prefixed, &keyed);
  if (id < 0) {
    ottl_fail(p, col, "unsupported path %s in the %s context%s", dotted, ottl_context_name(p->ctx),
              p->prefixed ? " (paths need a context prefix: resource., scope., or the item's)" : "");
    return NULL;
  }
  ottl_node *n = node_new(p, N_PATH, col);
  if (!n) return NULL;
  n->path = (ottl_path_id)id;
  if (p->lex.tok.kind != TK_LBRACK) return n;
  if (!keyed) {
    ottl_fail(p, p->lex.tok.col, "path %s takes no [key]", dotted);
    return fail_free(n);
  }
  if (!advance(p)) return fail_free(n);
  if (p->lex.tok.kind != TK_STRING) {
    ottl_fail(p, p->lex.tok.col, "only string keys are supported in [...]");
    return fail_free(n);
  }
  n->owned = p->lex.tok.text;
  p->lex.tok.text = NULL;
  n->keyed = true;
  if (!advance(p) || !expect(p, TK_RBRACK, "']'")) return fail_free(n);
  if (p->lex.tok.kind == TK_LBRACK) {
    ottl_fail(p, p->lex.tok.col, "nested keys (map or slice indexing) are not supported");
    return fail_free(n);
  }
  return n;
}

/* ---- converters ---- */

static ottl_node *regex_node(ottl_parser *p, ottl_node *n, ottl_node *pat) {
  if (pat->kind != N_CONST || pat->val.t != V_STRING) {
    ottl_fail(p, pat->col, "the pattern must be a string literal");
    ottl_node_free(pat);
    return fail_free(n);
  }
  int ec;
  PCRE2_SIZE off;
  n->re = pcre2_compile((PCRE2_SPTR)pat->val.p, pat->val.len, PCRE2_UTF, &ec, &off, NULL);
  if (!n->re) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(ec, msg, sizeof(msg));
    ottl_fail(p, pat->col, "invalid regex \"%s\": %s at offset %zu", (const char *)pat->val.p, (const char *)msg,
              (size_t)off);
    ottl_node_free(pat);
    return fail_free(n);
  }
  pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE); /* per-item matches; falls back to the interpreter */
  n->md = pcre2_match_data_create_from_pattern(n->re, NULL);
  ottl_node_free(pat);
  if (!n->md) {
    ottl_fail(p, n->col, "out of memory");
    return fail_free(n);
  }
  return n;
}

typedef struct conv_def {
  const char *name;
  ottl_node_kind kind;
  int nargs;
} conv_def;

static const conv_def convs[] = {
    {"IsMatch", N_IS_MATCH, 2},        {"IsString", N_IS_STRING, 1},
    {"Len", N_LEN, 1},                 {"HasAttrKeyOnDatapoint", N_HAS_ATTR_KEY_DP, 1},
    {"HasAttrOnDatapoint", N_HAS_ATTR_DP, 2},
};

static int args(ottl_parser *p, ottl_node **out, int max, int *n) {
  *n = 0;
  if (!advance(p)) return -1; /* '(' */
  if (p->lex.tok.kind == TK_RPAREN) return advance(p) ? 0 : -1;
  for (;;) {
    int col = p->lex.tok.col;
    ottl_node *a = ottl_parse_value(p);
    if (!a) return -1;
    if (*n == max) {
      ottl_fail(p, col, "too many arguments");
      ottl_node_free(a);
      return -1;
    }
    out[(*n)++] = a;
    if (p->lex.tok.kind == TK_COMMA) {
      if (!advance(p)) return -1;
      continue;
    }
    return expect(p, TK_RPAREN, "',' or ')'") ? 0 : -1;
  }
}

static bool const_string(const ottl_node *n) { return n->kind == N_CONST && n->val.t == V_STRING; }

static ottl_node *converter(ottl_parser *p, const char *name, size_t len, int col) {
  const conv_def *d = NULL;
  for (size_t i = 0; i < sizeof(convs) / sizeof(convs[0]); i++)
    if (strlen(convs[i].name) == len && !memcmp(convs[i].name, name, len)) d = &convs[i];
  if (!d) {
    ottl_fail(p, col, "unsupported function %.*s (supported: IsMatch, IsString, Len, HasAttrKeyOnDatapoint, "
              "HasAttrOnDatapoint)", (int)len, name);
    return NULL;
  }
  ottl_node *a[3] = {0};
  int n = 0;
  if (args(p, a, 3, &n) || n != d->nargs) {
    if (!failed(p)) ottl_fail(p, col, "%s takes %d argument%s, %d given", d->name, d->nargs, d->nargs > 1 ? "s" : "", n);
    for (int i = 0; i < n; i++) ottl_node_free(a[i]);
    return NULL;
  }
  ottl_node *node = node_new(p, d->kind, col);
  if (!node) {
    for (int i = 0; i < n; i++) ottl_node_free(a[i]);
    return NULL;
  }
  node->a = a[0];
  if (d->kind == N_IS_MATCH) return regex_node(p, node, a[1]);
  if (d->kind == N_HAS_ATTR_KEY_DP || d->kind == N_HAS_ATTR_DP) {
    node->b = a[1];
    node->a = NULL;
    if (p->ctx != OTTL_METRIC) ottl_fail(p, col, "%s is only available in the metric context", d->name);
    else if (!const_string(a[0]) || (a[1] && !const_string(a[1])))
      ottl_fail(p, col, "%s takes string literals", d->name);
    if (!failed(p)) {
      node->owned = a[0]->owned;
      a[0]->owned = NULL;
    }
    ottl_node_free(a[0]);
    return failed(p) ? fail_free(node) : node;
  }
  return node;
}

/* ---- values ---- */

static ottl_node *list(ottl_parser *p) {
  ottl_node *n = node_new(p, N_LIST, p->lex.tok.col);
  if (!n || !advance(p)) return fail_free(n);
  while (p->lex.tok.kind != TK_RBRACK) {
    ottl_node *v = ottl_parse_value(p);
    if (!v) return fail_free(n);
    ottl_node **items = realloc(n->items, (n->n_items + 1) * sizeof(*items));
    if (!items) {
      ottl_node_free(v);
      return fail_free(n);
    }
    n->items = items;
    n->items[n->n_items++] = v;
    if (p->lex.tok.kind == TK_COMMA) {
      if (!advance(p)) return fail_free(n);
    } else if (p->lex.tok.kind != TK_RBRACK) {
      ottl_fail(p, p->lex.tok.col, "expected ',' or ']'");
      return fail_free(n);
    }
  }
  return advance(p) ? n : fail_free(n);
}

static ottl_node *ident_value(ottl_parser *p) {
  ottl_tok t = p->lex.tok;
  if (is_word(&t, "true") || is_word(&t, "false") || is_word(&t, "nil")) {
    ottl_node *n = node_new(p, N_CONST, t.col);
    if (!n) return NULL;
    n->val.t = is_word(&t, "nil") ? V_NIL : V_BOOL;
    n->val.b = is_word(&t, "true");
    return advance(p) ? n : fail_free(n);
  }
  if (is_keyword(&t)) {
    ottl_fail(p, t.col, "unexpected '%.*s'", (int)t.len, t.p);
    return NULL;
  }
  /* a call: look past the name */
  const char *q = p->lex.pos;
  while (*q == ' ' || *q == '\t') q++;
  if (*q == '(') {
    if (islower((unsigned char)t.p[0])) {
      ottl_fail(p, t.col, "editor %.*s cannot be used in a condition", (int)t.len, t.p);
      return NULL;
    }
    if (!advance(p)) return NULL;
    return converter(p, t.p, t.len, t.col);
  }
  if (isupper((unsigned char)t.p[0])) {
    int64_t v;
    if (!ottl_enum_lookup(t.p, t.len, &v)) {
      ottl_fail(p, t.col, "unknown enum %.*s", (int)t.len, t.p);
      return NULL;
    }
    ottl_node *n = node_new(p, N_CONST, t.col);
    if (!n) return NULL;
    n->val.t = V_INT;
    n->val.i = v;
    return advance(p) ? n : fail_free(n);
  }
  return path(p);
}

static ottl_node *unary_inner(ottl_parser *p) {
  if (failed(p)) return NULL;
  switch (p->lex.tok.kind) {
  case TK_STRING:
  case TK_INT:
  case TK_FLOAT:
  case TK_BYTES: return literal(p);
  case TK_MINUS: return negative(p);
  case TK_IDENT: return ident_value(p);
  case TK_LBRACK: return list(p);
  case TK_LPAREN: ottl_fail(p, p->lex.tok.col, "parentheses around math are not supported"); return NULL;
  case TK_EOF: ottl_fail(p, p->lex.tok.col, "unexpected end of expression"); return NULL;
  default: ottl_fail(p, p->lex.tok.col, "expected a value"); return NULL;
  }
}

static bool deeper(ottl_parser *p);

/* calls and lists nest through here */
static ottl_node *unary(ottl_parser *p) {
  if (!deeper(p)) return NULL;
  ottl_node *n = unary_inner(p);
  p->depth--;
  return n;
}

static ottl_node *math(ottl_parser *p, ottl_node *a, ottl_node *(*operand)(ottl_parser *), char op) {
  int col = p->lex.tok.col;
  if (!advance(p)) return fail_free(a);
  ottl_node *b = operand(p);
  ottl_node *n = b ? node_new(p, N_MATH, col) : NULL;
  if (!n) {
    ottl_node_free(b);
    return fail_free(a);
  }
  n->a = a;
  n->b = b;
  n->math = op;
  return n;
}

static ottl_node *term_value(ottl_parser *p) {
  ottl_node *a = unary(p);
  while (a && (p->lex.tok.kind == TK_STAR || p->lex.tok.kind == TK_SLASH))
    a = math(p, a, unary, p->lex.tok.kind == TK_STAR ? '*' : '/');
  return a;
}

ottl_node *ottl_parse_value(ottl_parser *p) {
  ottl_node *a = term_value(p);
  while (a && (p->lex.tok.kind == TK_PLUS || p->lex.tok.kind == TK_MINUS))
    a = math(p, a, term_value, p->lex.tok.kind == TK_PLUS ? '+' : '-');
  return a;
}

/* ---- booleans ---- */

static bool is_boolean(const ottl_node *n) {
  return n->kind == N_IS_MATCH || n->kind == N_IS_STRING || n->kind == N_HAS_ATTR_KEY_DP ||
         n->kind == N_HAS_ATTR_DP || (n->kind == N_CONST && n->val.t == V_BOOL);
}

static ottl_node *comparison(ottl_parser *p) {
  ottl_node *a = ottl_parse_value(p);
  if (!a) return NULL;
  if (p->lex.tok.kind != TK_CMP) {
    if (is_boolean(a)) return a;
    ottl_fail(p, p->lex.tok.kind == TK_EOF ? a->col : p->lex.tok.col,
              "expected a comparison operator (==, !=, <, <=, >, >=)");
    return fail_free(a);
  }
  ottl_node *n = node_new(p, N_CMP, p->lex.tok.col);
  if (!n) return fail_free(a);
  n->op = p->lex.tok.cmp;
  n->a = a;
  if (!advance(p) || !(n->b = ottl_parse_value(p))) return fail_free(n);
  if (n->a->kind == N_LIST || n->b->kind == N_LIST) {
    ottl_fail(p, n->col, "lists cannot be compared");
    return fail_free(n);
  }
  return n;
}

static ottl_node *term(ottl_parser *p);

static bool deeper(ottl_parser *p) {
  if (++p->depth <= OTTL_MAX_DEPTH) return true;
  ottl_fail(p, p->lex.tok.col, "expression nested too deeply (more than %d levels)", OTTL_MAX_DEPTH);
  return false;
}

static ottl_node *primary(ottl_parser *p) {
  if (p->lex.tok.kind != TK_LPAREN) return comparison(p);
  if (!deeper(p) || !advance(p)) return NULL;
  ottl_node *n = ottl_parse_condition(p);
  if (!n || !expect(p, TK_RPAREN, "')'")) return fail_free(n);
  p->depth--;
  return n;
}

static ottl_node *term(ottl_parser *p) {
  if (!is_word(&p->lex.tok, "not")) return primary(p);
  int col = p->lex.tok.col;
  if (!deeper(p) || !advance(p)) return NULL;
  ottl_node *a = term(p);
  p->depth--;
  ottl_node *n = a ? node_new(p, N_NOT, col) : NULL;
  if (!n) return fail_free(a);
  n->a = a;
  return n;
}

static ottl_node *binary(ottl_parser *p, const char *word, ottl_node_kind k, ottl_node *(*operand)(ottl_parser *)) {
  ottl_node *a = operand(p);
  while (a && is_word(&p->lex.tok, word)) {
    int col = p->lex.tok.col;
    if (!advance(p)) return fail_free(a);
    ottl_node *b = operand(p);
    ottl_node *n = b ? node_new(p, k, col) : NULL;
    if (!n) {
      ottl_node_free(b);
      return fail_free(a);
    }
    n->a = a;
    n->b = b;
    a = n;
  }
  return a;
}

static ottl_node *and_expr(ottl_parser *p) { return binary(p, "and", N_AND, term); }

ottl_node *ottl_parse_condition(ottl_parser *p) { return binary(p, "or", N_OR, and_expr); }

ottl_cond *ottl_cond_compile(const char *src, ottl_context ctx, bool prefixed, ottl_error *err) {
  ottl_parser p;
  ottl_node *root = NULL;
  if (ottl_parser_init(&p, src, ctx, prefixed, err) == 0) root = ottl_parse_condition(&p);
  if (root && p.lex.tok.kind != TK_EOF) {
    ottl_fail(&p, p.lex.tok.col, "unexpected '%.*s' after the condition", (int)p.lex.tok.len, p.lex.tok.p);
    root = fail_free(root);
  }
  ottl_lex_free(&p.lex);
  ottl_cond *c = root ? calloc(1, sizeof(*c)) : NULL;
  if (!c) {
    if (root && !err->msg[0]) snprintf(err->msg, sizeof(err->msg), "out of memory");
    ottl_node_free(root);
    return NULL;
  }
  c->root = root;
  c->ctx = ctx;
  return c;
}

/* Identifiers followed by '.', in order, name the contexts a flat
 * expression reaches (prefixes inside string literals do not count). */
ottl_context ottl_infer_context(const char *src, otlpd_signal s) {
  ottl_context base = s == OTLPD_TRACES ? OTTL_SPAN : s == OTLPD_METRICS ? OTTL_METRIC : OTTL_LOG, best = base;
  ottl_lex l = {.src = src, .pos = src};
  ottl_error err;
  const char *prev = NULL;
  size_t prev_len = 0;
  while (ottl_lex_next(&l, &err) == 0 && l.tok.kind != TK_EOF) {
    if (l.tok.kind == TK_DOT && prev) {
      if (prev_len == 9 && !memcmp(prev, "spanevent", 9) && s == OTLPD_TRACES) best = OTTL_SPANEVENT;
      if (prev_len == 9 && !memcmp(prev, "datapoint", 9) && s == OTLPD_METRICS) best = OTTL_DATAPOINT;
    }
    prev = l.tok.kind == TK_IDENT ? l.tok.p : NULL;
    prev_len = l.tok.len;
  }
  ottl_lex_free(&l);
  return best;
}
