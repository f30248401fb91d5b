/* Entries as operators see them, and field paths (body / attributes /
 * resource). Everything lives in the cycle's arena. Objects reachable from
 * an entry may be shared with other entries, so nothing here writes
 * through a KeyValue or AnyValue it did not just create: a change builds a
 * new map level and replaces the pointer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

otlp_any_value *fl_str_value_ref(otlpd_arena *a, char *s) {
  otlp_any_value *v = otlpd_arena_alloc(a, sizeof(*v));
  if (!v) return NULL;
  opentelemetry__proto__common__v1__any_value__init(v);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  v->string_value = s;
  return v;
}

otlp_any_value *fl_str_value(otlpd_arena *a, const char *s, size_t n) {
  char *d = otlpd_arena_strndup(a, s, n);
  return d ? fl_str_value_ref(a, d) : NULL;
}

otlp_any_value *fl_int_value(otlpd_arena *a, int64_t i) {
  otlp_any_value *v = otlpd_arena_alloc(a, sizeof(*v));
  if (!v) return NULL;
  opentelemetry__proto__common__v1__any_value__init(v);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
  v->int_value = i;
  return v;
}

otlp_any_value *fl_map_value(otlpd_arena *a) {
  otlp_any_value *v = otlpd_arena_alloc(a, sizeof(*v));
  otlp_kvlist *l = otlpd_arena_alloc(a, sizeof(*l));
  if (!v || !l) return NULL;
  opentelemetry__proto__common__v1__any_value__init(v);
  opentelemetry__proto__common__v1__key_value_list__init(l);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
  v->kvlist_value = l;
  return v;
}

const char *fl_value_str(const otlp_any_value *v) {
  return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE ? v->string_value
                                                                                              : NULL;
}

otlp_key_value *fl_kv_new(otlpd_arena *a, const char *key, otlp_any_value *v) {
  otlp_key_value *kv = otlpd_arena_alloc(a, sizeof(*kv));
  if (!kv) return NULL;
  opentelemetry__proto__common__v1__key_value__init(kv);
  kv->key = (char *)key;
  kv->value = v;
  return kv;
}

static int grow(otlpd_arena *a, otlp_key_value ***v, size_t n, size_t *cap) {
  if (n < *cap) return 0;
  size_t nc = *cap ? *cap * 2 : 4;
  otlp_key_value **nv = otlpd_arena_alloc(a, nc * sizeof(*nv));
  if (!nv) return -ENOMEM;
  if (n) memcpy(nv, *v, n * sizeof(*nv));
  *v = nv;
  *cap = nc;
  return 0;
}

static ssize_t find(otlp_key_value **v, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i]->key, key)) return (ssize_t)i;
  return -1;
}

/* Replaces a key already there, else appends. */
int fl_kvs_put(otlpd_arena *a, fl_kvs *k, otlp_key_value *kv) {
  ssize_t i = find(k->v, k->n, kv->key);
  if (i >= 0) {
    k->v[i] = kv;
    return 0;
  }
  if (grow(a, &k->v, k->n, &k->cap) < 0) return -ENOMEM;
  k->v[k->n++] = kv;
  return 0;
}

/* kvlists are never written in place once published: callers copy first. */
int fl_map_put(otlpd_arena *a, otlp_any_value *map, otlp_key_value *kv) {
  otlp_kvlist *l = map->kvlist_value;
  fl_kvs k = {l->values, l->n_values, l->n_values};
  /* an append may reuse spare room only if this kvlist was built here */
  if (fl_kvs_put(a, &k, kv) < 0) return -ENOMEM;
  l->values = k.v;
  l->n_values = k.n;
  return 0;
}

int fl_entry_own_res(otlpd_arena *a, fl_entry *e) {
  if (e->res_own) return 0;
  fl_kvs *n = otlpd_arena_calloc(a, sizeof(*n));
  if (!n) return -ENOMEM;
  if (e->res && e->res->n) {
    n->v = otlpd_arena_alloc(a, e->res->n * sizeof(*n->v));
    if (!n->v) return -ENOMEM;
    memcpy(n->v, e->res->v, e->res->n * sizeof(*n->v));
    n->n = n->cap = e->res->n;
  }
  e->res = n;
  e->res_own = true;
  return 0;
}

/* ---- field paths ---- */

static int push_key(fl_field *f, const char *s, size_t n) {
  char **nk = realloc(f->keys, (f->n + 1) * sizeof(*nk));
  if (!nk) return -ENOMEM;
  f->keys = nk;
  if (!(f->keys[f->n] = strndup(s, n))) return -ENOMEM;
  f->n++;
  return 0;
}

static int parse_keys(const char *s, fl_field *f) {
  while (*s) {
    if (*s == '.') s++;
    if (*s == '[') { /* ["a.b"] */
      const char *q = s + 1;
      char quote = *q;
      if (quote != '"' && quote != '\'') return -EINVAL;
      const char *e = strchr(q + 1, quote);
      if (!e || e[1] != ']') return -EINVAL;
      if (push_key(f, q + 1, (size_t)(e - q - 1)) < 0) return -ENOMEM;
      s = e + 2;
      continue;
    }
    size_t n = strcspn(s, ".[");
    if (n == 0) return -EINVAL;
    if (push_key(f, s, n) < 0) return -ENOMEM;
    s += n;
  }
  return 0;
}

int fl_field_parse(const char *s, fl_field *out) {
  memset(out, 0, sizeof(*out));
  static const struct { const char *name; fl_field_root root; } roots[] = {
      {"body", FL_F_BODY}, {"attributes", FL_F_ATTR}, {"resource", FL_F_RES}};
  for (size_t i = 0; i < 3; i++) {
    size_t n = strlen(roots[i].name);
    if (!strncmp(s, roots[i].name, n) && (s[n] == 0 || s[n] == '.' || s[n] == '[')) {
      out->root = roots[i].root;
      int rc = parse_keys(s + n, out);
      if (rc < 0) fl_field_free(out);
      return rc;
    }
  }
  return -EINVAL;
}

void fl_field_free(fl_field *f) {
  for (size_t i = 0; i < f->n; i++) free(f->keys[i]);
  free(f->keys);
  f->keys = NULL;
  f->n = 0;
}

static const otlp_any_value *map_get(const otlp_any_value *m, const char *key) {
  if (!m || m->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE) return NULL;
  ssize_t i = find(m->kvlist_value->values, m->kvlist_value->n_values, key);
  return i < 0 ? NULL : m->kvlist_value->values[i]->value;
}

const otlp_any_value *fl_field_get(const fl_entry *e, const fl_field *f) {
  const otlp_any_value *v;
  size_t k = 0;
  if (f->root == FL_F_BODY) {
    v = e->body;
  } else {
    const fl_kvs *l = f->root == FL_F_ATTR ? &e->attrs : e->res;
    if (!l || f->n == 0) return NULL;
    ssize_t i = find(l->v, l->n, f->keys[0]);
    if (i < 0) return NULL;
    v = l->v[i]->value;
    k = 1;
  }
  for (; v && k < f->n; k++) v = map_get(v, f->keys[k]);
  return v;
}

/* A copy of map m (or a new map when m is not one) with key set to v. */
static otlp_any_value *map_with(otlpd_arena *a, const otlp_any_value *m, const char *key, otlp_any_value *v,
                                bool del) {
  otlp_any_value *n = fl_map_value(a);
  if (!n) return NULL;
  if (m && m->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE) {
    size_t c = m->kvlist_value->n_values;
    otlp_key_value **vals = c ? otlpd_arena_alloc(a, (c + 1) * sizeof(*vals)) : NULL;
    if (c && !vals) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < c; i++)
      if (!del || strcmp(m->kvlist_value->values[i]->key, key)) vals[j++] = m->kvlist_value->values[i];
    n->kvlist_value->values = vals;
    n->kvlist_value->n_values = j;
  }
  if (del) return n;
  char *k = otlpd_arena_strndup(a, key, strlen(key));
  otlp_key_value *kv = k ? fl_kv_new(a, k, v) : NULL;
  if (!kv || fl_map_put(a, n, kv) < 0) return NULL;
  return n;
}

/* New value for the subtree at keys[k..] of cur, with the leaf set/deleted. */
static otlp_any_value *rebuild(otlpd_arena *a, const otlp_any_value *cur, const fl_field *f, size_t k,
                               otlp_any_value *leaf, bool del) {
  if (k == f->n) return leaf;
  if (k + 1 == f->n) return map_with(a, cur, f->keys[k], leaf, del);
  const otlp_any_value *child = map_get(cur, f->keys[k]);
  otlp_any_value *nc = rebuild(a, child, f, k + 1, leaf, del);
  return nc ? map_with(a, cur, f->keys[k], nc, false) : NULL;
}

static int set_or_del(otlpd_arena *a, fl_entry *e, const fl_field *f, otlp_any_value *v, bool del) {
  if (f->root == FL_F_BODY) {
    if (del && f->n == 0) {
      e->body = NULL;
      return 0;
    }
    otlp_any_value *nb = rebuild(a, e->body, f, 0, v, del);
    if (!nb) return -ENOMEM;
    e->body = nb;
    return 0;
  }
  if (f->n == 0) return -EINVAL; /* a whole attribute set is not a value */
  if (f->root == FL_F_RES && fl_entry_own_res(a, e) < 0) return -ENOMEM;
  fl_kvs *l = f->root == FL_F_ATTR ? &e->attrs : e->res;
  ssize_t i = find(l->v, l->n, f->keys[0]);
  if (del && f->n == 1) {
    if (i < 0) return -ENOENT;
    /* attrs arrays are private to the entry (built per entry or copied) */
    memmove(&l->v[i], &l->v[i + 1], (l->n - (size_t)i - 1) * sizeof(*l->v));
    l->n--;
    return 0;
  }
  otlp_any_value *nv = rebuild(a, i < 0 ? NULL : l->v[i]->value, f, 1, v, del);
  if (!nv) return -ENOMEM;
  char *k = otlpd_arena_strndup(a, f->keys[0], strlen(f->keys[0]));
  otlp_key_value *kv = k ? fl_kv_new(a, k, nv) : NULL;
  return kv ? fl_kvs_put(a, l, kv) : -ENOMEM;
}

int fl_field_set(otlpd_arena *a, fl_entry *e, const fl_field *f, otlp_any_value *v) {
  return set_or_del(a, e, f, v, false);
}

int fl_field_del(otlpd_arena *a, fl_entry *e, const fl_field *f, otlp_any_value **old) {
  const otlp_any_value *cur = fl_field_get(e, f);
  if (old) *old = (otlp_any_value *)cur;
  if (!cur && !(f->root == FL_F_BODY && f->n == 0)) return -ENOENT;
  return set_or_del(a, e, f, NULL, true);
}
