/* Batches: lists of borrowed resource-level items; see include/otlpd/data.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/data.h"

otlpd_batch *otlpd_batch_new(otlpd_signal s, otlpd_memacct *acct) {
  otlpd_batch *b = calloc(1, sizeof(*b));
  if (!b) return NULL;
  atomic_init(&b->refs, 1);
  b->signal = s;
  b->acct = acct;
  return b;
}

int otlpd_batch_reserve(otlpd_batch *b, size_t need) {
  if (b->n + need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap * 2 : 8;
  while (cap < b->n + need) cap *= 2;
  void **r = realloc(b->resources, cap * sizeof(*r));
  if (!r) return -ENOMEM;
  b->resources = r;
  otlpd_payload **o = realloc(b->owners, cap * sizeof(*o));
  if (!o) return -ENOMEM;
  b->owners = o;
  size_t *c = realloc(b->counts, cap * sizeof(*c));
  if (!c) return -ENOMEM;
  b->counts = c;
  otlpd_slice *raw = realloc(b->raw, cap * sizeof(*raw));
  if (!raw) return -ENOMEM;
  b->raw = raw;
  uint8_t *mine = realloc(b->mine, cap);
  if (!mine) return -ENOMEM;
  b->mine = mine;
  b->cap = cap;
  return 0;
}

int otlpd_batch_add_raw(otlpd_batch *b, void *resource, otlpd_payload *p, size_t items,
                        otlpd_slice raw) {
  if (otlpd_batch_reserve(b, 1)) return -ENOMEM;
  otlpd_payload_ref(p);
  b->resources[b->n] = resource;
  b->owners[b->n] = p;
  b->counts[b->n] = items;
  b->raw[b->n] = raw;
  b->mine[b->n] = 0; /* a private object is private to the batch that made it */
  b->n++;
  b->items += items;
  return 0;
}

int otlpd_batch_add(otlpd_batch *b, void *resource, otlpd_payload *p, size_t items) {
  otlpd_slice none = {NULL, 0};
  return otlpd_batch_add_raw(b, resource, p, items, none);
}

int otlpd_batch_append(otlpd_batch *dst, const otlpd_batch *src) {
  if (otlpd_batch_reserve(dst, src->n)) return -ENOMEM;
  for (size_t i = 0; i < src->n; i++)
    otlpd_batch_add_raw(dst, src->resources[i], src->owners[i], src->counts[i], src->raw[i]);
  return 0;
}

otlpd_batch *otlpd_batch_from_payload(otlpd_payload *p) {
  otlpd_batch *b = otlpd_batch_new(p->signal, p->acct);
  if (!b) return NULL;
  otlpd_request_view *req = (otlpd_request_view *)p->msg;
  size_t n = 0;
  void **res = NULL;
  switch (p->signal) {
  case OTLPD_TRACES:
    n = req->traces.n_resource_spans;
    res = (void **)req->traces.resource_spans;
    break;
  case OTLPD_METRICS:
    n = req->metrics.n_resource_metrics;
    res = (void **)req->metrics.resource_metrics;
    break;
  default:
    n = req->logs.n_resource_logs;
    res = (void **)req->logs.resource_logs;
    break;
  }
  if (otlpd_batch_reserve(b, n)) {
    otlpd_batch_unref(b);
    return NULL;
  }
  otlpd_slice none = {NULL, 0};
  bool have_raw = p->raw.n == n;
  for (size_t i = 0; i < n; i++)
    otlpd_batch_add_raw(b, res[i], p, otlpd_resource_items(p->signal, res[i]), have_raw ? p->raw.v[i] : none);
  return b;
}

void otlpd_batch_ref(otlpd_batch *b) { atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed); }

void otlpd_batch_unref(otlpd_batch *b) {
  if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
  for (size_t i = 0; i < b->n; i++) otlpd_payload_unref(b->owners[i]);
  free(b->resources);
  free(b->owners);
  free(b->counts);
  free(b->raw);
  free(b->mine);
  free(b);
}

ProtobufCMessage *otlpd_batch_view(const otlpd_batch *b, otlpd_request_view *req) {
  switch (b->signal) {
  case OTLPD_TRACES:
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req->traces);
    req->traces.n_resource_spans = b->n;
    req->traces.resource_spans = (otlp_resource_spans **)b->resources;
    break;
  case OTLPD_METRICS:
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&req->metrics);
    req->metrics.n_resource_metrics = b->n;
    req->metrics.resource_metrics = (otlp_resource_metrics **)b->resources;
    break;
  default:
    opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&req->logs);
    req->logs.n_resource_logs = b->n;
    req->logs.resource_logs = (otlp_resource_logs **)b->resources;
    break;
  }
  return &req->base;
}
