/* elasticsearch metrics documents in mapping modes otel and ecs
 * (exporters/elasticsearch/es_doc_metrics.c): data points of one
 * resource/scope/timestamp/attribute set grouped into one document under
 * metrics.<name>; gauge, sum, histogram, exponential histogram and
 * summary values; dynamic templates in the action; routing to
 * metrics-<dataset>.otel-<namespace> or metrics_index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/elasticsearch/es.h"
#include "../../exporters/elasticsearch/es_bulk.h"
#include "../../exporters/elasticsearch/es_doc.h"

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint ndp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hdp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint edp;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint sdp;

#define T 1700000000000000000ull

typedef struct world {
  otlp_any_value v[8];
  otlp_key_value kv[8], *kvp[8];
  ndp g1, g2, s1, gdup;
  ndp *gp[2], *sp[1], *gdp[1];
  hdp h1, *hp[1];
  uint64_t hcounts[3];
  double hbounds[2];
  edp e1, *ep[1];
  Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets pos;
  uint64_t ecounts[2];
  sdp sm1, *smp[1];
  Opentelemetry__Proto__Metrics__V1__Gauge gauge, gauge2;
  Opentelemetry__Proto__Metrics__V1__Sum sum;
  Opentelemetry__Proto__Metrics__V1__Histogram hist;
  Opentelemetry__Proto__Metrics__V1__ExponentialHistogram ehist;
  Opentelemetry__Proto__Metrics__V1__Summary summ;
  otlp_metric m[6], *mp[6];
  otlp_scope scope;
  otlp_scope_metrics sm, *smsp[1];
  otlp_resource res;
  otlp_resource_metrics rm;
} world;

static void kv(world *w, int i, const char *k, const char *val) {
  opentelemetry__proto__common__v1__any_value__init(&w->v[i]);
  w->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  w->v[i].string_value = (char *)val;
  opentelemetry__proto__common__v1__key_value__init(&w->kv[i]);
  w->kv[i].key = (char *)k;
  w->kv[i].value = &w->v[i];
  w->kvp[i] = &w->kv[i];
}

static void num(ndp *p, otlp_key_value **attrs, double d, int64_t i, bool is_int) {
  opentelemetry__proto__metrics__v1__number_data_point__init(p);
  p->attributes = attrs;
  p->n_attributes = 1;
  p->time_unix_nano = T;
  p->start_time_unix_nano = T - 1000000000ull;
  if (is_int) {
    p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
    p->as_int = i;
  } else {
    p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
    p->as_double = d;
  }
}

static void metric(world *w, int i, const char *name, int data_case, void *data) {
  opentelemetry__proto__metrics__v1__metric__init(&w->m[i]);
  w->m[i].name = (char *)name;
  w->m[i].unit = "1";
  w->m[i].data_case = data_case;
  w->m[i].gauge = data; /* a union: any member */
  w->mp[i] = &w->m[i];
}

static void build(world *w) {
  memset(w, 0, sizeof(*w));
  kv(w, 0, "a", "1");
  kv(w, 1, "a", "2");
  kv(w, 2, "b", "x");
  kv(w, 3, "service.name", "svc");
  num(&w->g1, &w->kvp[0], 1.5, 0, false);
  num(&w->g2, &w->kvp[1], 2.0, 0, false);
  num(&w->s1, &w->kvp[0], 0, 7, true);
  num(&w->gdup, &w->kvp[0], 9.0, 0, false);
  w->gp[0] = &w->g1, w->gp[1] = &w->g2, w->sp[0] = &w->s1, w->gdp[0] = &w->gdup;
  opentelemetry__proto__metrics__v1__gauge__init(&w->gauge);
  w->gauge.data_points = w->gp, w->gauge.n_data_points = 2;
  opentelemetry__proto__metrics__v1__gauge__init(&w->gauge2);
  w->gauge2.data_points = w->gdp, w->gauge2.n_data_points = 1;
  opentelemetry__proto__metrics__v1__sum__init(&w->sum);
  w->sum.data_points = w->sp, w->sum.n_data_points = 1, w->sum.is_monotonic = 1;
  opentelemetry__proto__metrics__v1__histogram_data_point__init(&w->h1);
  w->h1.attributes = &w->kvp[0], w->h1.n_attributes = 1;
  w->h1.time_unix_nano = T, w->h1.start_time_unix_nano = T - 1000000000ull;
  w->hcounts[0] = 2, w->hcounts[1] = 0, w->hcounts[2] = 3;
  w->hbounds[0] = 1, w->hbounds[1] = 10;
  w->h1.bucket_counts = w->hcounts, w->h1.n_bucket_counts = 3;
  w->h1.explicit_bounds = w->hbounds, w->h1.n_explicit_bounds = 2;
  w->hp[0] = &w->h1;
  opentelemetry__proto__metrics__v1__histogram__init(&w->hist);
  w->hist.data_points = w->hp, w->hist.n_data_points = 1;
  opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(&w->e1);
  opentelemetry__proto__metrics__v1__exponential_histogram_data_point__buckets__init(&w->pos);
  w->e1.attributes = &w->kvp[2], w->e1.n_attributes = 1, w->e1.time_unix_nano = T;
  w->e1.zero_count = 1, w->e1.scale = 0;
  w->ecounts[0] = 1, w->ecounts[1] = 2;
  w->pos.bucket_counts = w->ecounts, w->pos.n_bucket_counts = 2;
  w->e1.positive = &w->pos;
  w->ep[0] = &w->e1;
  opentelemetry__proto__metrics__v1__exponential_histogram__init(&w->ehist);
  w->ehist.data_points = w->ep, w->ehist.n_data_points = 1;
  opentelemetry__proto__metrics__v1__summary_data_point__init(&w->sm1);
  w->sm1.attributes = &w->kvp[1], w->sm1.n_attributes = 1;
  w->sm1.time_unix_nano = T, w->sm1.start_time_unix_nano = T - 1000000000ull;
  w->sm1.sum = 3, w->sm1.count = 4;
  w->smp[0] = &w->sm1;
  opentelemetry__proto__metrics__v1__summary__init(&w->summ);
  w->summ.data_points = w->smp, w->summ.n_data_points = 1;
  metric(w, 0, "g", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE, &w->gauge);
  metric(w, 1, "s", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM, &w->sum);
  metric(w, 2, "h", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM, &w->hist);
  metric(w, 3, "e", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM, &w->ehist);
  metric(w, 4, "sm", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY, &w->summ);
  metric(w, 5, "g", OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE, &w->gauge2);
  opentelemetry__proto__common__v1__instrumentation_scope__init(&w->scope);
  w->scope.name = "sc";
  opentelemetry__proto__metrics__v1__scope_metrics__init(&w->sm);
  w->sm.scope = &w->scope, w->sm.metrics = w->mp, w->sm.n_metrics = 6;
  w->smsp[0] = &w->sm;
  opentelemetry__proto__resource__v1__resource__init(&w->res);
  w->res.attributes = &w->kvp[3], w->res.n_attributes = 1;
  opentelemetry__proto__metrics__v1__resource_metrics__init(&w->rm);
  w->rm.resource = &w->res, w->rm.scope_metrics = w->smsp, w->rm.n_scope_metrics = 1;
}

/* The action and document lines of the item whose document has `needle`. */
static const char *item_with(const otlpd_buf *b, const es_items *it, const char *needle, char *out, size_t cap,
                             uint32_t *counts) {
  for (size_t i = 0; i < it->n; i++) {
    size_t len = it->v[i].len < cap - 1 ? it->v[i].len : cap - 1;
    memcpy(out, b->data + it->v[i].off, len);
    out[len] = 0;
    if (strstr(out, needle)) {
      *counts = it->v[i].counts;
      return out;
    }
  }
  return NULL;
}

static void grouped_documents(void **st) {
  (void)st;
  world w;
  build(&w);
  es_bulk_opts o = {.mode = ES_MAPPING_OTEL};
  otlpd_buf b = {0};
  es_items it = {0};
  assert_int_equal(es_metric_docs(&o, &w.rm, &b, &it), 0);
  assert_int_equal(it.n, 3); /* {a=1}, {a=2}, {b=x} */
  uint32_t total = 0;
  for (size_t i = 0; i < it.n; i++) total += it.v[i].counts;
  assert_int_equal(total, 7); /* every data point, the duplicate g included */
  char line[4096];
  uint32_t n;
  const char *d = item_with(&b, &it, "\"attributes\":{\"a\":\"1\"}", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 4);
  assert_non_null(strstr(d, "{\"create\":{\"_index\":\"metrics-generic.otel-default\",\"dynamic_templates\":"
                            "{\"metrics.g\":\"gauge_double\",\"metrics.s\":\"counter_long\","
                            "\"metrics.h\":\"histogram\"}}}\n"));
  assert_non_null(strstr(d, "{\"@timestamp\":\"1700000000000.000000\",\"start_timestamp\":\"1699999999000.000000\","
                            "\"unit\":\"1\",\"data_stream\":{\"type\":\"metrics\",\"dataset\":\"generic.otel\","
                            "\"namespace\":\"default\"},\"attributes\":{\"a\":\"1\"},"
                            "\"resource\":{\"attributes\":{\"service.name\":\"svc\"}},\"scope\":{\"name\":\"sc\"},"
                            "\"metrics\":{\"g\":1.5,\"s\":7,\"h\":{\"counts\":[2,3],\"values\":[0.5,10.0]}},"
                            "\"_metric_names_hash\":\""));
  d = item_with(&b, &it, "\"attributes\":{\"a\":\"2\"}", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 2);
  assert_non_null(strstr(d, "\"metrics\":{\"g\":2.0,\"sm\":{\"sum\":3.0,\"value_count\":4}}"));
  assert_non_null(strstr(d, "\"metrics.sm\":\"summary_metrics\""));
  d = item_with(&b, &it, "\"attributes\":{\"b\":\"x\"}", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 1);
  assert_null(strstr(d, "start_timestamp"));
  assert_non_null(strstr(d, "\"metrics\":{\"e\":{\"counts\":[1,1,2],\"values\":[0.0,1.5,3.0]}}"));
  es_items_free(&it);
  otlpd_buf_free(&b);
}

static void invalid_points_and_plain_index(void **st) {
  (void)st;
  world w;
  build(&w);
  w.g1.as_double = 0.0 / 0.0; /* NaN: left out */
  w.hbounds[0] = 1, w.h1.n_bucket_counts = 2; /* counts do not match the bounds: left out */
  es_bulk_opts o = {.mode = ES_MAPPING_OTEL};
  o.index[OTLPD_METRICS] = "my-metrics";
  otlpd_buf b = {0};
  es_items it = {0};
  assert_int_equal(es_metric_docs(&o, &w.rm, &b, &it), 0);
  char line[4096];
  uint32_t n;
  const char *d = item_with(&b, &it, "\"attributes\":{\"a\":\"1\"}", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 2); /* s and the second g */
  assert_non_null(strstr(d, "{\"index\":{\"_index\":\"my-metrics\",\"dynamic_templates\":"));
  assert_non_null(strstr(d, "\"metrics\":{\"s\":7,\"g\":9.0}"));
  assert_null(strstr(d, "data_stream"));
  es_items_free(&it);
  otlpd_buf_free(&b);
}

/* mapping::mode ecs: grouped by timestamp and attributes only (a
 * different start time does not split a group), attributes and metric
 * names at the top level, nested, the resource converted (service.name),
 * metrics-generic-default without the .otel suffix, no dynamic
 * templates; the later of two points of one name wins (contrib's
 * document keeps the last of equal keys). */
static void ecs_documents(void **st) {
  (void)st;
  world w;
  build(&w);
  w.s1.start_time_unix_nano = T - 5000000000ull;
  w.m[0].name = "system.cpu.utilization";
  w.m[5].name = "system.cpu.utilization";
  es_bulk_opts o = {.mode = ES_MAPPING_ECS};
  otlpd_buf b = {0};
  es_items it = {0};
  assert_int_equal(es_metric_docs(&o, &w.rm, &b, &it), 0);
  assert_int_equal(it.n, 3);
  char line[4096];
  uint32_t n;
  const char *d = item_with(&b, &it, "\"a\":\"1\"", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 4);
  assert_string_equal(d, "{\"create\":{\"_index\":\"metrics-generic-default\"}}\n"
                         "{\"@timestamp\":\"2023-11-14T22:13:20.000000000Z\",\"a\":\"1\","
                         "\"data_stream\":{\"dataset\":\"generic\",\"namespace\":\"default\",\"type\":\"metrics\"},"
                         "\"h\":{\"counts\":[2,3],\"values\":[0.5,10.0]},\"s\":7,"
                         "\"service\":{\"name\":\"svc\"},\"system\":{\"cpu\":{\"utilization\":9.0}}}\n");
  d = item_with(&b, &it, "\"a\":\"2\"", line, sizeof(line), &n);
  assert_non_null(d);
  assert_int_equal(n, 2);
  assert_non_null(strstr(d, "\"sm\":{\"sum\":3.0,\"value_count\":4}"));
  assert_non_null(strstr(d, "\"system\":{\"cpu\":{\"utilization\":2.0}}"));
  /* to a plain index: index action, no data_stream */
  o.index[OTLPD_METRICS] = "ecs-metrics";
  assert_int_equal(es_bulk_build(&o, &(otlpd_batch){.signal = OTLPD_METRICS, .resources = (void *[]){&w.rm}, .n = 1},
                                 &b, &it),
                   0);
  d = item_with(&b, &it, "\"b\":\"x\"", line, sizeof(line), &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "{\"index\":{\"_index\":\"ecs-metrics\"}}\n{\"@timestamp\":"));
  assert_null(strstr(d, "data_stream"));
  es_items_free(&it);
  otlpd_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ecs_documents),
      cmocka_unit_test(grouped_documents),
      cmocka_unit_test(invalid_points_and_plain_index),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
