/* Walking one batch entry down to the attribute lists the processor
 * changes. Each walk runs in two modes: `edit` false only answers "would
 * anything change?" without writing (the fast path keeps untouched
 * entries, and their wire bytes, as they came); `edit` true applies the
 * actions, copying (copy-on-write) only what changes: for spans and logs,
 * the item whose list changed and the array holding it, never the items
 * next to it; for metrics, the metric and its data points. */
#include <errno.h>
#include <string.h>

#include "attributes_walk.h"

typedef Opentelemetry__Proto__Trace__V1__Span__Event otlp_span_event;

/* Skip as otelcol's include/exclude: not included, or excluded. */
static bool wanted(const attributes_proc *ap, const attrs_subject *s) {
  if (ap->include.set && !attrs_matches(&ap->include, s)) return false;
  return !(ap->exclude.set && attrs_matches(&ap->exclude, s));
}

static bool changes(const attributes_proc *ap, const otlpd_client_info *ci, size_t n, otlp_key_value *const *kv) {
  return attraction_changes(&ap->actions, ci, n, kv);
}

/* The object array *arr of n structs of `size` bytes, private to entry i. */
static int own_array(otlpd_batch *b, size_t i, void ***arr, size_t n, size_t size) {
  if (!n || otlpd_arena_owns(b->owners[i]->arena, *arr)) return 0;
  void **copy = otlpd_batch_alloc(b, i, n * sizeof(void *));
  if (!copy) return -ENOMEM;
  for (size_t k = 0; k < n; k++) {
    if (!(copy[k] = otlpd_batch_alloc(b, i, size))) return -ENOMEM;
    memcpy(copy[k], (*arr)[k], size);
  }
  *arr = copy;
  return 0;
}

/* Copy-on-write one object at a time: *arr (n pointers) becomes private
 * to entry i on the first call for it (*own tracks that), then the object
 * at k is replaced by a private copy of `size` bytes. Objects no action
 * touches stay shared. Returns the copy, NULL for -ENOMEM. */
static void *own_one(otlpd_batch *b, size_t i, void ***arr, size_t n, bool *own, size_t k, size_t size) {
  if (!*own) {
    void **copy = otlpd_batch_alloc(b, i, n * sizeof(void *));
    if (!copy) return NULL;
    memcpy(copy, *arr, n * sizeof(void *));
    *arr = copy;
    *own = true;
  }
  void *obj = otlpd_batch_alloc(b, i, size);
  if (!obj) return NULL;
  memcpy(obj, (*arr)[k], size);
  return (*arr)[k] = obj;
}

static bool span_changes(const attributes_proc *ap, const otlpd_client_info *ci, const otlp_span *sp) {
  if (changes(ap, ci, sp->n_attributes, sp->attributes)) return true;
  for (size_t e = 0; e < sp->n_events; e++)
    if (changes(ap, ci, sp->events[e]->n_attributes, sp->events[e]->attributes)) return true;
  return false;
}

/* Applies to the span at *slot and its events, each checked and copied in
 * one pass (attraction_apply_list): the span (and the scope's span array,
 * own_spans) is copied only when one of its lists changes. */
static int span_edit(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                     otlp_scope_spans *ss, bool *own_spans, size_t k) {
  otlp_span *sp = ss->spans[k];
  size_t n = sp->n_attributes;
  otlp_key_value **kv = sp->attributes;
  int rc = attraction_apply_list(&ap->actions, ci, b, i, &n, &kv);
  if (rc < 0) return rc;
  otlp_span *mine = NULL;
  if (rc > 0) {
    if (!(mine = own_one(b, i, (void ***)&ss->spans, ss->n_spans, own_spans, k, sizeof(*sp)))) return -ENOMEM;
    mine->n_attributes = n;
    mine->attributes = kv;
  }
  bool own_events = false;
  for (size_t e = 0; e < sp->n_events; e++) {
    otlp_span_event *ev = sp->events[e];
    n = ev->n_attributes;
    kv = ev->attributes;
    if ((rc = attraction_apply_list(&ap->actions, ci, b, i, &n, &kv)) <= 0) {
      if (rc < 0) return rc;
      continue;
    }
    if (!mine && !(mine = own_one(b, i, (void ***)&ss->spans, ss->n_spans, own_spans, k, sizeof(*sp))))
      return -ENOMEM;
    if (!(ev = own_one(b, i, (void ***)&mine->events, mine->n_events, &own_events, e, sizeof(*ev))))
      return -ENOMEM;
    ev->n_attributes = n;
    ev->attributes = kv;
  }
  return 0;
}

/* A scope of entry i: its struct made private (the entry's resource and
 * scope array too), its items left shared. */
static void *own_scope(otlpd_batch *b, size_t i, size_t j, void *const *(*scopes)(void *)) {
  void *res = otlpd_batch_mut_scopes(b, i);
  return res ? scopes(res)[j] : NULL;
}

static void *const *span_scopes(void *res) { return (void *const *)((otlp_resource_spans *)res)->scope_spans; }
static void *const *log_scopes(void *res) { return (void *const *)((otlp_resource_logs *)res)->scope_logs; }

int attrs_walk_spans(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i, bool edit) {
  otlp_resource_spans *rs = b->resources[i];
  for (size_t j = 0; j < rs->n_scope_spans; j++) {
    otlp_scope_spans *ss = rs->scope_spans[j];
    bool own_spans = false;
    if (edit && ss->n_spans) {
      if (!(ss = own_scope(b, i, j, span_scopes))) return -ENOMEM;
      rs = b->resources[i];
    }
    for (size_t k = 0; k < ss->n_spans; k++) {
      otlp_span *sp = ss->spans[k];
      attrs_subject s = {.resource = rs->resource, .scope = ss->scope, .span = sp,
                         .nattrs = sp->n_attributes, .attrs = sp->attributes};
      if (!wanted(ap, &s)) continue;
      if (!edit) {
        if (span_changes(ap, ci, sp)) return 1;
        continue;
      }
      int rc = span_edit(ap, ci, b, i, ss, &own_spans, k);
      if (rc) return rc;
    }
  }
  return 0;
}

int attrs_walk_logs(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i, bool edit) {
  otlp_resource_logs *rl = b->resources[i];
  for (size_t j = 0; j < rl->n_scope_logs; j++) {
    otlp_scope_logs *sl = rl->scope_logs[j];
    bool own_logs = false;
    if (edit && sl->n_log_records) {
      if (!(sl = own_scope(b, i, j, log_scopes))) return -ENOMEM;
      rl = b->resources[i];
    }
    for (size_t k = 0; k < sl->n_log_records; k++) {
      otlp_log_record *lr = sl->log_records[k];
      attrs_subject s = {.resource = rl->resource, .scope = sl->scope, .log = lr, .nattrs = lr->n_attributes,
                         .attrs = lr->attributes};
      if (!wanted(ap, &s)) continue;
      if (!edit) {
        if (changes(ap, ci, lr->n_attributes, lr->attributes)) return 1;
        continue;
      }
      size_t n = lr->n_attributes;
      otlp_key_value **kv = lr->attributes;
      int rc = attraction_apply_list(&ap->actions, ci, b, i, &n, &kv);
      if (rc < 0) return rc;
      if (!rc) continue;
      if (!(lr = own_one(b, i, (void ***)&sl->log_records, sl->n_log_records, &own_logs, k, sizeof(*lr))))
        return -ENOMEM;
      lr->n_attributes = n;
      lr->attributes = kv;
    }
  }
  return 0;
}

/* ---- metrics: the data points of every metric type ---- */

typedef struct points_shape {
  size_t holder_size, n_off, arr_off, point_size, nattr_off, attrs_off;
} points_shape;

#define M(x) Opentelemetry__Proto__Metrics__V1__##x
#define SHAPE(H, P)                                                                                        \
  {sizeof(M(H)), offsetof(M(H), n_data_points), offsetof(M(H), data_points), sizeof(M(P)),                  \
   offsetof(M(P), n_attributes), offsetof(M(P), attributes)}
#define AT(p, off, T) (*(T *)(void *)((char *)(p) + (off)))

/* The holder (Gauge, Sum...) of a metric and its shape; NULL if none. */
static void **holder_of(otlp_metric *m, const points_shape **shape) {
  static const points_shape gauge = SHAPE(Gauge, NumberDataPoint), sum = SHAPE(Sum, NumberDataPoint),
                            hist = SHAPE(Histogram, HistogramDataPoint),
                            exph = SHAPE(ExponentialHistogram, ExponentialHistogramDataPoint),
                            summ = SHAPE(Summary, SummaryDataPoint);
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE: *shape = &gauge; return (void **)&m->gauge;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: *shape = &sum; return (void **)&m->sum;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM: *shape = &hist; return (void **)&m->histogram;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
    *shape = &exph;
    return (void **)&m->exponential_histogram;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY: *shape = &summ; return (void **)&m->summary;
  default: return NULL;
  }
}

static bool metric_changes(const attributes_proc *ap, const otlpd_client_info *ci, otlp_metric *m) {
  const points_shape *sh;
  void **h = holder_of(m, &sh);
  if (!h || !*h) return false;
  size_t n = AT(*h, sh->n_off, size_t);
  void **pts = AT(*h, sh->arr_off, void **);
  for (size_t k = 0; k < n; k++)
    if (changes(ap, ci, AT(pts[k], sh->nattr_off, size_t), AT(pts[k], sh->attrs_off, otlp_key_value **)))
      return true;
  return false;
}

/* m is private to entry i (shallow): its holder, point array and points
 * become private too, then the points that change are edited. */
static int metric_edit(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                       otlp_metric *m) {
  const points_shape *sh;
  void **h = holder_of(m, &sh);
  if (!otlpd_arena_owns(b->owners[i]->arena, *h)) {
    void *copy = otlpd_batch_alloc(b, i, sh->holder_size);
    if (!copy) return -ENOMEM;
    memcpy(copy, *h, sh->holder_size);
    *h = copy;
  }
  size_t n = AT(*h, sh->n_off, size_t);
  int rc = own_array(b, i, &AT(*h, sh->arr_off, void **), n, sh->point_size);
  void **pts = AT(*h, sh->arr_off, void **);
  for (size_t k = 0; k < n && !rc; k++) {
    size_t *na = &AT(pts[k], sh->nattr_off, size_t);
    otlp_key_value ***kv = &AT(pts[k], sh->attrs_off, otlp_key_value **);
    if (changes(ap, ci, *na, *kv)) rc = attraction_apply(&ap->actions, ci, b, i, na, kv);
  }
  return rc;
}

int attrs_walk_metrics(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                       bool edit) {
  otlp_resource_metrics *rm = b->resources[i];
  for (size_t j = 0; j < rm->n_scope_metrics; j++) {
    otlp_scope_metrics *sm = rm->scope_metrics[j];
    bool mine = false;
    for (size_t k = 0; k < sm->n_metrics; k++) {
      attrs_subject s = {.resource = rm->resource, .scope = sm->scope, .metric = sm->metrics[k]};
      if (!wanted(ap, &s) || !metric_changes(ap, ci, sm->metrics[k])) continue;
      if (!edit) return 1;
      if (!mine) {
        if (!(sm = otlpd_batch_mut_items(b, i, j))) return -ENOMEM;
        rm = b->resources[i];
        mine = true;
      }
      int rc = metric_edit(ap, ci, b, i, sm->metrics[k]);
      if (rc) return rc;
    }
  }
  return 0;
}
