/* Item counting and splitting of resource-level items.
 *
 * The three signals share one shape: resource -> scopes -> items. A split
 * makes shallow copies of the containers (resource, scope, and for metrics
 * the metric and its data holder) in a fresh arena and points them at
 * slices of the original item arrays, so no span, log record or data point
 * is ever copied. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/codec.h"
#include "otlpd/data.h"

/* In a shallow decode (collector/codec/pb_shallow.c) a scope's items are
 * unknown fields with this number, in wire order. */
#define SHALLOW_ITEM_FIELD 2

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

/* Where a metric keeps its data points: the holder struct and its layout. */
typedef struct points {
  void *holder;
  size_t holder_size, n_off, arr_off;
} points;

#define METRIC_CASE(tag, member, T)                                                    \
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##tag:                          \
    pt->holder = m->member;                                                            \
    pt->holder_size = sizeof(T);                                                       \
    pt->n_off = offsetof(T, n_data_points);                                            \
    pt->arr_off = offsetof(T, data_points);                                            \
    return m->member != NULL;

static int metric_points(const otlp_metric *m, points *pt) {
  switch (m->data_case) {
    METRIC_CASE(GAUGE, gauge, Opentelemetry__Proto__Metrics__V1__Gauge)
    METRIC_CASE(SUM, sum, Opentelemetry__Proto__Metrics__V1__Sum)
    METRIC_CASE(HISTOGRAM, histogram, Opentelemetry__Proto__Metrics__V1__Histogram)
    METRIC_CASE(EXPONENTIAL_HISTOGRAM, exponential_histogram,
                Opentelemetry__Proto__Metrics__V1__ExponentialHistogram)
    METRIC_CASE(SUMMARY, summary, Opentelemetry__Proto__Metrics__V1__Summary)
  default:
    return 0;
  }
}

static size_t item_weight(otlpd_signal s, const void *item) {
  if (s != OTLPD_METRICS) return 1;
  points pt = {0};
  return metric_points(item, &pt) ? FIELD(pt.holder, pt.n_off, size_t) : 0;
}

static bool shallow_scope(const void *sc) {
  return otlpd_pb_is_shallow_scope(((const ProtobufCMessage *)sc)->descriptor);
}

static size_t shallow_items(const ProtobufCMessage *sc) {
  size_t n = 0;
  for (unsigned i = 0; i < sc->n_unknown_fields; i++) n += sc->unknown_fields[i].tag == SHALLOW_ITEM_FIELD;
  return n;
}

/* Items (or metrics) listed by scope sc. */
static size_t scope_len(otlpd_signal s, const void *sc) {
  if (shallow_scope(sc)) return shallow_items(sc);
  return FIELD(sc, shapes[s].scope_n, size_t);
}

size_t otlpd_resource_items(otlpd_signal s, const void *res) {
  const shape *sh = &shapes[s];
  size_t n_sc = FIELD(res, sh->res_n, size_t), total = 0;
  void **sc = FIELD(res, sh->res_arr, void **);
  for (size_t i = 0; i < n_sc; i++) {
    size_t ni = scope_len(s, sc[i]);
    if (s != OTLPD_METRICS) {
      total += ni;
      continue;
    }
    void **items = FIELD(sc[i], sh->scope_arr, void **);
    for (size_t j = 0; j < ni; j++) total += item_weight(s, items[j]);
  }
  return total;
}

size_t otlpd_request_items(otlpd_signal s, const ProtobufCMessage *req) {
  const otlpd_request_view *v = (const otlpd_request_view *)req;
  size_t n, total = 0;
  void **res;
  switch (s) {
  case OTLPD_TRACES:
    n = v->traces.n_resource_spans, res = (void **)v->traces.resource_spans;
    break;
  case OTLPD_METRICS:
    n = v->metrics.n_resource_metrics, res = (void **)v->metrics.resource_metrics;
    break;
  default:
    n = v->logs.n_resource_logs, res = (void **)v->logs.resource_logs;
    break;
  }
  for (size_t i = 0; i < n; i++) total += otlpd_resource_items(s, res[i]);
  return total;
}

static void *dup_in(otlpd_arena *a, const void *src, size_t size) {
  void *p = otlpd_arena_alloc(a, size);
  if (p) memcpy(p, src, size);
  return p;
}

/* A copy of metric m holding points [from, from+count). */
static void *metric_slice(otlpd_arena *a, const otlp_metric *m, size_t from, size_t count) {
  points pt = {0};
  if (!metric_points(m, &pt)) return NULL;
  otlp_metric *mc = dup_in(a, m, sizeof(*m));
  void *holder = mc ? dup_in(a, pt.holder, pt.holder_size) : NULL;
  if (!holder) return NULL;
  FIELD(holder, pt.n_off, size_t) = count;
  FIELD(holder, pt.arr_off, void **) += from;
  mc->gauge = holder; /* all data members share the oneof union */
  return mc;
}

/* A copy of shallow scope sc holding items [from, to); its other unknown
 * fields (schema_url) go to every copy. The field data stays shared. */
static void *shallow_scope_slice(otlpd_arena *a, const ProtobufCMessage *sc, size_t size, size_t from,
                                 size_t to) {
  ProtobufCMessage *copy = dup_in(a, sc, size);
  size_t n = sc->n_unknown_fields;
  ProtobufCMessageUnknownField *f = copy ? otlpd_arena_alloc(a, (n ? n : 1) * sizeof(*f)) : NULL;
  if (!f) return NULL;
  unsigned kept = 0;
  size_t item = 0;
  for (size_t i = 0; i < n; i++) {
    const ProtobufCMessageUnknownField *u = &sc->unknown_fields[i];
    if (u->tag == SHALLOW_ITEM_FIELD && (item++ < from || item > to)) continue;
    f[kept++] = *u;
  }
  copy->n_unknown_fields = kept;
  copy->unknown_fields = f;
  return copy;
}

/* A copy of scope sc holding items [from, n) where item `from` may itself
 * be cut (metrics only): skip its first `cut` points. to < 0 means "to end". */
static void *scope_slice(otlpd_signal s, otlpd_arena *a, const void *sc, size_t from, size_t to,
                         size_t first_from, size_t first_count, size_t last_count) {
  const shape *sh = &shapes[s];
  if (shallow_scope(sc)) return shallow_scope_slice(a, sc, sh->scope_size, from, to);
  void *copy = dup_in(a, sc, sh->scope_size);
  if (!copy) return NULL;
  size_t n = to - from;
  void **src = FIELD(sc, sh->scope_arr, void **);
  void **arr = otlpd_arena_alloc(a, (n ? n : 1) * sizeof(void *));
  if (!arr) return NULL;
  memcpy(arr, src + from, n * sizeof(void *));
  /* first/last item may be partial metrics */
  if (n && first_count != (size_t)-1) {
    arr[0] = metric_slice(a, src[from], first_from, first_count);
    if (!arr[0]) return NULL;
  }
  if (n && last_count != (size_t)-1) {
    arr[n - 1] = metric_slice(a, src[to - 1], 0, last_count);
    if (!arr[n - 1]) return NULL;
  }
  FIELD(copy, sh->scope_n, size_t) = n;
  FIELD(copy, sh->scope_arr, void **) = arr;
  return copy;
}

static void *resource_with(otlpd_signal s, otlpd_arena *a, const void *res, void **scopes, size_t n) {
  const shape *sh = &shapes[s];
  void *copy = dup_in(a, res, sh->res_size);
  if (!copy) return NULL;
  FIELD(copy, sh->res_n, size_t) = n;
  FIELD(copy, sh->res_arr, void **) = scopes;
  return copy;
}

/* Cut res after `need` items into *head and *tail (both allocated in a). */
static int split_resource(otlpd_signal s, otlpd_arena *a, const void *res, size_t need,
                          void **head, void **tail) {
  const shape *sh = &shapes[s];
  size_t n_sc = FIELD(res, sh->res_n, size_t), acc = 0, si, ii = 0, w = 0;
  void **sc = FIELD(res, sh->res_arr, void **);
  for (si = 0; si < n_sc; si++) {
    size_t ni = scope_len(s, sc[si]);
    void **items = FIELD(sc[si], sh->scope_arr, void **);
    for (ii = 0; ii < ni; ii++) {
      w = s == OTLPD_METRICS ? item_weight(s, items[ii]) : 1; /* items is NULL when shallow */
      if (acc + w > need) goto found;
      acc += w;
    }
  }
  return -EINVAL; /* need >= total: caller moves the whole resource */
found:;
  size_t k = need - acc; /* points of item ii that go to head (metrics) */
  size_t ni = scope_len(s, sc[si]);
  size_t none = (size_t)-1;
  void **hs = otlpd_arena_alloc(a, (si + 1) * sizeof(void *));
  void **ts = otlpd_arena_alloc(a, (n_sc - si) * sizeof(void *));
  if (!hs || !ts) return -ENOMEM;
  memcpy(hs, sc, si * sizeof(void *));
  size_t n_head = si;
  if (ii > 0 || k > 0) {
    hs[n_head] = scope_slice(s, a, sc[si], 0, ii + (k > 0), none, none, k > 0 ? k : none);
    if (!hs[n_head++]) return -ENOMEM;
  }
  ts[0] = scope_slice(s, a, sc[si], ii, ni, k > 0 ? k : none, k > 0 ? w - k : none, none);
  if (!ts[0]) return -ENOMEM;
  memcpy(ts + 1, sc + si + 1, (n_sc - si - 1) * sizeof(void *));
  *head = resource_with(s, a, res, hs, n_head);
  *tail = resource_with(s, a, res, ts, n_sc - si);
  return *head && *tail ? 0 : -ENOMEM;
}

/* The split of entry `at` of src after `need` items, prepared before
 * anything moves so that a failed allocation leaves src as it was. */
typedef struct cut {
  void *head, *tail;
  otlpd_payload *copy; /* owns both halves' containers */
} cut;

static int cut_prepare(const otlpd_batch *src, size_t at, size_t need, cut *c) {
  otlpd_arena *a = otlpd_arena_new(1024);
  if (!a) return -ENOMEM;
  if (split_resource(src->signal, a, src->resources[at], need, &c->head, &c->tail)) {
    otlpd_arena_free(a);
    return -ENOMEM;
  }
  c->copy = otlpd_payload_new(src->signal, a, NULL, src->acct);
  if (!c->copy) {
    otlpd_arena_free(a);
    return -ENOMEM;
  }
  return 0;
}

/* Both halves now live in c->copy, which inherits src entry 0's reference
 * on its owner; cannot fail (dst has room). */
static void cut_apply(otlpd_batch *dst, otlpd_batch *src, size_t need, cut *c) {
  c->copy->parent = src->owners[0];
  otlpd_batch_add(dst, c->head, c->copy, need); /* its own reference */
  src->resources[0] = c->tail;
  src->owners[0] = c->copy; /* the reference this payload was born with */
  src->raw[0].p = NULL;     /* the tail is not what the client sent */
  src->mine[0] = 0;         /* the new payload is shared with dst's head */
  src->counts[0] -= need;
  src->items -= need;
}

/* Never loses or double-frees an entry: everything that can fail happens
 * before src changes. If only the split of a straddling entry fails, the
 * whole entries before it are still taken. */
otlpd_batch *otlpd_batch_take(otlpd_batch *src, size_t max_items) {
  otlpd_batch *dst = otlpd_batch_new(src->signal, src->acct);
  if (!dst) return NULL;
  size_t whole = 0, taken = 0;
  while (whole < src->n && taken + src->counts[whole] <= max_items) taken += src->counts[whole++];
  bool partial = whole < src->n && taken < max_items;
  cut c = {0};
  if (otlpd_batch_reserve(dst, whole + 1)) goto fail;
  if (partial && cut_prepare(src, whole, max_items - taken, &c)) {
    if (whole == 0) goto fail; /* nothing could be taken */
    partial = false;
  }
  /* Move whole entries: their references transfer with them. */
  for (size_t i = 0; i < whole; i++) {
    otlpd_batch_add_raw(dst, src->resources[i], src->owners[i], src->counts[i], src->raw[i]);
    otlpd_payload_unref(src->owners[i]);
  }
  size_t rest = src->n - whole;
  if (whole) { /* an empty batch may have no arrays at all */
    memmove(src->resources, src->resources + whole, rest * sizeof(void *));
    memmove(src->owners, src->owners + whole, rest * sizeof(void *));
    memmove(src->counts, src->counts + whole, rest * sizeof(size_t));
    memmove(src->raw, src->raw + whole, rest * sizeof(otlpd_slice));
    memmove(src->mine, src->mine + whole, rest);
  }
  src->n = rest;
  src->items -= taken;
  if (partial) cut_apply(dst, src, max_items - taken, &c);
  return dst;
fail:
  otlpd_batch_unref(dst);
  return NULL;
}
