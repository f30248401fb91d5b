/* Index and data-stream names; see es_route.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "es_route.h"

const char *es_attr_text(es_attrs a, const char *key, char *buf, size_t cap, size_t *len) {
  for (size_t i = 0; i < a.n; i++) {
    const otlp_key_value *kv = a.kv[i];
    if (!kv || !kv->key || strcmp(kv->key, key) != 0) continue;
    const otlp_any_value *v = kv->value;
    int n = 0;
    if (!v) {
      buf[0] = 0;
    } else {
      switch (v->value_case) {
      case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        *len = strlen(v->string_value);
        return v->string_value;
      case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        n = snprintf(buf, cap, "%" PRId64, v->int_value);
        break;
      case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        n = snprintf(buf, cap, "%s", v->bool_value ? "true" : "false");
        break;
      case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        n = snprintf(buf, cap, "%g", v->double_value);
        break;
      default:
        buf[0] = 0;
        break;
      }
    }
    *len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    return buf;
  }
  return NULL;
}

void es_sanitize(char *out, const char *src, size_t n, bool dataset, const char *suffix) {
  static const char bad[] = "\\/*?\"<>| ,#:";
  size_t room = ES_DS_MAX - strlen(suffix), o = 0;
  if (n > room) {
    n = room;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--; /* not inside a UTF-8 sequence */
  }
  for (size_t i = 0; i < n; i++) {
    char ch = src[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    else if ((ch && strchr(bad, ch)) || (dataset && ch == '-') || ch == 0) ch = '_';
    out[o++] = ch;
  }
  memcpy(out + o, suffix, strlen(suffix) + 1);
}

/* ".../receiver/<word>receiver..." -> "<word>receiver" */
static bool receiver_of_scope(const char *name, const char **p, size_t *n) {
  if (!name) return false;
  for (const char *s = strstr(name, "/receiver/"); s; s = strstr(s + 1, "/receiver/")) {
    const char *w = s + 10, *e = w;
    while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') || *e == '_') e++;
    /* \w* is greedy then backs off to end in "receiver" */
    for (const char *end = e; end - w >= 8; end--) {
      if (memcmp(end - 8, "receiver", 8) == 0) {
        *p = w;
        *n = (size_t)(end - w);
        return true;
      }
    }
  }
  return false;
}

static const char *first_of(const char *key, es_attrs rec, es_attrs scope, es_attrs res, char *buf,
                            size_t cap, size_t *len) {
  const char *v = es_attr_text(rec, key, buf, cap, len);
  if (!v) v = es_attr_text(scope, key, buf, cap, len);
  if (!v) v = es_attr_text(res, key, buf, cap, len);
  return v;
}

static const char *index_attr(es_attrs a) {
  for (size_t i = 0; i < a.n; i++) {
    const otlp_key_value *kv = a.kv[i];
    if (!kv || !kv->key || kv->key[0] != 'e' || strcmp(kv->key, "elasticsearch.index") != 0) continue;
    const otlp_any_value *v = kv->value;
    if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE && v->string_value &&
        *v->string_value)
      return v->string_value;
    return NULL; /* present but empty or not a string: the next level decides */
  }
  return NULL;
}

bool es_route_attrs_present(es_attrs rec) {
  for (size_t i = 0; i < rec.n; i++) {
    const char *k = rec.kv[i] && rec.kv[i]->key ? rec.kv[i]->key : "";
    if (k[0] == 'd' ? strncmp(k, "data_stream.", 12) == 0
                    : k[0] == 'e' && strcmp(k, "elasticsearch.index") == 0)
      return true;
  }
  return false;
}

void es_route(es_index *out, const char *explicit_index, const char *type, bool otel,
              es_attrs rec, es_attrs scope, es_attrs res, const char *scope_name) {
  memset(out, 0, sizeof(*out));
  out->type = type;
  if (explicit_index && *explicit_index) {
    out->plain = explicit_index;
    return;
  }
  const char *ai = index_attr(rec);
  if (!ai) ai = index_attr(scope);
  if (!ai) ai = index_attr(res);
  if (ai) {
    out->plain = ai;
    out->create = true;
    return;
  }
  out->data_stream = out->create = true;
  char buf[64];
  size_t len = 0;
  const char *ds = first_of("data_stream.dataset", rec, scope, res, buf, sizeof(buf), &len);
  if (!ds && !receiver_of_scope(scope_name, &ds, &len)) {
    ds = "generic";
    len = 7;
  }
  bool has_suffix = len >= 5 && memcmp(ds + len - 5, ".otel", 5) == 0;
  es_sanitize(out->dataset, ds, len, true, otel && !has_suffix ? ".otel" : "");
  const char *ns = first_of("data_stream.namespace", rec, scope, res, buf, sizeof(buf), &len);
  if (!ns) {
    ns = "default";
    len = 7;
  }
  es_sanitize(out->ns, ns, len, false, "");
}
