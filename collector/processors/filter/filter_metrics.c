/* filter on metrics: metric conditions, then datapoint conditions on the
 * metrics kept (filterprocessor metrics.go). A metric whose points were
 * all dropped goes; so do emptied scopes and resources. Entry counts are
 * data points. */
#include <errno.h>
#include <string.h>

#include "filter.h"

#define MD(tag) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##tag

long filter_metrics_eval(filter_proc *f, void *res, bool *edit, bool *alive) {
  otlp_resource_metrics *rm = res;
  bool by_metric = f->rules.ctx[OTTL_METRIC].n > 0, by_point = f->rules.ctx[OTTL_DATAPOINT].n > 0;
  ottl_item it = {.resource = rm->resource};
  long kept = 0;
  for (size_t j = 0; j < rm->n_scope_metrics; j++) {
    const otlp_scope_metrics *sm = rm->scope_metrics[j];
    it.scope = sm->scope;
    for (size_t k = 0; k < sm->n_metrics; k++) {
      it.metric = sm->metrics[k];
      it.dp = NULL;
      size_t np = ottl_metric_points(it.metric), left = np;
      int d = by_metric ? filter_match(f, OTTL_METRIC, &it) : 0;
      if (d < 0) return -1;
      if (filter_push(f, (uint8_t)d)) return -ENOMEM;
      if (d) {
        *edit = true;
        f->pending[F_METRICS]++;
        f->pending[F_POINTS] += np;
        continue;
      }
      for (size_t x = 0; by_point && x < np; x++) {
        it.dp = ottl_metric_point(it.metric, x);
        d = filter_match(f, OTTL_DATAPOINT, &it);
        if (d < 0) return -1;
        if (filter_push(f, (uint8_t)d)) return -ENOMEM;
        *edit |= d;
        left -= (size_t)d;
        f->pending[F_POINTS] += (uint64_t)d;
      }
      if (np && !left) f->pending[F_METRICS]++;
      else *alive = true;
      kept += (long)left;
    }
  }
  return kept;
}

/* A private copy of m's data container whose point array holds the
 * points v keeps. */
static int prune_points(otlpd_batch *b, size_t e, otlp_metric *m, const uint8_t *v, size_t np, size_t keep) {
  void **arr = otlpd_batch_alloc(b, e, keep * sizeof(void *));
  if (!arr) return -ENOMEM;
  for (size_t x = 0, w = 0; x < np; x++)
    if (!v[x]) arr[w++] = (void *)ottl_metric_point(m, x);
#define COPY(field, T)                                        \
  do {                                                        \
    T *c = otlpd_batch_alloc(b, e, sizeof(*c));               \
    if (!c) return -ENOMEM;                                   \
    memcpy(c, m->field, sizeof(*c));                          \
    c->data_points = (void *)arr;                             \
    c->n_data_points = keep;                                  \
    m->field = c;                                             \
  } while (0)
  switch (m->data_case) {
  case MD(GAUGE): COPY(gauge, Opentelemetry__Proto__Metrics__V1__Gauge); break;
  case MD(SUM): COPY(sum, Opentelemetry__Proto__Metrics__V1__Sum); break;
  case MD(HISTOGRAM): COPY(histogram, Opentelemetry__Proto__Metrics__V1__Histogram); break;
  case MD(EXPONENTIAL_HISTOGRAM):
    COPY(exponential_histogram, Opentelemetry__Proto__Metrics__V1__ExponentialHistogram);
    break;
  case MD(SUMMARY): COPY(summary, Opentelemetry__Proto__Metrics__V1__Summary); break;
  default: break;
  }
#undef COPY
  return 0;
}

/* Verdicts of one metric at v: 0 drop it, 1 keep as is, 2 keep pruned;
 * *used: verdicts it took; *keep: points kept. */
static int scan_metric(const otlp_metric *m, bool by_point, const uint8_t *v, size_t *used, size_t *keep) {
  size_t np = ottl_metric_points(m);
  *used = 1;
  *keep = 0;
  if (v[0]) return 0;
  if (!by_point) return 1;
  *used += np;
  for (size_t x = 0; x < np; x++) *keep += !v[1 + x];
  if (np && !*keep) return 0;
  return *keep < np ? 2 : 1;
}

int filter_metrics_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v) {
  bool by_point = f->rules.ctx[OTTL_DATAPOINT].n > 0;
  otlp_resource_metrics *rm = otlpd_batch_mut_scopes(b, e);
  if (!rm) return -ENOMEM;
  size_t pos = 0, w = 0, n = rm->n_scope_metrics;
  for (size_t j = 0; j < n; j++) {
    otlp_scope_metrics *sm = rm->scope_metrics[j];
    size_t start = pos, kept = 0, used, keep;
    bool change = false;
    for (size_t k = 0; k < sm->n_metrics; k++) {
      int r = scan_metric(sm->metrics[k], by_point, v + pos, &used, &keep);
      pos += used;
      kept += r != 0;
      change |= r != 1;
    }
    if (kept == 0 && sm->n_metrics > 0) continue;
    if (change) {
      if (!(sm = otlpd_batch_mut_items(b, e, j))) return -ENOMEM;
      size_t m = 0, p = start;
      for (size_t k = 0; k < sm->n_metrics; k++) {
        otlp_metric *mt = sm->metrics[k];
        int r = scan_metric(mt, by_point, v + p, &used, &keep);
        if (r == 2 && prune_points(b, e, mt, v + p + 1, used - 1, keep)) return -ENOMEM;
        p += used;
        if (r) sm->metrics[m++] = mt;
      }
      sm->n_metrics = m;
    }
    rm->scope_metrics[w++] = sm;
  }
  rm->n_scope_metrics = w;
  return 0;
}
