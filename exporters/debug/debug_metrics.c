/* Metrics as text: one line per data point (normal) or every field
 * (detailed). */
#include "debug_exporter.h"

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint number_point;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hist_point;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_point;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets exp_buckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint summary_point;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar exemplar;

static const char *type_name(const otlp_metric *m) {
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE: return "Gauge";
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: return "Sum";
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM: return "Histogram";
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM: return "ExponentialHistogram";
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY: return "Summary";
  default: return "Empty";
  }
}

static const char *temporality_name(int t) {
  return t == 1 ? "Delta" : t == 2 ? "Cumulative" : "Unspecified";
}

static void number_value(debug_out *o, const number_point *p) {
  if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
    dbg_printf(o, "%lld", (long long)p->as_int);
  else
    dbg_double(o, p->as_double);
}

/* Optional sum/min/max: " sum=1.5" in normal lines. */
static void opt_inline(debug_out *o, const char *name, bool has, double v) {
  if (!has) return;
  dbg_printf(o, " %s=", name);
  dbg_double(o, v);
}

/* Optional sum/min/max: "Sum: 1.5" lines in detailed output. */
static void opt_line(debug_out *o, const char *name, bool has, double v) {
  if (!has) return;
  dbg_printf(o, "%s: ", name);
  dbg_double(o, v);
  dbg_write(o, "\n", 1);
}

/* ---- normal: "name{k=v,...} value (Type)" per data point ---- */

static void point_prefix(debug_out *o, const otlp_metric *m, otlp_key_value *const *kv, size_t n) {
  dbg_text(o, m->name);
  dbg_write(o, "{", 1);
  dbg_attrs_inline(o, kv, n, ",");
  dbg_write(o, "} ", 2);
}

static void point_suffix(debug_out *o, const otlp_metric *m) {
  dbg_printf(o, " (%s)\n", type_name(m));
  dbg_item_done(o);
}

static void hist_normal(debug_out *o, const otlp_metric *m, const hist_point *p) {
  point_prefix(o, m, p->attributes, p->n_attributes);
  dbg_printf(o, "count=%llu", (unsigned long long)p->count);
  opt_inline(o, "sum", p->_sum_case != 0, p->sum);
  opt_inline(o, "min", p->_min_case != 0, p->min);
  opt_inline(o, "max", p->_max_case != 0, p->max);
  for (size_t i = 0; i < p->n_bucket_counts; i++) {
    dbg_write(o, " le", 3);
    if (i < p->n_explicit_bounds)
      dbg_double(o, p->explicit_bounds[i]);
    else
      dbg_write(o, "+Inf", 4);
    dbg_printf(o, "=%llu", (unsigned long long)p->bucket_counts[i]);
  }
  point_suffix(o, m);
}

static void exp_buckets_text(debug_out *o, const char *side, const exp_buckets *b) {
  if (!b || !b->n_bucket_counts) return;
  dbg_printf(o, " %s=%d:[", side, b->offset);
  for (size_t i = 0; i < b->n_bucket_counts; i++)
    dbg_printf(o, "%s%llu", i ? "," : "", (unsigned long long)b->bucket_counts[i]);
  dbg_write(o, "]", 1);
}

static void exp_normal(debug_out *o, const otlp_metric *m, const exp_point *p) {
  point_prefix(o, m, p->attributes, p->n_attributes);
  dbg_printf(o, "count=%llu", (unsigned long long)p->count);
  opt_inline(o, "sum", p->_sum_case != 0, p->sum);
  opt_inline(o, "min", p->_min_case != 0, p->min);
  opt_inline(o, "max", p->_max_case != 0, p->max);
  dbg_printf(o, " scale=%d zero_count=%llu", p->scale, (unsigned long long)p->zero_count);
  exp_buckets_text(o, "negative", p->negative);
  exp_buckets_text(o, "positive", p->positive);
  point_suffix(o, m);
}

static void summary_normal(debug_out *o, const otlp_metric *m, const summary_point *p) {
  point_prefix(o, m, p->attributes, p->n_attributes);
  dbg_printf(o, "count=%llu sum=", (unsigned long long)p->count);
  dbg_double(o, p->sum);
  for (size_t i = 0; i < p->n_quantile_values; i++) {
    dbg_write(o, " q", 2);
    dbg_double(o, p->quantile_values[i]->quantile);
    dbg_write(o, "=", 1);
    dbg_double(o, p->quantile_values[i]->value);
  }
  point_suffix(o, m);
}

static void numbers_normal(debug_out *o, const otlp_metric *m, number_point **pts, size_t n) {
  for (size_t i = 0; i < n; i++) {
    point_prefix(o, m, pts[i]->attributes, pts[i]->n_attributes);
    number_value(o, pts[i]);
    point_suffix(o, m);
  }
}

static void metric_normal(debug_out *o, const otlp_metric *m) {
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
    if (m->gauge) numbers_normal(o, m, m->gauge->data_points, m->gauge->n_data_points);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
    if (m->sum) numbers_normal(o, m, m->sum->data_points, m->sum->n_data_points);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
    for (size_t i = 0; m->histogram && i < m->histogram->n_data_points; i++)
      hist_normal(o, m, m->histogram->data_points[i]);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
    for (size_t i = 0; m->exponential_histogram && i < m->exponential_histogram->n_data_points; i++)
      exp_normal(o, m, m->exponential_histogram->data_points[i]);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
    for (size_t i = 0; m->summary && i < m->summary->n_data_points; i++)
      summary_normal(o, m, m->summary->data_points[i]);
    break;
  default:
    break;
  }
}

void debug_metrics_normal(debug_out *o, const otlpd_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_metrics *rm = b->resources[i];
    for (size_t j = 0; j < rm->n_scope_metrics; j++) {
      const otlp_scope_metrics *sm = rm->scope_metrics[j];
      for (size_t k = 0; k < sm->n_metrics; k++) metric_normal(o, sm->metrics[k]);
    }
  }
}

/* ---- detailed ---- */

static void point_head(debug_out *o, const char *kind, size_t i, otlp_key_value *const *kv,
                       size_t n, uint64_t start, uint64_t t, uint32_t flags) {
  dbg_printf(o, "%s #%zu\n", kind, i);
  dbg_attrs_block(o, "Data point attributes:", "     ", kv, n);
  dbg_write(o, "StartTimestamp: ", 16);
  dbg_time(o, start);
  dbg_write(o, "\nTimestamp: ", 12);
  dbg_time(o, t);
  dbg_write(o, "\n", 1);
  if (flags) dbg_printf(o, "Flags: %u\n", flags);
}

static void exemplars(debug_out *o, exemplar *const *ex, size_t n) {
  if (!n) return;
  dbg_write(o, "Exemplars:\n", 11);
  for (size_t i = 0; i < n; i++) {
    dbg_printf(o, "Exemplar #%zu\n     -> Trace ID: ", i);
    dbg_hex(o, &ex[i]->trace_id);
    dbg_write(o, "\n     -> Span ID: ", 18);
    dbg_hex(o, &ex[i]->span_id);
    dbg_write(o, "\n     -> Timestamp: ", 20);
    dbg_time(o, ex[i]->time_unix_nano);
    dbg_write(o, "\n     -> Value: ", 16);
    if (ex[i]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT)
      dbg_printf(o, "%lld", (long long)ex[i]->as_int);
    else
      dbg_double(o, ex[i]->as_double);
    dbg_write(o, "\n", 1);
    dbg_attrs_block(o, "     -> FilteredAttributes:", "          ", ex[i]->filtered_attributes,
                    ex[i]->n_filtered_attributes);
  }
}

static void numbers_detailed(debug_out *o, number_point **pts, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const number_point *p = pts[i];
    point_head(o, "NumberDataPoints", i, p->attributes, p->n_attributes, p->start_time_unix_nano,
               p->time_unix_nano, p->flags);
    dbg_write(o, "Value: ", 7);
    number_value(o, p);
    dbg_write(o, "\n", 1);
    exemplars(o, p->exemplars, p->n_exemplars);
    dbg_item_done(o);
  }
}

static void hist_detailed(debug_out *o, size_t i, const hist_point *p) {
  point_head(o, "HistogramDataPoints", i, p->attributes, p->n_attributes, p->start_time_unix_nano,
             p->time_unix_nano, p->flags);
  dbg_printf(o, "Count: %llu\n", (unsigned long long)p->count);
  opt_line(o, "Sum", p->_sum_case != 0, p->sum);
  opt_line(o, "Min", p->_min_case != 0, p->min);
  opt_line(o, "Max", p->_max_case != 0, p->max);
  for (size_t k = 0; k < p->n_explicit_bounds; k++) {
    dbg_printf(o, "ExplicitBounds #%zu: ", k);
    dbg_double(o, p->explicit_bounds[k]);
    dbg_write(o, "\n", 1);
  }
  for (size_t k = 0; k < p->n_bucket_counts; k++)
    dbg_printf(o, "Buckets #%zu, Count: %llu\n", k, (unsigned long long)p->bucket_counts[k]);
  exemplars(o, p->exemplars, p->n_exemplars);
  dbg_item_done(o);
}

static void exp_buckets_detailed(debug_out *o, const char *side, const exp_buckets *b) {
  if (!b) return;
  dbg_printf(o, "%s Offset: %d\n", side, b->offset);
  for (size_t k = 0; k < b->n_bucket_counts; k++)
    dbg_printf(o, "%s Buckets #%zu, Count: %llu\n", side, k, (unsigned long long)b->bucket_counts[k]);
}

static void exp_detailed(debug_out *o, size_t i, const exp_point *p) {
  point_head(o, "ExponentialHistogramDataPoints", i, p->attributes, p->n_attributes,
             p->start_time_unix_nano, p->time_unix_nano, p->flags);
  dbg_printf(o, "Count: %llu\n", (unsigned long long)p->count);
  opt_line(o, "Sum", p->_sum_case != 0, p->sum);
  opt_line(o, "Min", p->_min_case != 0, p->min);
  opt_line(o, "Max", p->_max_case != 0, p->max);
  dbg_printf(o, "Scale: %d\nZeroCount: %llu\nZeroThreshold: ", p->scale,
             (unsigned long long)p->zero_count);
  dbg_double(o, p->zero_threshold);
  dbg_write(o, "\n", 1);
  exp_buckets_detailed(o, "Negative", p->negative);
  exp_buckets_detailed(o, "Positive", p->positive);
  exemplars(o, p->exemplars, p->n_exemplars);
  dbg_item_done(o);
}

static void summary_detailed(debug_out *o, size_t i, const summary_point *p) {
  point_head(o, "SummaryDataPoints", i, p->attributes, p->n_attributes, p->start_time_unix_nano,
             p->time_unix_nano, p->flags);
  dbg_printf(o, "Count: %llu\nSum: ", (unsigned long long)p->count);
  dbg_double(o, p->sum);
  dbg_write(o, "\n", 1);
  for (size_t k = 0; k < p->n_quantile_values; k++) {
    dbg_printf(o, "QuantileValue #%zu: Quantile ", k);
    dbg_double(o, p->quantile_values[k]->quantile);
    dbg_write(o, ", Value ", 8);
    dbg_double(o, p->quantile_values[k]->value);
    dbg_write(o, "\n", 1);
  }
  dbg_item_done(o);
}

static void descriptor(debug_out *o, size_t index, const otlp_metric *m) {
  dbg_printf(o, "Metric #%zu\nDescriptor:\n     -> Name: ", index);
  dbg_text(o, m->name);
  dbg_write(o, "\n     -> Description: ", 22);
  dbg_text(o, m->description);
  dbg_write(o, "\n     -> Unit: ", 15);
  dbg_text(o, m->unit);
  dbg_printf(o, "\n     -> DataType: %s\n", type_name(m));
  if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM && m->sum)
    dbg_printf(o, "     -> IsMonotonic: %s\n     -> AggregationTemporality: %s\n",
               m->sum->is_monotonic ? "true" : "false",
               temporality_name((int)m->sum->aggregation_temporality));
  if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM && m->histogram)
    dbg_printf(o, "     -> AggregationTemporality: %s\n",
               temporality_name((int)m->histogram->aggregation_temporality));
  if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM &&
      m->exponential_histogram)
    dbg_printf(o, "     -> AggregationTemporality: %s\n",
               temporality_name((int)m->exponential_histogram->aggregation_temporality));
  dbg_attrs_block(o, "Metadata:", "     ", m->metadata, m->n_metadata);
}

static void metric_detailed(debug_out *o, size_t index, const otlp_metric *m) {
  descriptor(o, index, m);
  switch (m->data_case) {
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
    if (m->gauge) numbers_detailed(o, m->gauge->data_points, m->gauge->n_data_points);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
    if (m->sum) numbers_detailed(o, m->sum->data_points, m->sum->n_data_points);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
    for (size_t i = 0; m->histogram && i < m->histogram->n_data_points; i++)
      hist_detailed(o, i, m->histogram->data_points[i]);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
    for (size_t i = 0; m->exponential_histogram && i < m->exponential_histogram->n_data_points; i++)
      exp_detailed(o, i, m->exponential_histogram->data_points[i]);
    break;
  case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
    for (size_t i = 0; m->summary && i < m->summary->n_data_points; i++)
      summary_detailed(o, i, m->summary->data_points[i]);
    break;
  default:
    break;
  }
}

void debug_metrics_detailed(debug_out *o, const otlpd_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_metrics *rm = b->resources[i];
    dbg_printf(o, "ResourceMetrics #%zu\n", i);
    dbg_resource(o, rm->schema_url, rm->resource);
    for (size_t j = 0; j < rm->n_scope_metrics; j++) {
      const otlp_scope_metrics *sm = rm->scope_metrics[j];
      dbg_scope(o, "ScopeMetrics", j, sm->schema_url, sm->scope);
      for (size_t k = 0; k < sm->n_metrics; k++) metric_detailed(o, k, sm->metrics[k]);
    }
  }
}
