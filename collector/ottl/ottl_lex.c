/* OTTL tokens: identifiers, string / number / bytes literals, brackets and
 * operators. Strings are unescaped (\" \\ \n \t) into a malloc'd copy;
 * this runs only at config time. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ottl_internal.h"

static int col_of(const ottl_lex *l, const char *p) { return (int)(p - l->src) + 1; }

static int lex_error(ottl_lex *l, const char *at, const char *msg, ottl_error *err) {
  err->col = col_of(l, at);
  snprintf(err->msg, sizeof(err->msg), "%s", msg);
  l->tok.kind = TK_BAD;
  return -1;
}

static int lex_string(ottl_lex *l, const char *start, ottl_error *err) {
  const char *p = start + 1;
  size_t cap = strlen(p) + 1, n = 0;
  char *out = malloc(cap);
  if (!out) return lex_error(l, start, "out of memory", err);
  for (; *p && *p != '"'; p++) {
    if (*p == '\\') {
      p++;
      switch (*p) {
      case '"': out[n++] = '"'; break;
      case '\\': out[n++] = '\\'; break;
      case 'n': out[n++] = '\n'; break;
      case 't': out[n++] = '\t'; break;
      case 'r': out[n++] = '\r'; break;
      default:
        free(out);
        return lex_error(l, p - 1, "unsupported escape in string literal", err);
      }
      continue;
    }
    out[n++] = *p;
  }
  if (*p != '"') {
    free(out);
    return lex_error(l, start, "unterminated string literal", err);
  }
  out[n] = '\0';
  l->tok.kind = TK_STRING;
  l->tok.text = out;
  l->tok.text_len = n;
  l->pos = p + 1;
  return 0;
}

static int lex_number(ottl_lex *l, const char *start, ottl_error *err) {
  const char *p = start;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    while (isxdigit((unsigned char)*p)) p++;
    if (p == start + 2 || (p - start - 2) % 2) return lex_error(l, start, "bytes literal needs pairs of hex digits", err);
    l->tok.kind = TK_BYTES;
    l->pos = p;
    return 0;
  }
  while (isdigit((unsigned char)*p)) p++;
  bool is_float = false;
  if (*p == '.' && isdigit((unsigned char)p[1])) {
    is_float = true;
    p++;
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-') q++;
    if (isdigit((unsigned char)*q)) {
      is_float = true;
      p = q;
      while (isdigit((unsigned char)*p)) p++;
    }
  }
  if (isalpha((unsigned char)*p) || *p == '_') return lex_error(l, start, "malformed number", err);
  char buf[64];
  size_t n = (size_t)(p - start);
  if (n >= sizeof(buf)) return lex_error(l, start, "number too long", err);
  memcpy(buf, start, n);
  buf[n] = '\0';
  errno = 0;
  if (is_float) {
    l->tok.kind = TK_FLOAT;
    l->tok.d = strtod(buf, NULL);
  } else {
    l->tok.kind = TK_INT;
    l->tok.i = strtoll(buf, NULL, 10);
  }
  if (errno) return lex_error(l, start, "number out of range", err);
  l->pos = p;
  return 0;
}

static int lex_op(ottl_lex *l, const char *p, ottl_error *err) {
  static const struct { const char *s; ottl_tok_kind k; ottl_cmp_op op; } ops[] = {
      {"==", TK_CMP, OP_EQ}, {"!=", TK_CMP, OP_NE}, {"<=", TK_CMP, OP_LE}, {">=", TK_CMP, OP_GE},
      {"<", TK_CMP, OP_LT},  {">", TK_CMP, OP_GT},  {"(", TK_LPAREN, 0},  {")", TK_RPAREN, 0},
      {"[", TK_LBRACK, 0},   {"]", TK_RBRACK, 0},   {",", TK_COMMA, 0},   {".", TK_DOT, 0},
      {"+", TK_PLUS, 0},     {"-", TK_MINUS, 0},    {"*", TK_STAR, 0},    {"/", TK_SLASH, 0},
  };
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    size_t n = strlen(ops[i].s);
    if (!strncmp(p, ops[i].s, n)) {
      l->tok.kind = ops[i].k;
      l->tok.cmp = ops[i].op;
      l->pos = p + n;
      return 0;
    }
  }
  return lex_error(l, p, "unexpected character", err);
}

int ottl_lex_next(ottl_lex *l, ottl_error *err) {
  free(l->tok.text);
  memset(&l->tok, 0, sizeof(l->tok));
  const char *p = l->pos;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  l->tok.p = p;
  l->tok.col = col_of(l, p);
  l->pos = p;
  int rc;
  if (!*p) {
    l->tok.kind = TK_EOF;
    rc = 0;
  } else if (*p == '"') {
    rc = lex_string(l, p, err);
  } else if (isdigit((unsigned char)*p)) {
    rc = lex_number(l, p, err);
  } else if (isalpha((unsigned char)*p) || *p == '_') {
    const char *q = p;
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    l->tok.kind = TK_IDENT;
    l->pos = q;
    rc = 0;
  } else {
    rc = lex_op(l, p, err);
  }
  l->tok.len = (size_t)(l->pos - p);
  return rc;
}

void ottl_lex_free(ottl_lex *l) {
  free(l->tok.text);
  l->tok.text = NULL;
}
