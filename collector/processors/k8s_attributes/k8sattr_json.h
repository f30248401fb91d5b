/* A small pull tokenizer for the Kubernetes API's JSON (pod lists and
 * watch events). No DOM: the caller asks for the next token and walks the
 * objects it cares about, skipping the rest with k8sattr_json_skip().
 * Input is one complete JSON text in memory (a list body, or one line of a
 * watch stream); strings with escapes are decoded into a scratch buffer
 * the tokenizer owns, valid until the next call. Off the hot path. */
#ifndef K8SATTR_JSON_H
#define K8SATTR_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define K8SATTR_JSON_MAX_DEPTH 64

typedef enum {
  KJ_ERROR = -1,
  KJ_END = 0,      /* the whole text was read */
  KJ_OBJ_BEGIN,
  KJ_OBJ_END,
  KJ_ARR_BEGIN,
  KJ_ARR_END,
  KJ_KEY,          /* an object member's name (s, n) */
  KJ_STRING,       /* (s, n) */
  KJ_NUMBER,       /* raw text (s, n) */
  KJ_TRUE,
  KJ_FALSE,
  KJ_NULL,
} k8sattr_jtype;

typedef struct k8sattr_json {
  const char *p, *end;
  int depth;
  char stack[K8SATTR_JSON_MAX_DEPTH]; /* '{' or '[' per open level */
  int state;        /* what may come next (k8sattr_json.c) */
  /* decoded string of the last KEY / STRING */
  char *buf;
  size_t buf_cap;
} k8sattr_json;

typedef struct k8sattr_jtok {
  k8sattr_jtype type;
  const char *s;
  size_t n;
} k8sattr_jtok;

void k8sattr_json_init(k8sattr_json *j, const char *p, size_t n);
void k8sattr_json_free(k8sattr_json *j);
/* The next token; KJ_ERROR on malformed input (and forever after). */
k8sattr_jtype k8sattr_json_next(k8sattr_json *j, k8sattr_jtok *t);
/* Skip the value whose first token is t (nothing to do for scalars).
 * 0, or -EBADMSG. */
int k8sattr_json_skip(k8sattr_json *j, const k8sattr_jtok *t);

static inline bool k8sattr_jtok_is(const k8sattr_jtok *t, const char *lit, size_t len) {
  return t->n == len && __builtin_memcmp(t->s, lit, len) == 0;
}
#define KJ_IS(t, lit) k8sattr_jtok_is((t), lit, sizeof(lit) - 1)

/* A small non-negative integer token (a Status code); -1 otherwise. The
 * token is not NUL-terminated: atoi() would read past it. */
static inline int k8sattr_jtok_int(const k8sattr_jtok *t) {
  int v = 0;
  if (!t->n || t->n > 9) return -1;
  for (size_t i = 0; i < t->n; i++) {
    if (t->s[i] < '0' || t->s[i] > '9') return -1;
    v = v * 10 + (t->s[i] - '0');
  }
  return v;
}

#endif
