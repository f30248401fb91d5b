/* Building the request: one ResourceMetrics per scraper (its resource:
 * host.name and os.type), its scope named as otelcol's scraper
 * package, every struct and string in the scrape's arena. Arrays grow by
 * doubling inside the arena (the old copy is left; scrapes are small). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hostmetrics.h"

#define SCOPE_PREFIX "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/"

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint otlp_ndp;

/* Room for one more pointer in *arr holding n (capacity: next power of two). */
static int grow(otlpd_arena *a, void ***arr, size_t n) {
  if (n && (n & (n - 1)) == 0 && n >= 4) {
    void **bigger = otlpd_arena_alloc(a, 2 * n * sizeof(void *));
    if (!bigger) return -ENOMEM;
    memcpy(bigger, *arr, n * sizeof(void *));
    *arr = bigger;
  } else if (n == 0) {
    *arr = otlpd_arena_alloc(a, 4 * sizeof(void *));
    if (!*arr) return -ENOMEM;
  }
  return 0;
}

/* na attributes (keys static, values copied) in the arena; NULL on ENOMEM. */
static otlp_key_value **attrs_new(otlpd_arena *a, const hm_attr *at, size_t na) {
  otlp_key_value **kvs = otlpd_arena_alloc(a, na * sizeof(*kvs));
  otlp_key_value *kv = otlpd_arena_alloc(a, na * sizeof(*kv));
  otlp_any_value *av = otlpd_arena_alloc(a, na * sizeof(*av));
  if (!kvs || !kv || !av) return NULL;
  for (size_t i = 0; i < na; i++) {
    char *v = otlpd_arena_strndup(a, at[i].val, strlen(at[i].val));
    if (!v) return NULL;
    av[i] = (otlp_any_value)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    av[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    av[i].string_value = v;
    kv[i] = (otlp_key_value)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
    kv[i].key = (char *)at[i].key; /* static */
    kv[i].value = &av[i];
    kvs[i] = &kv[i];
  }
  return kvs;
}

otlp_scope_metrics *hm_scope(hm_scrape *s, const char *name) {
  otlpd_arena *a = s->arena;
  otlp_resource_metrics *rm = otlpd_arena_alloc(a, sizeof(*rm));
  otlp_scope_metrics *sm = otlpd_arena_alloc(a, sizeof(*sm));
  otlp_resource *res = otlpd_arena_alloc(a, sizeof(*res));
  otlp_scope *sc = otlpd_arena_alloc(a, sizeof(*sc));
  otlp_scope_metrics **list = otlpd_arena_alloc(a, sizeof(*list));
  char scope_name[160];
  snprintf(scope_name, sizeof(scope_name), SCOPE_PREFIX "%sscraper", name);
  char *sname = otlpd_arena_strndup(a, scope_name, strlen(scope_name));
  if (!rm || !sm || !res || !sc || !list || !sname || grow(a, (void ***)&s->rm, s->nrm) < 0) return NULL;
  *res = (otlp_resource)OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
  /* what otelcol's resourcedetection (system detector) would add */
  hm_attr ra[] = {{"os.type", "linux"}, {"host.name", s->host_name}};
  res->n_attributes = s->host_name ? 2 : 1;
  if (!(res->attributes = attrs_new(a, ra, res->n_attributes))) return NULL;
  *sc = (otlp_scope)OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
  sc->name = sname;
  sc->version = (char *)OTLPD_VERSION; /* read-only: data is never written through */
  *sm = (otlp_scope_metrics)OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
  sm->scope = sc;
  *rm = (otlp_resource_metrics)OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
  rm->resource = res;
  list[0] = sm;
  rm->scope_metrics = list;
  rm->n_scope_metrics = 1;
  s->rm[s->nrm++] = rm;
  return sm;
}

otlp_metric *hm_metric(hm_scrape *s, otlp_scope_metrics *sc, const hm_metric_def *def) {
  otlpd_arena *a = s->arena;
  otlp_metric *m = otlpd_arena_alloc(a, sizeof(*m));
  if (!m || grow(a, (void ***)&sc->metrics, sc->n_metrics) < 0) return NULL;
  *m = (otlp_metric)OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
  /* the definitions are static and outlive every payload */
  m->name = (char *)def->name;
  m->unit = (char *)def->unit;
  m->description = (char *)def->desc;
  if (def->kind == HM_GAUGE) {
    Opentelemetry__Proto__Metrics__V1__Gauge *g = otlpd_arena_alloc(a, sizeof(*g));
    if (!g) return NULL;
    *g = (Opentelemetry__Proto__Metrics__V1__Gauge)OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT;
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
    m->gauge = g;
  } else {
    Opentelemetry__Proto__Metrics__V1__Sum *sum = otlpd_arena_alloc(a, sizeof(*sum));
    if (!sum) return NULL;
    *sum = (Opentelemetry__Proto__Metrics__V1__Sum)OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT;
    sum->aggregation_temporality =
        OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
    sum->is_monotonic = def->kind == HM_SUM_MONOTONIC;
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
    m->sum = sum;
  }
  sc->metrics[sc->n_metrics++] = m;
  return m;
}

static otlp_ndp *new_point(hm_scrape *s, otlp_metric *m, const hm_attr *at, size_t na) {
  otlpd_arena *a = s->arena;
  otlp_ndp *p = otlpd_arena_alloc(a, sizeof(*p));
  if (!p) return NULL;
  *p = (otlp_ndp)OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT;
  if (na) {
    if (!(p->attributes = attrs_new(a, at, na))) return NULL;
    p->n_attributes = na;
  }
  p->time_unix_nano = s->now_ns;
  size_t *n;
  otlp_ndp ***arr;
  if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE) {
    n = &m->gauge->n_data_points;
    arr = &m->gauge->data_points;
  } else {
    p->start_time_unix_nano = s->boot_ns;
    n = &m->sum->n_data_points;
    arr = &m->sum->data_points;
  }
  if (grow(a, (void ***)arr, *n) < 0) return NULL;
  (*arr)[(*n)++] = p;
  s->points++;
  return p;
}

int hm_point_i(hm_scrape *s, otlp_metric *m, int64_t v, const hm_attr *a, size_t na) {
  otlp_ndp *p = new_point(s, m, a, na);
  if (!p) return -ENOMEM;
  p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
  p->as_int = v;
  return 0;
}

int hm_point_d(hm_scrape *s, otlp_metric *m, double v, const hm_attr *a, size_t na) {
  otlp_ndp *p = new_point(s, m, a, na);
  if (!p) return -ENOMEM;
  p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
  p->as_double = v;
  return 0;
}

static size_t metric_points(const otlp_metric *m) {
  return m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE ? m->gauge->n_data_points
                                                                                : m->sum->n_data_points;
}

void hm_scope_trim(otlp_scope_metrics *sc) {
  size_t k = 0;
  for (size_t i = 0; i < sc->n_metrics; i++)
    if (metric_points(sc->metrics[i])) sc->metrics[k++] = sc->metrics[i];
  sc->n_metrics = k;
}

void hm_errorf(hm_scrape *s, const char *fmt, ...) {
  if (s->err[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof(s->err), fmt, ap);
  va_end(ap);
}
