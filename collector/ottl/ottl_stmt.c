/* OTTL statements of the transform processor's subset: an editor call
 * (set, delete_key, delete_matching_keys, replace_pattern, truncate_all,
 * limit) on a target path, with an optional `where` condition. Parsed
 * with the condition parser; the processor applies them. */
#include <stdlib.h>
#include <string.h>

#include "ottl_internal.h"

typedef struct editor_def {
  const char *name;
  ottl_editor ed;
  int min_args, max_args;
  bool map_target;
} editor_def;

static const editor_def editors[] = {
    {"set", OTTL_SET, 2, 2, false},
    {"delete_key", OTTL_DELETE_KEY, 2, 2, true},
    {"delete_matching_keys", OTTL_DELETE_MATCHING_KEYS, 2, 2, true},
    {"replace_pattern", OTTL_REPLACE_PATTERN, 3, 3, false},
    {"truncate_all", OTTL_TRUNCATE_ALL, 2, 2, true},
    {"limit", OTTL_LIMIT, 2, 3, true},
};

static int target_of(ottl_parser *p, const ottl_node *n, bool map, ottl_target *t) {
  if (n->kind == N_PATH) {
    switch (n->path) {
    case P_ATTRS: *t = n->keyed ? OTTL_T_ATTR : OTTL_T_ATTRS; break;
    case P_RES_ATTRS: *t = n->keyed ? OTTL_T_RES_ATTR : OTTL_T_RES_ATTRS; break;
    case P_NAME: *t = OTTL_T_NAME; break;
    case P_BODY: *t = OTTL_T_BODY; break;
    case P_SEV_TEXT: *t = OTTL_T_SEV_TEXT; break;
    case P_SEV_NUM: *t = OTTL_T_SEV_NUM; break;
    case P_STATUS_CODE: *t = OTTL_T_STATUS_CODE; break;
    default: goto bad;
    }
    bool is_map = *t == OTTL_T_ATTRS || *t == OTTL_T_RES_ATTRS;
    if (is_map == map) return 0;
    ottl_fail(p, n->col, map ? "this editor needs a map target (attributes or resource.attributes)"
                             : "this editor needs a single-value target, not a whole map");
    return -1;
  }
bad:
  ottl_fail(p, n->col, "unsupported target (supported: attributes[\"k\"], resource.attributes[\"k\"], name, "
            "body, severity_text, severity_number, status.code%s)", map ? ", attributes, resource.attributes" : "");
  return -1;
}

static int compile_re(ottl_parser *p, ottl_stmt *s, const ottl_node *pat) {
  if (pat->kind != N_CONST || pat->val.t != V_STRING) {
    ottl_fail(p, pat->col, "the pattern must be a string literal");
    return -1;
  }
  int ec;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat->val.p, pat->val.len, PCRE2_UTF, &ec, &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(ec, msg, sizeof(msg));
    ottl_fail(p, pat->col, "invalid regex \"%s\": %s at offset %zu", (const char *)pat->val.p, (const char *)msg,
              (size_t)off);
    return -1;
  }
  s->re = re;
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* per-item matches; falls back to the interpreter */
  s->md = pcre2_match_data_create_from_pattern(re, NULL);
  if (!s->md) ottl_fail(p, pat->col, "out of memory");
  return s->md ? 0 : -1;
}

static char *take_string(ottl_parser *p, ottl_node *n, const char *what) {
  if (n->kind != N_CONST || n->val.t != V_STRING) {
    ottl_fail(p, n->col, "%s must be a string literal", what);
    return NULL;
  }
  char *s = n->owned;
  n->owned = NULL;
  return s;
}

static int take_int(ottl_parser *p, const ottl_node *n, int64_t *out) {
  if (n->kind != N_CONST || n->val.t != V_INT || n->val.i < 0) {
    ottl_fail(p, n->col, "expected a non-negative integer literal");
    return -1;
  }
  *out = n->val.i;
  return 0;
}

static int take_keys(ottl_parser *p, ottl_stmt *s, ottl_node *l) {
  if (l->kind != N_LIST) {
    ottl_fail(p, l->col, "priority keys must be a list of strings [\"a\", \"b\"]");
    return -1;
  }
  s->keys = calloc(l->n_items ? l->n_items : 1, sizeof(char *));
  if (!s->keys) return -1;
  for (size_t i = 0; i < l->n_items; i++) {
    if (!(s->keys[i] = take_string(p, l->items[i], "a priority key"))) return -1;
    s->n_keys++;
  }
  return 0;
}

/* The editor's arguments into s (target first). */
static int bind(ottl_parser *p, ottl_stmt *s, const editor_def *d, ottl_node **a, int n) {
  if (target_of(p, a[0], d->map_target, &s->target)) return -1;
  s->target_node = a[0];
  a[0] = NULL;
  s->key = s->target_node->keyed ? s->target_node->owned : NULL;
  switch (d->ed) {
  case OTTL_SET:
    if (a[1]->kind == N_LIST) {
      ottl_fail(p, a[1]->col, "lists cannot be set");
      return -1;
    }
    s->value = a[1];
    a[1] = NULL;
    return 0;
  case OTTL_DELETE_KEY: return (s->str = take_string(p, a[1], "the key")) ? 0 : -1;
  case OTTL_DELETE_MATCHING_KEYS: return compile_re(p, s, a[1]);
  case OTTL_REPLACE_PATTERN:
    if (s->target == OTTL_T_SEV_NUM || s->target == OTTL_T_STATUS_CODE) {
      ottl_fail(p, s->target_node->col, "replace_pattern needs a string target");
      return -1;
    }
    if (compile_re(p, s, a[1])) return -1;
    return (s->str = take_string(p, a[2], "the replacement")) ? 0 : -1;
  case OTTL_TRUNCATE_ALL: return take_int(p, a[1], &s->n);
  case OTTL_LIMIT:
    if (take_int(p, a[1], &s->n)) return -1;
    return n == 3 ? take_keys(p, s, a[2]) : 0;
  }
  (void)n;
  return 0;
}

static bool is_word(const ottl_tok *t, const char *w) {
  return t->kind == TK_IDENT && t->len == strlen(w) && !memcmp(t->p, w, t->len);
}

static int parse_call(ottl_parser *p, ottl_stmt *s) {
  ottl_tok t = p->lex.tok;
  const editor_def *d = NULL;
  for (size_t i = 0; t.kind == TK_IDENT && i < sizeof(editors) / sizeof(editors[0]); i++)
    if (is_word(&t, editors[i].name)) d = &editors[i];
  if (!d) {
    ottl_fail(p, t.col, "unsupported editor %.*s (supported: set, delete_key, delete_matching_keys, "
              "replace_pattern, truncate_all, limit)", (int)(t.kind == TK_IDENT ? t.len : 0), t.p);
    return -1;
  }
  s->editor = d->ed;
  if (ottl_lex_next(&p->lex, p->err) || p->lex.tok.kind != TK_LPAREN) {
    ottl_fail(p, p->lex.tok.col, "expected '('");
    return -1;
  }
  ottl_node *a[4] = {0};
  int n = 0, rc = -1;
  if (ottl_lex_next(&p->lex, p->err)) return -1;
  while (p->lex.tok.kind != TK_RPAREN) {
    int col = p->lex.tok.col;
    ottl_node *v = ottl_parse_value(p);
    if (!v) goto out;
    if (n == d->max_args) {
      ottl_node_free(v);
      ottl_fail(p, col, "%s takes at most %d arguments", d->name, d->max_args);
      goto out;
    }
    a[n++] = v;
    if (p->lex.tok.kind == TK_COMMA) {
      if (ottl_lex_next(&p->lex, p->err)) goto out;
    } else if (p->lex.tok.kind != TK_RPAREN) {
      ottl_fail(p, p->lex.tok.col, "expected ',' or ')'");
      goto out;
    }
  }
  if (n < d->min_args) {
    ottl_fail(p, t.col, "%s takes %d argument%s, %d given", d->name, d->min_args, d->min_args > 1 ? "s" : "", n);
    goto out;
  }
  if (ottl_lex_next(&p->lex, p->err)) goto out;
  rc = bind(p, s, d, a, n);
out:
  for (int i = 0; i < n; i++) ottl_node_free(a[i]);
  return rc;
}

ottl_stmt *ottl_stmt_compile(const char *src, ottl_context ctx, bool prefixed, ottl_error *err) {
  ottl_parser p;
  ottl_stmt *s = calloc(1, sizeof(*s));
  if (!s) return NULL;
  s->ctx = ctx;
  int rc = ottl_parser_init(&p, src, ctx, prefixed, err) ? -1 : parse_call(&p, s);
  if (rc == 0 && is_word(&p.lex.tok, "where")) {
    int col = p.lex.tok.col;
    ottl_node *cond = NULL;
    if (ottl_lex_next(&p.lex, err) == 0) cond = ottl_parse_condition(&p);
    s->where = cond ? calloc(1, sizeof(*s->where)) : NULL;
    if (!s->where) {
      ottl_node_free(cond);
      if (!err->msg[0]) ottl_fail(&p, col, "out of memory");
      rc = -1;
    } else {
      s->where->root = cond;
      s->where->ctx = ctx;
    }
  }
  if (rc == 0 && p.lex.tok.kind != TK_EOF) {
    ottl_fail(&p, p.lex.tok.col, "unexpected '%.*s' (expected `where` or the end)", (int)p.lex.tok.len, p.lex.tok.p);
    rc = -1;
  }
  ottl_lex_free(&p.lex);
  if (rc) {
    ottl_stmt_free(s);
    return NULL;
  }
  return s;
}

void ottl_stmt_free(ottl_stmt *s) {
  if (!s) return;
  ottl_node_free(s->target_node);
  ottl_node_free(s->value);
  free(s->str);
  if (s->md) pcre2_match_data_free(s->md);
  if (s->re) pcre2_code_free(s->re);
  for (size_t i = 0; i < s->n_keys; i++) free(s->keys[i]);
  free(s->keys);
  ottl_cond_free(s->where);
  free(s->buf);
  free(s);
}

int ottl_stmt_value(ottl_stmt *s, const ottl_item *it, ottl_val *out, const char **why) {
  *why = NULL;
  return ottl_eval_value(s->value, it, out, why);
}

void ottl_stmt_target(ottl_stmt *s, const ottl_item *it, ottl_val *out) {
  ottl_path_read(s->target_node->path, s->key, it, s->target_node->scratch, out);
}

bool ottl_stmt_match(ottl_stmt *s, const char *str, size_t len) {
  return pcre2_match(s->re, (PCRE2_SPTR)str, len, 0, 0, s->md, NULL) >= 0;
}

const char *ottl_stmt_replace(ottl_stmt *s, const char *str, size_t len, size_t *out_len) {
  if (!ottl_stmt_match(s, str, len)) return NULL;
  for (int tries = 0; tries < 8; tries++) {
    PCRE2_SIZE cap = s->buf_cap;
    int rc = cap ? pcre2_substitute(s->re, (PCRE2_SPTR)str, len, 0,
                                    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, s->md, NULL,
                                    (PCRE2_SPTR)s->str, PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)s->buf, &cap)
                 : PCRE2_ERROR_NOMEMORY;
    if (rc >= 0) {
      *out_len = cap;
      return s->buf;
    }
    if (rc != PCRE2_ERROR_NOMEMORY) return NULL;
    size_t want = cap > s->buf_cap ? cap + 1 : (s->buf_cap ? 2 * s->buf_cap : 256);
    if (want < len + 1) want = len + 1;
    char *b = realloc(s->buf, want);
    if (!b) return NULL;
    s->buf = b;
    s->buf_cap = want;
  }
  return NULL;
}

bool ottl_equal(const ottl_val *a, const ottl_val *b) {
  return a->t == b->t && ottl_compare(a, b, OP_EQ);
}
