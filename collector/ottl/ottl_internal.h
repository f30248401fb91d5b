/* Internals shared by the OTTL lexer, parser and evaluator. */
#ifndef OTLPD_OTTL_INTERNAL_H
#define OTLPD_OTTL_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ottl.h"

/* ---- lexer (ottl_lex.c) ---- */
typedef enum {
  TK_EOF = 0,
  TK_IDENT,
  TK_STRING, /* text unescaped into the lexer's buffer */
  TK_INT,
  TK_FLOAT,
  TK_BYTES,  /* 0x..., hex digits in text */
  TK_LPAREN,
  TK_RPAREN,
  TK_LBRACK,
  TK_RBRACK,
  TK_COMMA,
  TK_DOT,
  TK_CMP,    /* cmp holds the operator */
  TK_PLUS,
  TK_MINUS,
  TK_STAR,
  TK_SLASH,
  TK_BAD,
} ottl_tok_kind;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } ottl_cmp_op;

typedef struct ottl_tok {
  ottl_tok_kind kind;
  int col;          /* 1-based */
  const char *p;    /* start in the source */
  size_t len;       /* length in the source */
  ottl_cmp_op cmp;
  int64_t i;
  double d;
  char *text;       /* TK_STRING (unescaped, NUL-terminated, malloc'd) */
  size_t text_len;
} ottl_tok;

typedef struct ottl_lex {
  const char *src, *pos;
  ottl_tok tok; /* current token */
} ottl_lex;

/* Read the next token into l->tok (freeing the previous text). -1 with
 * err filled on a lexical error. */
int ottl_lex_next(ottl_lex *l, ottl_error *err);
void ottl_lex_free(ottl_lex *l);

/* ---- paths (ottl_paths.c) ---- */
typedef enum {
  P_NAME, P_ATTRS, P_RES_ATTRS, P_SCOPE_NAME, P_SCOPE_VERSION, P_SCOPE_ATTRS,
  P_KIND, P_STATUS_CODE, P_STATUS_MESSAGE, P_TRACE_ID, P_SPAN_ID, P_PARENT_SPAN_ID,
  P_TRACE_ID_STRING, P_SPAN_ID_STRING, P_TRACE_STATE, P_START, P_END, P_TIME, P_OBSERVED_TIME,
  P_SEV_NUM, P_SEV_TEXT, P_BODY, P_FLAGS, P_EVENT_SPAN_NAME, P_EVENT_SPAN_ATTRS, P_EVENT_SPAN_KIND,
  P_EVENT_SPAN_STATUS_CODE, P_METRIC_NAME, P_METRIC_TYPE, P_METRIC_UNIT, P_METRIC_DESC,
  P_DP_VALUE_INT, P_DP_VALUE_DOUBLE, P_DP_COUNT, P_DP_SUM, P_DROPPED_ATTRS, P_DURATION,
  P_EVENT_SPAN_DURATION,
} ottl_path_id;

/* The path named by the dotted text in context ctx; -1 if unknown.
 * *keyed: the path is a map that [“key”] may index. */
int ottl_path_lookup(const char *dotted, ottl_context ctx, bool prefixed, bool *keyed);
/* Read a path (with an optional key) of an item. scratch: 33 bytes for
 * the hex text of an id. */
void ottl_path_read(ottl_path_id id, const char *key, const ottl_item *it, char *scratch, ottl_val *out);
/* An attribute list's value for key as an OTTL value (NIL if absent). */
void ottl_attr_get(size_t n, otlp_key_value *const *kv, const char *key, ottl_val *out);
void ottl_any_to_val(const otlp_any_value *v, ottl_val *out);
/* A data point's attributes. */
void ottl_point_attrs(const otlp_metric *m, const void *dp, size_t *n, otlp_key_value ***kv);
/* Value of an enum symbol (STATUS_CODE_ERROR...); false if unknown. */
bool ottl_enum_lookup(const char *name, size_t len, int64_t *out);

/* ---- tree ---- */
typedef enum {
  N_OR, N_AND, N_NOT, N_CMP, N_CONST, N_PATH, N_MATH,
  N_IS_MATCH, N_IS_STRING, N_LEN, N_HAS_ATTR_KEY_DP, N_HAS_ATTR_DP, N_LIST,
} ottl_node_kind;

struct ottl_node {
  ottl_node_kind kind;
  ottl_node *a, *b;       /* operands / first two arguments */
  ottl_cmp_op op;         /* N_CMP */
  char math;              /* N_MATH: + - * / */
  ottl_val val;           /* N_CONST */
  char *owned;            /* N_CONST string / bytes storage, N_PATH key, HasAttr key */
  ottl_path_id path;      /* N_PATH */
  bool keyed;             /* N_PATH: has [key] */
  char scratch[40];       /* N_PATH: id text */
  pcre2_code *re;         /* N_IS_MATCH (compiled once) */
  pcre2_match_data *md;
  char *conv;             /* N_IS_MATCH: text of a non-string target */
  size_t conv_cap;
  ottl_node **items;      /* N_LIST */
  size_t n_items;
  int col;
};

void ottl_node_free(ottl_node *n);
/* Evaluate a value node. 0, or -1 with *why. */
int ottl_eval_value(ottl_node *n, const ottl_item *it, ottl_val *out, const char **why);
/* Evaluate a boolean node: 1, 0 or -1. */
int ottl_eval_bool(ottl_node *n, const ottl_item *it, const char **why);
/* OTTL's comparison of two values (mismatched types: only != is true). */
bool ottl_compare(const ottl_val *a, const ottl_val *b, ottl_cmp_op op);

/* ---- parser (ottl_parse.c), also used by statements ---- */
typedef struct ottl_parser {
  ottl_lex lex;
  ottl_context ctx;
  bool prefixed;
  ottl_error *err;
  int depth;    /* nesting of parentheses and `not` */
  size_t nodes; /* bounded so evaluation recursion stays shallow */
} ottl_parser;

#define OTTL_MAX_DEPTH 64
#define OTTL_MAX_NODES 1000

int ottl_parser_init(ottl_parser *p, const char *src, ottl_context ctx, bool prefixed, ottl_error *err);
ottl_node *ottl_parse_condition(ottl_parser *p);
ottl_node *ottl_parse_value(ottl_parser *p);
void ottl_fail(ottl_parser *p, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
