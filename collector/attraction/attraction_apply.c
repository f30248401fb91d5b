/* The actions on one attribute list, in order, as otelcol's attraction
 * applies them. The list may be shared with other batches: it is never
 * written through. At the first action that applies, its pointer array is
 * copied into the batch entry; an entry whose value changes is replaced by
 * a private KeyValue (and AnyValue). Strings and nested values stay shared
 * and are only replaced. A list no action touches costs the checks only. */
#include <errno.h>
#include <string.h>

#include "attraction.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag
/* Longest client value from_context writes (joined header values). */
#define CONTEXT_MAX 8192

/* The first byte first: every action looks its key up in every list, and
 * most keys differ there. */
static long find_key(size_t n, otlp_key_value *const *kv, const char *key) {
  for (size_t k = 0; key && k < n; k++) {
    const char *s = kv[k]->key;
    if (s && s[0] == key[0] && strcmp(s, key) == 0) return (long)k;
  }
  return -1;
}

static void set_str(otlp_any_value *v, const char *s) {
  opentelemetry__proto__common__v1__any_value__init(v);
  v->value_case = ANY(STRING_VALUE);
  v->string_value = (char *)s;
}

/* The value an insert/update/upsert would write, NULL when its source is
 * missing (then otelcol does nothing). ctx: room for a context value. */
static const otlp_any_value *source_of(const attraction_action *a, const otlpd_client_info *ci, size_t n,
                                       otlp_key_value *const *kv, otlp_any_value *tmp, char *ctx) {
  if (a->from_context) {
    if (!attraction_context_value(ci, a->from_context, ctx, CONTEXT_MAX)) return NULL;
    set_str(tmp, ctx);
    return tmp;
  }
  if (a->from_attribute) {
    long s = find_key(n, kv, a->from_attribute);
    if (s < 0) return NULL;
    if (kv[s]->value) return kv[s]->value;
    opentelemetry__proto__common__v1__any_value__init(tmp);
    return tmp;
  }
  opentelemetry__proto__common__v1__any_value__init(tmp);
  switch (a->value->kind) {
  case OTLPD_VALUE_INT: tmp->value_case = ANY(INT_VALUE), tmp->int_value = a->value->i; break;
  case OTLPD_VALUE_DOUBLE: tmp->value_case = ANY(DOUBLE_VALUE), tmp->double_value = a->value->d; break;
  case OTLPD_VALUE_BOOL: tmp->value_case = ANY(BOOL_VALUE), tmp->bool_value = a->value->b; break;
  default: set_str(tmp, a->value->s); break;
  }
  return tmp;
}

static bool has_source(const attraction_action *a, const otlpd_client_info *ci, size_t n,
                       otlp_key_value *const *kv) {
  if (a->from_context) return attraction_context_value(ci, a->from_context, NULL, 0);
  return !a->from_attribute || find_key(n, kv, a->from_attribute) >= 0;
}

/* The attribute already holds the configured value (same type and value):
 * an update or upsert of it changes nothing. */
static bool holds_config_value(const attraction_action *a, const otlp_key_value *e) {
  const otlp_any_value *v = e->value;
  if (!a->value || !v) return false;
  switch (a->value->kind) {
  case OTLPD_VALUE_INT: return v->value_case == ANY(INT_VALUE) && v->int_value == a->value->i;
  case OTLPD_VALUE_DOUBLE: return v->value_case == ANY(DOUBLE_VALUE) && v->double_value == a->value->d;
  case OTLPD_VALUE_BOOL: return v->value_case == ANY(BOOL_VALUE) && v->bool_value == a->value->b;
  default:
    return v->value_case == ANY(STRING_VALUE) && !strcmp(v->string_value ? v->string_value : "",
                                                         a->value->s ? a->value->s : "");
  }
}

static bool any_key_matches(const attraction_regex *re, size_t n, otlp_key_value *const *kv) {
  for (size_t k = 0; re->code && k < n; k++)
    if (kv[k]->key && attraction_regex_search(re, kv[k]->key, strlen(kv[k]->key))) return true;
  return false;
}

static const char *str_of(const otlp_key_value *e) {
  if (!e->value || e->value->value_case != ANY(STRING_VALUE)) return NULL;
  return e->value->string_value ? e->value->string_value : "";
}

/* Whether action a would change the list; *at: a's key in it or -1. */
static bool action_changes(const attraction_action *a, const otlpd_client_info *ci, size_t nkv,
                           otlp_key_value *const *kv, long *at) {
  long i = *at = find_key(nkv, kv, a->key);
  const char *s;
  switch (a->kind) {
  case ATTRACTION_INSERT: return i < 0 && has_source(a, ci, nkv, kv);
  case ATTRACTION_UPDATE: return i >= 0 && has_source(a, ci, nkv, kv) && !holds_config_value(a, kv[i]);
  case ATTRACTION_UPSERT: return has_source(a, ci, nkv, kv) && !(i >= 0 && holds_config_value(a, kv[i]));
  case ATTRACTION_DELETE:
  case ATTRACTION_HASH: return i >= 0 || any_key_matches(&a->re, nkv, kv);
  case ATTRACTION_EXTRACT: return i >= 0 && (s = str_of(kv[i])) && attraction_regex_search(&a->re, s, strlen(s));
  case ATTRACTION_CONVERT: return i >= 0 && kv[i]->value && attraction_value_converts(kv[i]->value, a->conv);
  }
  return false;
}

bool attraction_changes(const attraction *at, const otlpd_client_info *ci, size_t nkv,
                        otlp_key_value *const *kv) {
  long i;
  for (size_t k = 0; k < at->n; k++)
    if (action_changes(&at->a[k], ci, nkv, kv, &i)) return true;
  return false;
}

/* A private copy of src for entry i; copy_str: its string goes into the
 * entry too (config and context text may not live as long as the entry). */
static int set_value(otlpd_batch *b, size_t i, otlp_any_value *dst, const otlp_any_value *src, bool copy_str,
                     size_t len) {
  *dst = *src;
  if (copy_str && src->value_case == ANY(STRING_VALUE)) {
    const char *s = src->string_value ? src->string_value : "";
    if (!(dst->string_value = otlpd_batch_strdup(b, i, s, len == (size_t)-1 ? strlen(s) : len)))
      return -ENOMEM;
  }
  return 0;
}

static int append_kv(otlpd_batch *b, size_t i, size_t *nkv, otlp_key_value ***kv, const char *key,
                     const otlp_any_value *v, bool copy_str, size_t len) {
  otlp_key_value **arr = otlpd_batch_alloc(b, i, (*nkv + 1) * sizeof(*arr));
  otlp_key_value *e = otlpd_batch_alloc(b, i, sizeof(*e));
  otlp_any_value *val = otlpd_batch_alloc(b, i, sizeof(*val));
  char *k = otlpd_batch_strdup(b, i, key, strlen(key));
  if (!arr || !e || !val || !k || set_value(b, i, val, v, copy_str, len)) return -ENOMEM;
  opentelemetry__proto__common__v1__key_value__init(e);
  e->key = k;
  e->value = val;
  if (*nkv) memcpy(arr, *kv, *nkv * sizeof(*arr));
  arr[(*nkv)++] = e;
  *kv = arr;
  return 0;
}

/* The entry at slot (in a private array) replaced by a private KeyValue
 * for entry i; with_value: its AnyValue copied too (to be edited in
 * place), else a fresh one (to be overwritten). */
static otlp_key_value *own_entry(otlpd_batch *b, size_t i, otlp_key_value **slot, bool with_value) {
  otlp_key_value *e = otlpd_batch_alloc(b, i, sizeof(*e));
  otlp_any_value *v = otlpd_batch_alloc(b, i, sizeof(*v));
  if (!e || !v) return NULL;
  *e = **slot;
  if (with_value && e->value) *v = *e->value;
  e->value = v;
  return *slot = e;
}

static int put_value(otlpd_batch *b, size_t i, otlp_key_value **slot, const otlp_any_value *v, bool copy_str,
                     size_t len) {
  otlp_any_value copy = *v; /* v may be the entry's own (shared) value */
  otlp_key_value *e = own_entry(b, i, slot, false);
  return e ? set_value(b, i, e->value, &copy, copy_str, len) : -ENOMEM;
}

/* hash or convert in place, on a private copy of the entry. */
static otlp_any_value *own_value(otlpd_batch *b, size_t i, otlp_key_value **slot) {
  otlp_key_value *e = own_entry(b, i, slot, true);
  return e ? e->value : NULL;
}

/* pcommon.Map.PutStr: replace or append. len bytes of s. */
static int put_str(otlpd_batch *b, size_t i, size_t *nkv, otlp_key_value ***kv, const char *key, const char *s,
                   size_t len) {
  otlp_any_value v;
  set_str(&v, s);
  long at = find_key(*nkv, *kv, key);
  return at >= 0 ? put_value(b, i, &(*kv)[at], &v, true, len) : append_kv(b, i, nkv, kv, key, &v, true, len);
}

static void remove_at(size_t *nkv, otlp_key_value ***kv, size_t at) {
  memmove(*kv + at, *kv + at + 1, (*nkv - at - 1) * sizeof(**kv));
  (*nkv)--;
}

static int hash_at(const attraction_action *a, otlpd_batch *b, size_t i, otlp_key_value **slot) {
  otlp_any_value *v = own_value(b, i, slot);
  return v ? attraction_value_hash(&a->digest, b, i, v) : -ENOMEM;
}

/* delete / hash of `key` (at: its index or -1), then of every key the
 * pattern finds. */
static int by_key_and_pattern(const attraction_action *a, otlpd_batch *b, size_t i, size_t *nkv,
                              otlp_key_value ***kv, long at) {
  if (at >= 0) {
    if (a->kind == ATTRACTION_DELETE) remove_at(nkv, kv, (size_t)at);
    else if ((*kv)[at]->value && hash_at(a, b, i, &(*kv)[at])) return -ENOMEM;
  }
  for (size_t k = 0; a->re.code && k < *nkv;) {
    otlp_key_value *e = (*kv)[k];
    if (!e->key || !attraction_regex_search(&a->re, e->key, strlen(e->key))) {
      k++;
      continue;
    }
    if (a->kind == ATTRACTION_DELETE) {
      remove_at(nkv, kv, k);
      continue;
    }
    if (e->value && hash_at(a, b, i, &(*kv)[k])) return -ENOMEM;
    k++;
  }
  return 0;
}

/* Every named group, as otelcol: only from a string that matches; a
 * group that took no part writes "". */
static int extract(const attraction_action *a, otlpd_batch *b, size_t i, size_t *nkv, otlp_key_value ***kv,
                   long at) {
  const char *s = at >= 0 ? str_of((*kv)[at]) : NULL;
  if (!s) return 0;
  int rc = pcre2_match(a->re.code, (PCRE2_SPTR)s, strlen(s), 0, 0, a->re.md, NULL);
  if (rc < 0) return 0;
  const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(a->re.md);
  uint32_t pairs = pcre2_get_ovector_count(a->re.md);
  for (uint32_t g = 1; g <= a->ngroups; g++) {
    PCRE2_SIZE from = g < pairs ? ov[2 * g] : PCRE2_UNSET, to = g < pairs ? ov[2 * g + 1] : PCRE2_UNSET;
    bool unset = from == PCRE2_UNSET || (int)g >= rc;
    if (put_str(b, i, nkv, kv, a->groups[g], unset ? "" : s + from, unset ? 0 : to - from)) return -ENOMEM;
  }
  return 0;
}

/* a changes the list (action_changes), whose pointer array is private;
 * at: a's key in it or -1. */
static int apply_one(const attraction_action *a, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                     size_t *nkv, otlp_key_value ***kv, long at) {
  otlp_any_value tmp;
  char ctx[CONTEXT_MAX];
  const otlp_any_value *src;
  bool copy = a->from_attribute == NULL; /* config or client text */
  switch (a->kind) {
  case ATTRACTION_INSERT:
    if (at >= 0 || !(src = source_of(a, ci, *nkv, *kv, &tmp, ctx))) return 0;
    return append_kv(b, i, nkv, kv, a->key, src, copy, (size_t)-1);
  case ATTRACTION_UPDATE:
    if (at < 0 || !(src = source_of(a, ci, *nkv, *kv, &tmp, ctx))) return 0;
    return put_value(b, i, &(*kv)[at], src, copy, (size_t)-1);
  case ATTRACTION_UPSERT:
    if (!(src = source_of(a, ci, *nkv, *kv, &tmp, ctx))) return 0;
    return at >= 0 ? put_value(b, i, &(*kv)[at], src, copy, (size_t)-1)
                   : append_kv(b, i, nkv, kv, a->key, src, copy, (size_t)-1);
  case ATTRACTION_DELETE:
  case ATTRACTION_HASH:
    return by_key_and_pattern(a, b, i, nkv, kv, at);
  case ATTRACTION_EXTRACT:
    return extract(a, b, i, nkv, kv, at);
  case ATTRACTION_CONVERT: {
    if (at < 0 || !(*kv)[at]->value) return 0;
    otlp_any_value *v = own_value(b, i, &(*kv)[at]);
    return v ? attraction_value_convert(b, i, v, a->conv) : -ENOMEM;
  }
  }
  return 0;
}

int attraction_apply_list(const attraction *at, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                          size_t *nkv, otlp_key_value ***kv) {
  bool own = false;
  for (size_t k = 0; k < at->n; k++) {
    long pos;
    if (!action_changes(&at->a[k], ci, *nkv, *kv, &pos)) continue;
    if (!own && *nkv) {
      otlp_key_value **arr = otlpd_batch_alloc(b, i, *nkv * sizeof(*arr));
      if (!arr) return -ENOMEM;
      memcpy(arr, *kv, *nkv * sizeof(*arr));
      *kv = arr;
    }
    own = true;
    int rc = apply_one(&at->a[k], ci, b, i, nkv, kv, pos);
    if (rc) return rc;
  }
  return own;
}

int attraction_apply(const attraction *at, const otlpd_client_info *ci, otlpd_batch *b, size_t i, size_t *nkv,
                     otlp_key_value ***kv) {
  int rc = attraction_apply_list(at, ci, b, i, nkv, kv);
  return rc < 0 ? rc : 0;
}
