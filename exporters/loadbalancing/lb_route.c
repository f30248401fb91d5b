/* One batch -> one batch per backend. A resource whose items all go to one
 * backend moves whole, wire bytes included; otherwise it is split into
 * shallow copies (resource and scope structs, item pointer arrays) in one
 * arena owned by a child payload of the resource's owner, so no span, log
 * record or metric is copied. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lb.h"

typedef struct shape {
  size_t res_size, res_n, res_arr;
  size_t scope_size, scope_n, scope_arr;
} shape;

static const shape shapes[OTLPD_SIGNAL_COUNT] = {
    {sizeof(otlp_resource_spans), offsetof(otlp_resource_spans, n_scope_spans),
     offsetof(otlp_resource_spans, scope_spans), sizeof(otlp_scope_spans),
     offsetof(otlp_scope_spans, n_spans), offsetof(otlp_scope_spans, spans)},
    {sizeof(otlp_resource_metrics), offsetof(otlp_resource_metrics, n_scope_metrics),
     offsetof(otlp_resource_metrics, scope_metrics), sizeof(otlp_scope_metrics),
     offsetof(otlp_scope_metrics, n_metrics), offsetof(otlp_scope_metrics, metrics)},
    {sizeof(otlp_resource_logs), offsetof(otlp_resource_logs, n_scope_logs),
     offsetof(otlp_resource_logs, scope_logs), sizeof(otlp_scope_logs),
     offsetof(otlp_scope_logs, n_log_records), offsetof(otlp_scope_logs, log_records)},
};

#define FIELD(p, off, T) (*(T *)((char *)(p) + (off)))

/* Every resource-level struct starts with its base message, then the
 * Resource pointer. */
static const otlp_resource *resource_of(otlpd_signal s, const void *res) {
  switch (s) {
  case OTLPD_TRACES: return ((const otlp_resource_spans *)res)->resource;
  case OTLPD_METRICS: return ((const otlp_resource_metrics *)res)->resource;
  default: return ((const otlp_resource_logs *)res)->resource;
  }
}

static const char *service_name(const otlp_resource *r, size_t *len) {
  for (size_t i = 0; r && i < r->n_attributes; i++) {
    const otlp_key_value *kv = r->attributes[i];
    if (kv->key && strcmp(kv->key, "service.name") == 0 && kv->value &&
        kv->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE) {
      *len = strlen(kv->value->string_value);
      return kv->value->string_value;
    }
  }
  *len = 0;
  return "";
}

/* The resource's attribute set as an order-independent 32-bit key. */
static uint32_t resource_identity(const otlp_resource *r) {
  uint32_t acc = 0;
  for (size_t i = 0; r && i < r->n_attributes; i++) {
    const otlp_key_value *kv = r->attributes[i];
    uLong h = crc32(0L, (const Bytef *)kv->key, (uInt)strlen(kv->key));
    const otlp_any_value *v = kv->value;
    if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
      h = crc32(h, (const Bytef *)v->string_value, (uInt)strlen(v->string_value));
    else if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE)
      h = crc32(h, (const Bytef *)&v->int_value, sizeof(v->int_value));
    else if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE)
      h = crc32(h, (const Bytef *)&v->bool_value, sizeof(v->bool_value));
    else if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE)
      h = crc32(h, (const Bytef *)&v->double_value, sizeof(v->double_value));
    acc += (uint32_t)h * 2654435761u; /* commutative mix */
  }
  return acc;
}

/* The whole resource's backend, or -1 when it is chosen per item. */
static int64_t resource_pick(lb_router *rt, const lb_ring *r, otlpd_signal s, const void *res) {
  int key = rt->key;
  if (s == OTLPD_METRICS && key == LB_KEY_TRACE_ID) key = LB_KEY_SERVICE;
  if (key == LB_KEY_SERVICE) {
    size_t len;
    const char *svc = service_name(resource_of(s, res), &len);
    return lb_ring_pick(r, svc, len);
  }
  if (key == LB_KEY_RESOURCE) {
    uint32_t id = resource_identity(resource_of(s, res));
    return lb_ring_pick(r, &id, sizeof(id));
  }
  return -1;
}

static uint32_t item_pick(lb_router *rt, const lb_ring *r, size_t nb, otlpd_signal s,
                          const void *item) {
  if (s == OTLPD_TRACES) {
    const otlp_span *sp = item;
    return lb_ring_pick(r, sp->trace_id.data, sp->trace_id.len);
  }
  if (s == OTLPD_METRICS) {
    const char *name = ((const otlp_metric *)item)->name;
    return lb_ring_pick(r, name ? name : "", name ? strlen(name) : 0);
  }
  const otlp_log_record *lr = item;
  if (lr->trace_id.len) return lb_ring_pick(r, lr->trace_id.data, lr->trace_id.len);
  return rt->rr++ % (uint32_t)nb; /* no trace: spread, as otelcol does */
}

static int add_to(otlpd_batch **out, size_t k, const otlpd_batch *in, void *res,
                  otlpd_payload *owner, size_t items, otlpd_slice raw) {
  if (!out[k] && !(out[k] = otlpd_batch_new(in->signal, in->acct))) return -ENOMEM;
  return otlpd_batch_add_raw(out[k], res, owner, items, raw);
}

/* Backend k's part of res, built in arena a; NULL on ENOMEM. picks holds
 * one backend per item, scope after scope. */
static void *resource_part(otlpd_signal s, otlpd_arena *a, const void *res, const uint32_t *picks,
                           uint32_t k) {
  const shape *sh = &shapes[s];
  size_t n_sc = FIELD(res, sh->res_n, size_t), at = 0, used = 0;
  void **sc = FIELD(res, sh->res_arr, void **);
  void **parts = otlpd_arena_alloc(a, n_sc * sizeof(void *));
  if (!parts) return NULL;
  for (size_t i = 0; i < n_sc; i++) {
    size_t ni = FIELD(sc[i], sh->scope_n, size_t), mine = 0;
    for (size_t j = 0; j < ni; j++) mine += picks[at + j] == k;
    if (mine) {
      void *copy = otlpd_arena_alloc(a, sh->scope_size);
      void **items = otlpd_arena_alloc(a, mine * sizeof(void *));
      if (!copy || !items) return NULL;
      memcpy(copy, sc[i], sh->scope_size);
      void **src = FIELD(sc[i], sh->scope_arr, void **);
      for (size_t j = 0, m = 0; j < ni; j++)
        if (picks[at + j] == k) items[m++] = src[j];
      FIELD(copy, sh->scope_n, size_t) = mine;
      FIELD(copy, sh->scope_arr, void **) = items;
      parts[used++] = copy;
    }
    at += ni;
  }
  void *r = otlpd_arena_alloc(a, sh->res_size);
  if (!r) return NULL;
  memcpy(r, res, sh->res_size);
  FIELD(r, sh->res_n, size_t) = used;
  FIELD(r, sh->res_arr, void **) = parts;
  return r;
}

/* Entry i of in, whose items go to several backends. */
static int split_entry(const otlpd_batch *in, size_t i, const uint32_t *picks, size_t nb,
                       otlpd_batch **out) {
  otlpd_signal s = in->signal;
  otlpd_arena *a = otlpd_arena_new(1024);
  if (!a) return -ENOMEM;
  otlpd_payload *copy = otlpd_payload_new(s, a, NULL, in->acct);
  if (!copy) {
    otlpd_arena_free(a);
    return -ENOMEM;
  }
  otlpd_payload_ref(in->owners[i]);
  copy->parent = in->owners[i];
  int rc = 0;
  bool *seen = otlpd_arena_alloc(a, nb * sizeof(bool));
  if (!seen) rc = -ENOMEM;
  for (size_t k = 0; !rc && k < nb; k++) seen[k] = false;
  const shape *sh = &shapes[s];
  size_t n_items = 0, n_sc = FIELD(in->resources[i], sh->res_n, size_t);
  void **sc = FIELD(in->resources[i], sh->res_arr, void **);
  for (size_t j = 0; j < n_sc; j++) n_items += FIELD(sc[j], sh->scope_n, size_t);
  for (size_t j = 0; !rc && j < n_items; j++) seen[picks[j]] = true;
  for (uint32_t k = 0; !rc && k < nb; k++) {
    if (!seen[k]) continue;
    void *part = resource_part(s, a, in->resources[i], picks, k);
    if (!part) {
      rc = -ENOMEM;
      break;
    }
    size_t items = s == OTLPD_METRICS ? otlpd_resource_items(s, part) : 0;
    if (s != OTLPD_METRICS)
      for (size_t j = 0; j < n_items; j++) items += picks[j] == k;
    rc = add_to(out, k, in, part, copy, items, (otlpd_slice){NULL, 0});
  }
  otlpd_payload_recharge(copy);
  otlpd_payload_unref(copy); /* the batches hold it now */
  return rc;
}

static uint32_t *picks_for(lb_router *rt, size_t n) {
  if (n > rt->cap) {
    uint32_t *p = realloc(rt->picks, n * sizeof(uint32_t));
    if (!p) return NULL;
    rt->picks = p;
    rt->cap = n;
  }
  return rt->picks;
}

static int route_entry(lb_router *rt, const lb_ring *r, size_t nb, const otlpd_batch *in, size_t i,
                       otlpd_batch **out) {
  otlpd_signal s = in->signal;
  void *res = in->resources[i];
  int64_t whole = resource_pick(rt, r, s, res);
  if (whole >= 0) return add_to(out, (size_t)whole, in, res, in->owners[i], in->counts[i], in->raw[i]);
  const shape *sh = &shapes[s];
  size_t n_sc = FIELD(res, sh->res_n, size_t), n_items = 0;
  void **sc = FIELD(res, sh->res_arr, void **);
  for (size_t j = 0; j < n_sc; j++) n_items += FIELD(sc[j], sh->scope_n, size_t);
  if (n_items == 0) return add_to(out, 0, in, res, in->owners[i], in->counts[i], in->raw[i]);
  uint32_t *picks = picks_for(rt, n_items);
  if (!picks) return -ENOMEM;
  size_t at = 0;
  bool one = true;
  for (size_t j = 0; j < n_sc; j++) {
    size_t ni = FIELD(sc[j], sh->scope_n, size_t);
    void **items = FIELD(sc[j], sh->scope_arr, void **);
    for (size_t m = 0; m < ni; m++, at++) {
      picks[at] = item_pick(rt, r, nb, s, items[m]);
      one = one && picks[at] == picks[0];
    }
  }
  int rc = one ? add_to(out, picks[0], in, res, in->owners[i], in->counts[i], in->raw[i])
               : split_entry(in, i, picks, nb, out);
  return rc;
}

int lb_route(lb_router *rt, const lb_ring *r, size_t nb, const otlpd_batch *in, otlpd_batch **out) {
  for (size_t k = 0; k < nb; k++) out[k] = NULL;
  for (size_t i = 0; i < in->n; i++) {
    int rc = route_entry(rt, r, nb, in, i, out);
    if (rc) {
      for (size_t k = 0; k < nb; k++) {
        if (out[k]) otlpd_batch_unref(out[k]);
        out[k] = NULL;
      }
      return rc;
    }
  }
  return 0;
}
