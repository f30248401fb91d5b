/* The actions on one attribute list, in order, as otelcol's attraction
 * applies them. The list handed to res_actions_apply is private to the
 * batch entry (copy-on-write), so its array, KeyValue and AnyValue structs
 * may be written; strings and nested values are shared and only replaced. */
#include <errno.h>
#include <string.h>

#include "resource_processor.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

static long find_key(size_t n, otlp_key_value *const *kv, const char *key) {
  for (size_t k = 0; k < n; k++)
    if (kv[k]->key && strcmp(kv[k]->key, key) == 0) return (long)k;
  return -1;
}

/* The value an insert/update/upsert would write, NULL when its source
 * attribute is missing (then otelcol does nothing). */
static const otlp_any_value *source_of(const res_action *a, size_t n, otlp_key_value *const *kv,
                                       otlp_any_value *tmp) {
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
  default: tmp->value_case = ANY(STRING_VALUE), tmp->string_value = a->value->s; break;
  }
  return tmp;
}

bool res_actions_change(const res_action *a, size_t n, size_t nkv, otlp_key_value *const *kv) {
  otlp_any_value tmp;
  for (size_t k = 0; k < n; k++) {
    long at = find_key(nkv, kv, a[k].key);
    switch (a[k].kind) {
    case RES_INSERT:
      if (at < 0 && source_of(&a[k], nkv, kv, &tmp)) return true;
      break;
    case RES_UPDATE:
      if (at >= 0 && source_of(&a[k], nkv, kv, &tmp)) return true;
      break;
    case RES_UPSERT:
      if (source_of(&a[k], nkv, kv, &tmp)) return true;
      break;
    case RES_DELETE:
    case RES_HASH:
      if (at >= 0) return true;
      break;
    case RES_CONVERT:
      if (at >= 0 && kv[at]->value && res_value_converts(kv[at]->value, a[k].conv)) return true;
      break;
    default: break;
    }
  }
  return false;
}

/* A private copy of src for entry i: strings from the config are copied
 * into the entry (the batch may outlive this processor's config). */
static int set_value(otlpd_batch *b, size_t i, otlp_any_value *dst, const otlp_any_value *src,
                     bool from_config) {
  *dst = *src;
  if (from_config && src->value_case == ANY(STRING_VALUE)) {
    const char *s = src->string_value ? src->string_value : "";
    if (!(dst->string_value = otlpd_batch_strdup(b, i, s, strlen(s)))) return -ENOMEM;
  }
  return 0;
}

static int append_kv(otlpd_batch *b, size_t i, size_t *nkv, otlp_key_value ***kv, const char *key,
                     const otlp_any_value *v, bool from_config) {
  otlp_key_value **arr = otlpd_batch_alloc(b, i, (*nkv + 1) * sizeof(*arr));
  otlp_key_value *e = otlpd_batch_alloc(b, i, sizeof(*e));
  otlp_any_value *val = otlpd_batch_alloc(b, i, sizeof(*val));
  char *k = otlpd_batch_strdup(b, i, key, strlen(key));
  if (!arr || !e || !val || !k || set_value(b, i, val, v, from_config)) return -ENOMEM;
  opentelemetry__proto__common__v1__key_value__init(e);
  e->key = k;
  e->value = val;
  if (*nkv) memcpy(arr, *kv, *nkv * sizeof(*arr));
  arr[(*nkv)++] = e;
  *kv = arr;
  return 0;
}

static int put_value(otlpd_batch *b, size_t i, otlp_key_value *e, const otlp_any_value *v,
                     bool from_config) {
  if (!e->value && !(e->value = otlpd_batch_alloc(b, i, sizeof(otlp_any_value)))) return -ENOMEM;
  otlp_any_value copy = *v; /* v may be e->value's own source */
  return set_value(b, i, e->value, &copy, from_config);
}

static int apply_one(const res_action *a, otlpd_batch *b, size_t i, size_t *nkv, otlp_key_value ***kv) {
  long at = find_key(*nkv, *kv, a->key);
  otlp_any_value tmp;
  const otlp_any_value *src;
  bool cfg = a->from_attribute == NULL;
  switch (a->kind) {
  case RES_INSERT:
    if (at >= 0 || !(src = source_of(a, *nkv, *kv, &tmp))) return 0;
    return append_kv(b, i, nkv, kv, a->key, src, cfg);
  case RES_UPDATE:
    if (at < 0 || !(src = source_of(a, *nkv, *kv, &tmp))) return 0;
    return put_value(b, i, (*kv)[at], src, cfg);
  case RES_UPSERT:
    if (!(src = source_of(a, *nkv, *kv, &tmp))) return 0;
    return at >= 0 ? put_value(b, i, (*kv)[at], src, cfg) : append_kv(b, i, nkv, kv, a->key, src, cfg);
  case RES_DELETE:
    if (at < 0) return 0;
    memmove(*kv + at, *kv + at + 1, (*nkv - (size_t)at - 1) * sizeof(**kv));
    (*nkv)--;
    return 0;
  case RES_HASH:
    return at >= 0 && (*kv)[at]->value ? res_value_hash(b, i, (*kv)[at]->value) : 0;
  case RES_CONVERT:
    return at >= 0 && (*kv)[at]->value ? res_value_convert(b, i, (*kv)[at]->value, a->conv) : 0;
  default:
    return 0;
  }
}

int res_actions_apply(const res_action *a, size_t n, otlpd_batch *b, size_t i, size_t *nkv,
                      otlp_key_value ***kv) {
  int rc = otlpd_batch_own_attrs(b, i, nkv, kv);
  for (size_t k = 0; k < n && rc == 0; k++) rc = apply_one(&a[k], b, i, nkv, kv);
  return rc;
}
