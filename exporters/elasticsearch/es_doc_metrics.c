/* Metrics documents in mapping modes otel and ecs, as otelcol-contrib
 * writes them. otel:
 * the data points of one resource and scope that share timestamp, start
 * timestamp, unit and attribute set (data_stream.* left out) become ONE
 * document, each under metrics.<name>:
 *
 *   {"@timestamp":"<ms>.<ns>","start_timestamp":...,"unit":"By",
 *    "data_stream":{"type":"metrics","dataset":"generic.otel",...},
 *    "attributes":{...},"resource":{...},"scope":{...},
 *    "metrics":{"a.gauge":1.5,"a.sum":7,"lat":{"counts":[..],"values":[..]},
 *               "rpc":{"sum":1.0,"value_count":3}},
 *    "_metric_names_hash":"<hex>"}
 *
 * and the bulk action names each field's dynamic template
 * (gauge_double, counter_long, histogram, summary_metrics, ...) so that
 * Elasticsearch maps histograms as histograms. Grouping is by a 64-bit
 * hash of the identity (contrib uses a 32-bit one), after sorting the
 * scope's data points by it; the first of two points of one metric name
 * in a group wins, the other is left out as contrib does. Data points
 * contrib refuses (NaN/Inf numbers, histograms whose bucket counts do not
 * match their bounds) are left out.
 *
 * ecs: points of one resource and scope sharing timestamp and attribute
 * set are one ECS document (es_doc_ecs_metrics: resource attributes
 * converted, attributes and metric names at the top level, nested), in
 * metrics-<dataset>-<namespace>, without dynamic templates; values as in
 * otel mode. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "es.h"
#include "es_bulk.h"
#include "es_doc.h"
#include "otlpd/json_write.h"

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint otlp_number_dp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint otlp_histogram_dp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint otlp_exp_histogram_dp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets otlp_exp_buckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint otlp_summary_dp;

typedef struct es_dp {
  const otlp_metric *m;
  const void *dp;
  otlp_key_value *const *attrs;
  size_t n_attrs;
  uint64_t ts, start, hash;
  size_t seq;
} es_dp;

typedef struct es_dps {
  es_dp *v;
  size_t n, cap;
  bool ecs; /* mapping::mode ecs: its grouping and layout */
} es_dps;

/* ---- identity hash (FNV-1a 64) ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *s = p;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
  return h;
}

static uint64_t value_hash(uint64_t h, const otlp_any_value *v, int depth) {
  if (!v || depth > 16) return fnv(h, "", 1);
  h = fnv(h, &v->value_case, sizeof(v->value_case));
  switch (v->value_case) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
    return fnv(h, v->string_value, strlen(v->string_value) + 1);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE: return fnv(h, &v->bool_value, sizeof(v->bool_value));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE: return fnv(h, &v->int_value, 8);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: return fnv(h, &v->double_value, 8);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
    return fnv(h, v->bytes_value.data, v->bytes_value.len);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++)
      h = value_hash(h, v->array_value->values[i], depth + 1);
    return h;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
    for (size_t i = 0; v->kvlist_value && i < v->kvlist_value->n_values; i++) {
      const otlp_key_value *kv = v->kvlist_value->values[i];
      if (!kv) continue;
      h = fnv(h, kv->key ? kv->key : "", kv->key ? strlen(kv->key) + 1 : 1);
      h = value_hash(h, kv->value, depth + 1);
    }
    return h;
  default: return h;
  }
}

/* ecs: timestamp and attributes only (contrib's ECS grouping: the
 * attributes land at the top level, start time and unit nowhere). */
static uint64_t identity(const es_dp *d, bool ecs) {
  uint64_t h = 0xcbf29ce484222325ull;
  h = fnv(h, &d->ts, 8);
  if (!ecs) {
    h = fnv(h, &d->start, 8);
    const char *unit = d->m->unit ? d->m->unit : "";
    h = fnv(h, unit, strlen(unit) + 1);
  }
  for (size_t i = 0; i < d->n_attrs; i++) {
    const otlp_key_value *kv = d->attrs[i];
    if (!kv || !kv->key || strncmp(kv->key, "data_stream.", 12) == 0) continue;
    h = fnv(h, kv->key, strlen(kv->key) + 1);
    h = value_hash(h, kv->value, 0);
  }
  return h;
}

/* ---- collecting a scope's data points ---- */

static bool number_ok(const otlp_number_dp *p) {
  if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT) return true;
  return p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE &&
         isfinite(p->as_double);
}

static bool histogram_ok(const otlp_histogram_dp *p) {
  return p->n_explicit_bounds > 0 && p->n_bucket_counts == p->n_explicit_bounds + 1;
}

static int push(es_dps *d, const otlp_metric *m, const void *dp, otlp_key_value *const *attrs, size_t n_attrs,
                uint64_t start, uint64_t ts) {
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    es_dp *v = realloc(d->v, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    d->v = v;
    d->cap = cap;
  }
  es_dp *x = &d->v[d->n];
  *x = (es_dp){m, dp, attrs, n_attrs, ts, start, 0, d->n};
  x->hash = identity(x, d->ecs);
  d->n++;
  return 0;
}

#define PUSH_ALL(d, m, arr, n, okfn)                                                                  \
  for (size_t i_ = 0; i_ < (n); i_++) {                                                              \
    if (!(arr)[i_] || !okfn((arr)[i_])) continue;                                                     \
    ES_TRY(push(d, m, (arr)[i_], (arr)[i_]->attributes, (arr)[i_]->n_attributes,                     \
                (arr)[i_]->start_time_unix_nano, (arr)[i_]->time_unix_nano));                         \
  }

static bool always(const void *p) { return p != NULL; }

static int collect(es_dps *d, const otlp_metric *m) {
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
    if (m->gauge) PUSH_ALL(d, m, m->gauge->data_points, m->gauge->n_data_points, number_ok);
    return 0;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
    if (m->sum) PUSH_ALL(d, m, m->sum->data_points, m->sum->n_data_points, number_ok);
    return 0;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
    if (m->histogram) PUSH_ALL(d, m, m->histogram->data_points, m->histogram->n_data_points, histogram_ok);
    return 0;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
    if (m->exponential_histogram)
      PUSH_ALL(d, m, m->exponential_histogram->data_points, m->exponential_histogram->n_data_points, always);
    return 0;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
    if (m->summary) PUSH_ALL(d, m, m->summary->data_points, m->summary->n_data_points, always);
    return 0;
  default: return 0;
  }
}

static int by_hash(const void *a, const void *b) {
  const es_dp *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- values ---- */

static int write_double(otlpd_buf *b, double d) {
  otlp_any_value v;
  opentelemetry__proto__common__v1__any_value__init(&v);
  v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
  v.double_value = d;
  return es_value(b, &v); /* keeps the radix point: 1.0, not 1 */
}

static int number(otlpd_buf *b, const otlp_number_dp *p) {
  if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
    return otlpd_json_i64(b, p->as_int, 0);
  return write_double(b, p->as_double);
}

/* Bucket midpoints, as Elastic's apm-data converts histograms: the
 * first bucket at half its upper bound (when positive), the last at its
 * lower bound; empty buckets left out. */
static int histogram(otlpd_buf *b, const otlp_histogram_dp *p) {
  size_t n = p->n_bucket_counts;
  ES_TRY(es_lit(b, "{\"counts\":["));
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (!p->bucket_counts[i]) continue;
    if (!first) ES_TRY(es_lit(b, ","));
    first = false;
    ES_TRY(otlpd_json_u64(b, p->bucket_counts[i], 0));
  }
  ES_TRY(es_lit(b, "],\"values\":["));
  first = true;
  for (size_t i = 0; i < n; i++) {
    if (!p->bucket_counts[i]) continue;
    double v;
    if (i == 0) {
      v = p->explicit_bounds[0];
      if (v > 0) v /= 2;
    } else if (i == n - 1) {
      v = p->explicit_bounds[i - 1];
    } else {
      v = p->explicit_bounds[i - 1] + (p->explicit_bounds[i] - p->explicit_bounds[i - 1]) / 2.0;
    }
    if (!first) ES_TRY(es_lit(b, ","));
    first = false;
    ES_TRY(write_double(b, v));
  }
  return es_lit(b, "]}");
}

/* Lower boundary of exponential bucket `index` at `scale` (the OTel data
 * model's producer formula). */
static double lower_boundary(int64_t index, int scale) {
  if (scale <= 0) return ldexp(1, (int)(index << -scale));
  double inverse = ldexp(0.69314718055994530942, -scale);
  return 2.0 * exp((double)(index - ((int64_t)1 << scale)) * inverse);
}

typedef struct exp_pair {
  bool first;
  otlpd_buf *b;
} exp_pair;

static int exp_item(exp_pair *st, bool counts, uint64_t count, double value) {
  if (!st->first) ES_TRY(es_lit(st->b, ","));
  st->first = false;
  return counts ? otlpd_json_u64(st->b, count, 0) : write_double(st->b, value);
}

/* One pass writes the counts, the other the values: negative buckets
 * from the largest magnitude, the zero bucket, positive buckets. */
static int exp_pass(otlpd_buf *b, const otlp_exp_histogram_dp *p, bool counts) {
  exp_pair st = {true, b};
  const otlp_exp_buckets *neg = p->negative, *pos = p->positive;
  int scale = p->scale;
  if (scale > 20 || scale < -10) scale = scale > 20 ? 20 : -10; /* bounded shifts on hostile input */
  for (size_t k = neg ? neg->n_bucket_counts : 0; k-- > 0;) {
    if (!neg->bucket_counts[k]) continue;
    double lb = -lower_boundary((int64_t)neg->offset + (int64_t)k + 1, scale);
    double ub = -lower_boundary((int64_t)neg->offset + (int64_t)k, scale);
    ES_TRY(exp_item(&st, counts, neg->bucket_counts[k], lb + (ub - lb) / 2));
  }
  if (p->zero_count) ES_TRY(exp_item(&st, counts, p->zero_count, 0.0));
  for (size_t k = 0; pos && k < pos->n_bucket_counts; k++) {
    if (!pos->bucket_counts[k]) continue;
    double lb = lower_boundary((int64_t)pos->offset + (int64_t)k, scale);
    double ub = lower_boundary((int64_t)pos->offset + (int64_t)k + 1, scale);
    ES_TRY(exp_item(&st, counts, pos->bucket_counts[k], lb + (ub - lb) / 2));
  }
  return 0;
}

static int exp_histogram(otlpd_buf *b, const otlp_exp_histogram_dp *p) {
  ES_TRY(es_lit(b, "{\"counts\":["));
  ES_TRY(exp_pass(b, p, true));
  ES_TRY(es_lit(b, "],\"values\":["));
  ES_TRY(exp_pass(b, p, false));
  return es_lit(b, "]}");
}

static int summary(otlpd_buf *b, const otlp_summary_dp *p) {
  ES_TRY(es_lit(b, "{\"sum\":"));
  ES_TRY(write_double(b, p->sum));
  ES_TRY(es_lit(b, ",\"value_count\":"));
  ES_TRY(otlpd_json_u64(b, p->count, 0));
  return es_lit(b, "}");
}

static int dp_value(otlpd_buf *b, const es_dp *d) {
  switch (d->m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: return number(b, d->dp);
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM: return histogram(b, d->dp);
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM: return exp_histogram(b, d->dp);
  default: return summary(b, d->dp);
  }
}

/* The dynamic template of Elasticsearch's metrics@mappings for the field. */
static const char *dynamic_template(const es_dp *d) {
  const otlp_metric *m = d->m;
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: {
    bool counter = m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM && m->sum->is_monotonic;
    bool dbl = ((const otlp_number_dp *)d->dp)->value_case ==
               OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
    return counter ? (dbl ? "counter_double" : "counter_long") : (dbl ? "gauge_double" : "gauge_long");
  }
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM: return "histogram";
  default: return "summary_metrics";
  }
}

/* ---- one document per group ---- */

static bool dup_name(const es_dp *g, size_t i) {
  for (size_t j = 0; j < i; j++)
    if (strcmp(g[j].m->name ? g[j].m->name : "", g[i].m->name ? g[i].m->name : "") == 0) return true;
  return false;
}

static const char *ecs_name(const void *arg, size_t i) {
  const es_dp *g = arg;
  return g[i].m->name ? g[i].m->name : "";
}

static int ecs_value(otlpd_buf *b, const void *arg, size_t i) { return dp_value(b, &((const es_dp *)arg)[i]); }

/* ecs: `{"create":{"_index":"metrics-<dataset>-<namespace>"}}` (no
 * dynamic templates, as contrib) and es_doc_ecs_metrics's document. */
static int group_doc_ecs(const es_bulk_opts *o, const otlp_resource_metrics *rm, const otlp_scope_metrics *sm,
                         const es_dp *g, size_t n, otlpd_buf *body, es_items *it) {
  const otlp_resource *res = rm->resource;
  const otlp_scope *sc = sm->scope;
  es_attrs ra = res ? (es_attrs){res->attributes, res->n_attributes} : (es_attrs){0};
  es_attrs sa = sc ? (es_attrs){sc->attributes, sc->n_attributes} : (es_attrs){0};
  es_index idx;
  es_route(&idx, o->index[OTLPD_METRICS], "metrics", false, (es_attrs){g[0].attrs, g[0].n_attrs}, sa, ra,
           sc ? sc->name : NULL);
  const char *mi = o->index[OTLPD_METRICS];
  idx.require_alias = o->require_alias[OTLPD_METRICS] && mi && *mi;
  size_t off = body->len;
  ES_TRY(es_bulk_action_open(body, &idx));
  ES_TRY(es_lit(body, "}}\n"));
  es_doc_ctx c = {res, rm->schema_url, sc, sm->schema_url, &idx, NULL};
  es_ecs_metrics m = {g[0].ts, g[0].attrs, g[0].n_attrs, n, ecs_name, ecs_value, g};
  ES_TRY(es_doc_ecs_metrics(body, &c, &m));
  ES_TRY(es_lit(body, "\n"));
  return es_items_push(it, off, body->len - off, (uint32_t)n, idx.require_alias);
}

static int group_doc(const es_bulk_opts *o, const otlp_resource_metrics *rm, const otlp_scope_metrics *sm,
                     const es_dp *g, size_t n, otlpd_buf *body, es_items *it) {
  if (o->mode == ES_MAPPING_ECS) return group_doc_ecs(o, rm, sm, g, n, body, it);
  const otlp_resource *res = rm->resource;
  const otlp_scope *sc = sm->scope;
  es_attrs ra = res ? (es_attrs){res->attributes, res->n_attributes} : (es_attrs){0};
  es_attrs sa = sc ? (es_attrs){sc->attributes, sc->n_attributes} : (es_attrs){0};
  es_index idx;
  es_route(&idx, o->index[OTLPD_METRICS], "metrics", true, (es_attrs){g[0].attrs, g[0].n_attrs}, sa, ra,
           sc ? sc->name : NULL);
  const char *mi = o->index[OTLPD_METRICS];
  idx.require_alias = o->require_alias[OTLPD_METRICS] && mi && *mi;
  size_t off = body->len;
  uint32_t written = 0;
  ES_TRY(es_bulk_action_open(body, &idx));
  ES_TRY(es_lit(body, ",\"dynamic_templates\":{"));
  for (size_t i = 0; i < n; i++) {
    if (dup_name(g, i)) continue;
    if (written++) ES_TRY(es_lit(body, ","));
    ES_TRY(es_lit(body, "\"metrics."));
    const char *name = g[i].m->name ? g[i].m->name : "";
    ES_TRY(otlpd_json_escaped(body, name, strlen(name)));
    ES_TRY(es_lit(body, "\":\""));
    ES_TRY(es_lit(body, dynamic_template(&g[i])));
    ES_TRY(es_lit(body, "\""));
  }
  ES_TRY(es_lit(body, "}}}\n{"));
  bool first = true;
  ES_TRY(es_key(body, &first, "@timestamp"));
  ES_TRY(es_ts_millis(body, g[0].ts));
  if (g[0].start) {
    ES_TRY(es_key(body, &first, "start_timestamp"));
    ES_TRY(es_ts_millis(body, g[0].start));
  }
  if (g[0].m->unit && *g[0].m->unit) {
    ES_TRY(es_key(body, &first, "unit"));
    ES_TRY(otlpd_json_str(body, g[0].m->unit));
  }
  ES_TRY(es_otel_data_stream(body, &first, &idx));
  ES_TRY(es_otel_attributes(body, &first, g[0].attrs, g[0].n_attrs, NULL, NULL));
  es_doc_ctx c = {res, rm->schema_url, sc, sm->schema_url, &idx, NULL};
  ES_TRY(es_otel_resource_scope(body, &first, &c));
  ES_TRY(es_key(body, &first, "metrics"));
  ES_TRY(es_lit(body, "{"));
  bool mf = true;
  uint64_t names = 0;
  for (size_t i = 0; i < n; i++) {
    if (dup_name(g, i)) continue;
    const char *name = g[i].m->name ? g[i].m->name : "";
    ES_TRY(es_key(body, &mf, name));
    ES_TRY(dp_value(body, &g[i]));
    names ^= fnv(0xcbf29ce484222325ull, name, strlen(name)); /* order-independent */
  }
  ES_TRY(es_lit(body, "}"));
  ES_TRY(es_key(body, &first, "_metric_names_hash"));
  ES_TRY(otlpd_buf_printf(body, "\"%" PRIx64 "\"", names));
  ES_TRY(es_lit(body, "}\n"));
  /* every data point of the group is delivered (or not) with this document */
  return es_items_push(it, off, body->len - off, (uint32_t)n, idx.require_alias);
}

static int scope_docs(const es_bulk_opts *o, const otlp_resource_metrics *rm, const otlp_scope_metrics *sm,
                      es_dps *d, otlpd_buf *body, es_items *it) {
  d->n = 0;
  for (size_t k = 0; k < sm->n_metrics; k++)
    if (sm->metrics[k]) ES_TRY(collect(d, sm->metrics[k]));
  if (d->n > 1) qsort(d->v, d->n, sizeof(*d->v), by_hash);
  for (size_t i = 0; i < d->n;) {
    size_t j = i + 1;
    while (j < d->n && d->v[j].hash == d->v[i].hash) j++;
    ES_TRY(group_doc(o, rm, sm, &d->v[i], j - i, body, it));
    i = j;
  }
  return 0;
}

int es_metric_docs(const es_bulk_opts *o, const otlp_resource_metrics *rm, otlpd_buf *body, es_items *it) {
  es_dps d = {.ecs = o->mode == ES_MAPPING_ECS};
  int rc = 0;
  for (size_t j = 0; rc == 0 && j < rm->n_scope_metrics; j++)
    if (rm->scope_metrics[j]) rc = scope_docs(o, rm, rm->scope_metrics[j], &d, body, it);
  free(d.v);
  return rc;
}
