/* A batch of OTLP logs into Loki entries grouped per (tenant, stream).
 *
 * Per resource: its labels (service_name, the configured or hinted
 * resource attributes), its tenant and the structured metadata of its
 * other attributes are worked out once. Per record: labels from record
 * attributes when configured or hinted, the line, the record's structured
 * metadata. Everything is appended to the exporter's reused buffers, so a
 * batch costs no allocation once they have grown. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loki.h"
#include "otlpd/data.h"
#include "otlpd/json_write.h"
#include "otlpd/otlp.h"

#define HINT_RESOURCE "loki.resource.labels"
#define HINT_ATTRIBUTE "loki.attribute.labels"
#define V_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE

static int grow(void **v, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap * 2 : 64;
  while (n < need) n *= 2;
  void *p = realloc(*v, n * size);
  if (!p) return -ENOMEM;
  *v = p;
  *cap = n;
  return 0;
}

static const char *str_value(const otlp_any_value *v) {
  return v && v->value_case == V_STRING ? v->string_value : NULL;
}

static const otlp_any_value *find_attr(otlp_key_value **kv, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i]->key[0] == key[0] && strcmp(kv[i]->key, key) == 0) return kv[i]->value;
  return NULL;
}

/* Whether key is one of the comma-separated names of a hint value. */
static bool in_hint(const char *hint, const char *key) {
  if (!hint) return false;
  size_t kl = strlen(key);
  for (const char *p = hint; *p;) {
    while (*p == ' ' || *p == ',') p++;
    const char *e = p;
    while (*e && *e != ',') e++;
    const char *t = e;
    while (t > p && t[-1] == ' ') t--;
    if ((size_t)(t - p) == kl && memcmp(p, key, kl) == 0) return true;
    p = e;
  }
  return false;
}

static bool in_strings(const otlpd_strings *s, const char *key) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], key) == 0) return true;
  return false;
}

static bool in_list(const char *const *l, const char *key) {
  for (; *l; l++)
    if (strcmp(*l, key) == 0) return true;
  return false;
}

static bool resource_label(const loki_cfg *c, const char *key, const char *hint) {
  if (c->labels.resource_attributes.n) {
    if (in_strings(&c->labels.resource_attributes, key)) return true;
  } else if (in_list(loki_default_resource_labels, key)) {
    return true;
  }
  return in_hint(hint, key);
}

/* Called for every attribute of every record: the first byte rules out
 * nearly all keys without a strcmp. */
static bool is_hint(const char *key) {
  return key[0] == 'l' && (strcmp(key, HINT_RESOURCE) == 0 || strcmp(key, HINT_ATTRIBUTE) == 0);
}

static int add_label(loki_work *w, const char *key, const otlp_any_value *v) {
  otlpd_buf_clear(&w->tmp);
  if (loki_value_text(&w->tmp, v) < 0) return -ENOMEM;
  return loki_labels_add(&w->labels, key, strlen(key), (const char *)w->tmp.data, w->tmp.len);
}

static int put_u32(otlpd_buf *b, uint32_t v) { return otlpd_buf_append(b, &v, sizeof(v)); }

static size_t vlen(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) n++;
  return n;
}

/* One structured-metadata pair into w->data: for protobuf pushes already
 * as the EntryAdapter field (structuredMetadata = 3, a LabelPairAdapter of
 * name = 1, value = 2), so encoding copies it; for JSON as
 * [u32 name_len][name][u32 value_len][value]. */
static int sm_pair(loki_work *w, const char *name, size_t nlen, const void *value, size_t vl) {
  otlpd_buf *d = &w->data;
  if (w->json) {
    size_t at = d->len;
    if (put_u32(d, 0) < 0 || loki_label_name(d, name, nlen) < 0) return -ENOMEM;
    uint32_t sn = (uint32_t)(d->len - at - 4);
    memcpy(d->data + at, &sn, 4);
    if (put_u32(d, (uint32_t)vl) < 0 || otlpd_buf_append(d, value, vl) < 0) return -ENOMEM;
    return 0;
  }
  size_t sn = nlen + (nlen == 0 || (name[0] >= '0' && name[0] <= '9')); /* loki_label_name's */
  size_t pair = 1 + vlen(sn) + sn + 1 + vlen(vl) + vl;
  if (otlpd_buf_reserve(d, 1 + vlen(pair) + 1 + vlen(sn)) < 0) return -ENOMEM;
  d->data[d->len++] = 0x1a;
  d->len += otlpd_varint_put(d->data + d->len, pair);
  d->data[d->len++] = 0x0a;
  d->len += otlpd_varint_put(d->data + d->len, sn);
  if (loki_label_name(d, name, nlen) < 0 || otlpd_buf_reserve(d, 1 + vlen(vl)) < 0) return -ENOMEM;
  d->data[d->len++] = 0x12;
  d->len += otlpd_varint_put(d->data + d->len, vl);
  return otlpd_buf_append(d, value, vl);
}

static int sm_attr(loki_work *w, const otlp_key_value *kv) {
  otlpd_buf_clear(&w->tmp);
  if (loki_value_text(&w->tmp, kv->value) < 0) return -ENOMEM;
  return sm_pair(w, kv->key, strlen(kv->key), w->tmp.data, w->tmp.len);
}

static int hex_id(otlpd_buf *b, const ProtobufCBinaryData *id) {
  static const char hex[] = "0123456789abcdef";
  if (otlpd_buf_reserve(b, id->len * 2) < 0) return -ENOMEM;
  for (size_t i = 0; i < id->len; i++) {
    b->data[b->len++] = (uint8_t)hex[id->data[i] >> 4];
    b->data[b->len++] = (uint8_t)hex[id->data[i] & 15];
  }
  return 0;
}

static bool id_set(const ProtobufCBinaryData *id) {
  for (size_t i = 0; i < id->len; i++)
    if (id->data[i]) return true;
  return false;
}

/* ---- streams ---- */

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static int rehash(loki_work *w, size_t n_slots) {
  uint32_t *s = calloc(n_slots, sizeof(*s));
  if (!s) return -ENOMEM;
  for (size_t i = 0; i < w->n_streams; i++) {
    size_t j = w->streams[i].hash & (n_slots - 1);
    while (s[j]) j = (j + 1) & (n_slots - 1);
    s[j] = (uint32_t)i + 1;
  }
  free(w->slots);
  w->slots = s;
  w->n_slots = n_slots;
  return 0;
}

/* The stream of the label set rendered in w->scratch for tenant t. */
static int stream_of(loki_work *w, uint32_t t, uint32_t *out) {
  uint64_t h = fnv(w->scratch.data, w->scratch.len, 0xcbf29ce484222325ULL ^ t);
  if ((w->n_streams + 1) * 2 > w->n_slots && rehash(w, w->n_slots ? w->n_slots * 2 : 64) < 0)
    return -ENOMEM;
  size_t j = h & (w->n_slots - 1);
  for (; w->slots[j]; j = (j + 1) & (w->n_slots - 1)) {
    const loki_stream *s = &w->streams[w->slots[j] - 1];
    if (s->hash == h && s->tenant == t && s->labels_len == w->scratch.len &&
        memcmp(w->data.data + s->labels, w->scratch.data, w->scratch.len) == 0) {
      *out = w->slots[j] - 1;
      return 0;
    }
  }
  if (grow((void **)&w->streams, &w->cap_streams, w->n_streams + 1, sizeof(loki_stream)) < 0)
    return -ENOMEM;
  loki_stream *s = &w->streams[w->n_streams];
  s->tenant = t;
  s->hash = h;
  s->labels = (uint32_t)w->data.len;
  s->labels_len = (uint32_t)w->scratch.len;
  s->first = s->count = 0;
  if (otlpd_buf_append(&w->data, w->scratch.data, w->scratch.len) < 0) return -ENOMEM;
  w->slots[j] = (uint32_t)w->n_streams + 1;
  *out = (uint32_t)w->n_streams++;
  return 0;
}

/* The label set as a JSON object, for JSON pushes ("stream": {...}). */
static int labels_json(loki_work *w, loki_stream *s) {
  const loki_labels *l = &w->labels;
  s->jlabels = (uint32_t)w->data.len;
  if (otlpd_buf_append(&w->data, "{", 1) < 0) return -ENOMEM;
  for (size_t i = 0; i < l->n; i++) {
    const loki_label *a = &l->v[i];
    if ((i && otlpd_buf_append(&w->data, ",", 1) < 0) ||
        otlpd_json_strn(&w->data, (const char *)l->text.data + a->name, a->name_len) < 0 ||
        otlpd_buf_append(&w->data, ":", 1) < 0 ||
        otlpd_json_strn(&w->data, (const char *)l->text.data + a->value, a->value_len) < 0)
      return -ENOMEM;
  }
  if (otlpd_buf_append(&w->data, "}", 1) < 0) return -ENOMEM;
  s->jlabels_len = (uint32_t)(w->data.len - s->jlabels);
  return 0;
}

static int render_stream(loki_work *w, uint32_t tenant, uint32_t *out) {
  otlpd_buf_clear(&w->scratch);
  if (loki_labels_render(&w->labels, &w->scratch) < 0) return -ENOMEM;
  size_t before = w->n_streams;
  if (stream_of(w, tenant, out) < 0) return -ENOMEM;
  if (w->json && w->n_streams > before) return labels_json(w, &w->streams[*out]);
  return 0;
}

static int tenant_of(loki_work *w, const char *name, uint32_t *out) {
  size_t n = name ? strlen(name) : 0;
  for (size_t i = 0; i < w->n_tenants; i++) {
    const loki_tenant *t = &w->tenants[i];
    if (t->name_len == n && (n == 0 || memcmp(w->data.data + t->name, name, n) == 0)) {
      *out = (uint32_t)i;
      return 0;
    }
  }
  if (grow((void **)&w->tenants, &w->cap_tenants, w->n_tenants + 1, sizeof(loki_tenant)) < 0)
    return -ENOMEM;
  loki_tenant *t = &w->tenants[w->n_tenants];
  t->name = (uint32_t)w->data.len;
  t->name_len = (uint32_t)n;
  t->entries = 0;
  if (otlpd_buf_append(&w->data, name, n) < 0) return -ENOMEM;
  *out = (uint32_t)w->n_tenants++;
  return 0;
}

/* ---- lines ---- */

static int json_key(otlpd_buf *b, bool *first, const char *key) {
  if (otlpd_buf_append(b, *first ? "{" : ",", 1) < 0 || otlpd_json_str(b, key) < 0 ||
      otlpd_buf_append(b, ":", 1) < 0)
    return -ENOMEM;
  *first = false;
  return 0;
}

static int json_attrs(otlpd_buf *b, bool *first, const char *key, otlp_key_value **kv, size_t n) {
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (is_hint(kv[i]->key)) continue;
    if (!any && (json_key(b, first, key) < 0 || otlpd_buf_append(b, "{", 1) < 0)) return -ENOMEM;
    if ((any && otlpd_buf_append(b, ",", 1) < 0) || otlpd_json_str(b, kv[i]->key) < 0 ||
        otlpd_buf_append(b, ":", 1) < 0 || loki_value_json(b, kv[i]->value) < 0)
      return -ENOMEM;
    any = true;
  }
  return any ? otlpd_buf_append(b, "}", 1) : 0;
}

/* otelcol-contrib's Loki translator's JSON line: body, traceid, spanid,
 * severity, attributes, resources, instrumentation_scope; empty ones left
 * out. */
static int line_json(otlpd_buf *b, const otlp_log_record *lr, const otlp_resource *res,
                     const otlp_scope *scope) {
  bool first = true;
  if (lr->body && (json_key(b, &first, "body") < 0 || loki_value_json(b, lr->body) < 0))
    return -ENOMEM;
  if (id_set(&lr->trace_id) &&
      (json_key(b, &first, "traceid") < 0 || otlpd_buf_append(b, "\"", 1) < 0 ||
       hex_id(b, &lr->trace_id) < 0 || otlpd_buf_append(b, "\"", 1) < 0))
    return -ENOMEM;
  if (id_set(&lr->span_id) &&
      (json_key(b, &first, "spanid") < 0 || otlpd_buf_append(b, "\"", 1) < 0 ||
       hex_id(b, &lr->span_id) < 0 || otlpd_buf_append(b, "\"", 1) < 0))
    return -ENOMEM;
  if (lr->severity_text && *lr->severity_text &&
      (json_key(b, &first, "severity") < 0 || otlpd_json_str(b, lr->severity_text) < 0))
    return -ENOMEM;
  if (json_attrs(b, &first, "attributes", lr->attributes, lr->n_attributes) < 0) return -ENOMEM;
  if (res && json_attrs(b, &first, "resources", res->attributes, res->n_attributes) < 0)
    return -ENOMEM;
  if (scope && scope->name && *scope->name) {
    if (json_key(b, &first, "instrumentation_scope") < 0 ||
        otlpd_buf_append(b, "{\"name\":", 8) < 0 || otlpd_json_str(b, scope->name) < 0)
      return -ENOMEM;
    if (scope->version && *scope->version &&
        (otlpd_buf_append(b, ",\"version\":", 11) < 0 || otlpd_json_str(b, scope->version) < 0))
      return -ENOMEM;
    if (otlpd_buf_append(b, "}", 1) < 0) return -ENOMEM;
  }
  return otlpd_buf_append(b, first ? "{}" : "}", first ? 2 : 1);
}

static int logfmt_attrs(otlpd_buf *b, size_t start, const char *prefix, otlp_key_value **kv,
                        size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (is_hint(kv[i]->key)) continue;
    if ((b->len > start && otlpd_buf_append(b, " ", 1) < 0) ||
        otlpd_buf_append(b, prefix, strlen(prefix)) < 0 ||
        loki_label_name(b, kv[i]->key, strlen(kv[i]->key)) < 0 ||
        otlpd_buf_append(b, "=", 1) < 0 || loki_value_logfmt(b, kv[i]->value) < 0)
      return -ENOMEM;
  }
  return 0;
}

/* The translator's logfmt line: body=, traceID=, spanID=, severity=,
 * attribute_<k>=, resource_<k>=. */
static int line_logfmt(otlpd_buf *b, const otlp_log_record *lr, const otlp_resource *res) {
  size_t start = b->len;
  if (lr->body && (otlpd_buf_append(b, "body=", 5) < 0 || loki_value_logfmt(b, lr->body) < 0))
    return -ENOMEM;
  static const struct {
    const char *key;
    size_t off;
  } ids[] = {{"traceID=", offsetof(otlp_log_record, trace_id)},
             {"spanID=", offsetof(otlp_log_record, span_id)}};
  for (size_t i = 0; i < 2; i++) {
    const ProtobufCBinaryData *id = (const void *)((const char *)lr + ids[i].off);
    if (!id_set(id)) continue;
    if ((b->len > start && otlpd_buf_append(b, " ", 1) < 0) ||
        otlpd_buf_append(b, ids[i].key, strlen(ids[i].key)) < 0 || hex_id(b, id) < 0)
      return -ENOMEM;
  }
  if (lr->severity_text && *lr->severity_text) {
    otlp_any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    v.value_case = V_STRING;
    v.string_value = lr->severity_text;
    if ((b->len > start && otlpd_buf_append(b, " ", 1) < 0) ||
        otlpd_buf_append(b, "severity=", 9) < 0 || loki_value_logfmt(b, &v) < 0)
      return -ENOMEM;
  }
  if (logfmt_attrs(b, start, "attribute_", lr->attributes, lr->n_attributes) < 0) return -ENOMEM;
  if (res && logfmt_attrs(b, start, "resource_", res->attributes, res->n_attributes) < 0)
    return -ENOMEM;
  return 0;
}

static int line(const loki_cfg *c, otlpd_buf *b, const otlp_log_record *lr,
                const otlp_resource *res, const otlp_scope *scope) {
  switch (c->line_format) {
  case LOKI_LINE_JSON: return line_json(b, lr, res, scope);
  case LOKI_LINE_LOGFMT: return line_logfmt(b, lr, res);
  default: return loki_value_text(b, lr->body);
  }
}

/* ---- records ---- */

typedef struct resource_ctx {
  const otlp_resource *res;
  uint32_t tenant;
  size_t n_labels, text_len; /* the resource's label set, to restore per record */
  int64_t stream;            /* its stream when a record adds no label; -1 = not yet */
  uint32_t rsm, rsm_len;
} resource_ctx;

static bool record_label(const loki_cfg *c, const char *key, const char *hint) {
  return in_strings(&c->labels.attributes, key) || in_hint(hint, key);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int record(const loki_cfg *c, loki_work *w, resource_ctx *rc, const otlp_scope *scope,
                  const otlp_log_record *lr) {
  const char *hint = str_value(find_attr(lr->attributes, lr->n_attributes, HINT_ATTRIBUTE));
  bool own_labels = false;
  for (size_t i = 0; i < lr->n_attributes; i++)
    if (record_label(c, lr->attributes[i]->key, hint)) own_labels = true;
  uint32_t stream;
  if (own_labels) {
    w->labels.n = rc->n_labels;
    w->labels.text.len = rc->text_len;
    for (size_t i = 0; i < lr->n_attributes; i++)
      if (record_label(c, lr->attributes[i]->key, hint) &&
          add_label(w, lr->attributes[i]->key, lr->attributes[i]->value) < 0)
        return -ENOMEM;
    if (render_stream(w, rc->tenant, &stream) < 0) return -ENOMEM;
  } else {
    if (rc->stream < 0) {
      w->labels.n = rc->n_labels;
      w->labels.text.len = rc->text_len;
      if (render_stream(w, rc->tenant, &stream) < 0) return -ENOMEM;
      rc->stream = stream;
    }
    stream = (uint32_t)rc->stream;
  }
  if (grow((void **)&w->entries, &w->cap_entries, w->n_entries + 1, sizeof(loki_entry)) < 0)
    return -ENOMEM;
  loki_entry *e = &w->entries[w->n_entries];
  e->ts_ns = lr->time_unix_nano ? (int64_t)lr->time_unix_nano
             : lr->observed_time_unix_nano ? (int64_t)lr->observed_time_unix_nano
                                           : now_ns();
  e->stream = stream;
  e->seq = (uint32_t)w->n_entries;
  e->line = (uint32_t)w->data.len;
  if (line(c, &w->data, lr, rc->res, scope) < 0) return -ENOMEM;
  e->line_len = (uint32_t)(w->data.len - e->line);
  e->sm = (uint32_t)w->data.len;
  if (c->structured_metadata) {
    if (id_set(&lr->trace_id)) {
      otlpd_buf_clear(&w->tmp);
      if (hex_id(&w->tmp, &lr->trace_id) < 0 || sm_pair(w, "trace_id", 8, w->tmp.data, w->tmp.len) < 0)
        return -ENOMEM;
    }
    if (id_set(&lr->span_id)) {
      otlpd_buf_clear(&w->tmp);
      if (hex_id(&w->tmp, &lr->span_id) < 0 || sm_pair(w, "span_id", 7, w->tmp.data, w->tmp.len) < 0)
        return -ENOMEM;
    }
    if (lr->severity_text && *lr->severity_text &&
        sm_pair(w, "severity_text", 13, lr->severity_text, strlen(lr->severity_text)) < 0)
      return -ENOMEM;
    for (size_t i = 0; i < lr->n_attributes; i++) {
      const otlp_key_value *kv = lr->attributes[i];
      if (is_hint(kv->key) || record_label(c, kv->key, hint)) continue;
      if (sm_attr(w, kv) < 0) return -ENOMEM;
    }
  }
  e->sm_len = (uint32_t)(w->data.len - e->sm);
  e->rsm = rc->rsm;
  e->rsm_len = rc->rsm_len;
  w->tenants[rc->tenant].entries++;
  w->n_entries++;
  return 0;
}

static int resource(const loki_cfg *c, loki_work *w, const otlp_resource_logs *rl) {
  const otlp_resource *res = rl->resource;
  otlp_key_value **kv = res ? res->attributes : NULL;
  size_t n = res ? res->n_attributes : 0;
  resource_ctx rc = {.res = res, .stream = -1};
  const char *tenant = c->tenant_id;
  if (c->tenant.source_attribute && *c->tenant.source_attribute) {
    const char *t = str_value(find_attr(kv, n, c->tenant.source_attribute));
    if (t && *t && !strpbrk(t, "\r\n")) tenant = t;
  }
  if (tenant_of(w, tenant, &rc.tenant) < 0) return -ENOMEM;
  const char *hint = str_value(find_attr(kv, n, HINT_RESOURCE));
  loki_labels_clear(&w->labels);
  const otlp_any_value *svc = find_attr(kv, n, "service.name");
  if (svc) {
    if (add_label(w, "service_name", svc) < 0) return -ENOMEM;
  } else if (loki_labels_add(&w->labels, "service_name", 12, "unknown_service", 15) < 0) {
    return -ENOMEM;
  }
  rc.rsm = (uint32_t)w->data.len;
  for (size_t i = 0; i < n; i++) {
    const char *key = kv[i]->key;
    if (strcmp(key, "service.name") == 0 || is_hint(key)) continue;
    if (resource_label(c, key, hint)) {
      if (add_label(w, key, kv[i]->value) < 0) return -ENOMEM;
    } else if (c->structured_metadata && sm_attr(w, kv[i]) < 0) {
      return -ENOMEM;
    }
  }
  rc.rsm_len = (uint32_t)(w->data.len - rc.rsm);
  rc.n_labels = w->labels.n;
  rc.text_len = w->labels.text.len;
  for (size_t s = 0; s < rl->n_scope_logs; s++) {
    const otlp_scope_logs *sl = rl->scope_logs[s];
    for (size_t j = 0; j < sl->n_log_records; j++)
      if (record(c, w, &rc, sl->scope, sl->log_records[j]) < 0) return -ENOMEM;
  }
  return 0;
}

static void work_clear(loki_work *w) {
  w->n_entries = w->n_streams = w->n_tenants = 0;
  otlpd_buf_clear(&w->data);
  if (w->slots) memset(w->slots, 0, w->n_slots * sizeof(*w->slots));
}

static int cmp_entry(const void *pa, const void *pb) {
  const loki_entry *a = pa, *b = pb;
  if (a->stream != b->stream) return a->stream < b->stream ? -1 : 1;
  if (a->ts_ns != b->ts_ns) return a->ts_ns < b->ts_ns ? -1 : 1;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

void loki_sort(loki_work *w) {
  qsort(w->entries, w->n_entries, sizeof(loki_entry), cmp_entry);
  for (size_t i = 0; i < w->n_entries; i++) {
    loki_stream *s = &w->streams[w->entries[i].stream];
    if (!s->count) s->first = (uint32_t)i;
    s->count++;
  }
}

int loki_collect(const loki_cfg *c, const otlpd_batch *b, loki_work *w) {
  work_clear(w);
  for (size_t i = 0; i < b->n; i++)
    if (resource(c, w, b->resources[i]) < 0) return -ENOMEM;
  loki_sort(w);
  return 0;
}

void loki_work_free(loki_work *w) {
  free(w->entries);
  free(w->streams);
  free(w->slots);
  free(w->tenants);
  otlpd_buf_free(&w->data);
  otlpd_buf_free(&w->scratch);
  otlpd_buf_free(&w->tmp);
  loki_labels_free(&w->labels);
  memset(w, 0, sizeof(*w));
}
