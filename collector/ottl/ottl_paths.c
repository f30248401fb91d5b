/* The paths each OTTL context knows (pkg/ottl/contexts/ottl{span,
 * spanevent,log,metric,datapoint}), the enum symbols, and reading them
 * from decoded OTLP. Values are borrowed from the item, never copied. */
#include <stdio.h>
#include <string.h>

#include "ottl_internal.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag
#define MD(tag) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##tag

#define C_SPAN (1u << OTTL_SPAN)
#define C_EVENT (1u << OTTL_SPANEVENT)
#define C_LOG (1u << OTTL_LOG)
#define C_METRIC (1u << OTTL_METRIC)
#define C_DP (1u << OTTL_DATAPOINT)
#define C_ALL 0x1fu

static const char *const ctx_names[OTTL_CTX_COUNT] = {"span", "spanevent", "log", "metric", "datapoint"};

const char *ottl_context_name(ottl_context c) { return c < OTTL_CTX_COUNT ? ctx_names[c] : "?"; }

typedef struct path_def {
  const char *name; /* without the context's own prefix */
  unsigned ctx;
  ottl_path_id id;
  bool keyed;
} path_def;

static const path_def paths[] = {
    {"resource.attributes", C_ALL, P_RES_ATTRS, true},
    {"instrumentation_scope.name", C_ALL, P_SCOPE_NAME, false},
    {"instrumentation_scope.version", C_ALL, P_SCOPE_VERSION, false},
    {"instrumentation_scope.attributes", C_ALL, P_SCOPE_ATTRS, true},
    {"scope.name", C_ALL, P_SCOPE_NAME, false},
    {"scope.version", C_ALL, P_SCOPE_VERSION, false},
    {"scope.attributes", C_ALL, P_SCOPE_ATTRS, true},
    {"name", C_SPAN | C_EVENT | C_METRIC, P_NAME, false},
    {"attributes", C_SPAN | C_EVENT | C_LOG | C_DP, P_ATTRS, true},
    {"dropped_attributes_count", C_SPAN | C_EVENT | C_LOG, P_DROPPED_ATTRS, false},
    {"kind", C_SPAN, P_KIND, false},
    {"status.code", C_SPAN, P_STATUS_CODE, false},
    {"status.message", C_SPAN, P_STATUS_MESSAGE, false},
    {"trace_id", C_SPAN | C_LOG, P_TRACE_ID, false},
    {"span_id", C_SPAN | C_LOG, P_SPAN_ID, false},
    {"trace_id.string", C_SPAN | C_LOG, P_TRACE_ID_STRING, false},
    {"span_id.string", C_SPAN | C_LOG, P_SPAN_ID_STRING, false},
    {"parent_span_id", C_SPAN, P_PARENT_SPAN_ID, false},
    {"trace_state", C_SPAN, P_TRACE_STATE, false},
    {"start_time_unix_nano", C_SPAN | C_DP, P_START, false},
    {"end_time_unix_nano", C_SPAN, P_END, false},
    {"duration", C_SPAN, P_DURATION, false},
    {"time_unix_nano", C_EVENT | C_LOG | C_DP, P_TIME, false},
    {"observed_time_unix_nano", C_LOG, P_OBSERVED_TIME, false},
    {"severity_number", C_LOG, P_SEV_NUM, false},
    {"severity_text", C_LOG, P_SEV_TEXT, false},
    {"body", C_LOG, P_BODY, false},
    {"flags", C_LOG | C_DP, P_FLAGS, false},
    {"span.name", C_EVENT, P_EVENT_SPAN_NAME, false},
    {"span.attributes", C_EVENT, P_EVENT_SPAN_ATTRS, true},
    {"span.kind", C_EVENT, P_EVENT_SPAN_KIND, false},
    {"span.status.code", C_EVENT, P_EVENT_SPAN_STATUS_CODE, false},
    {"span.duration", C_EVENT, P_EVENT_SPAN_DURATION, false},
    {"description", C_METRIC, P_METRIC_DESC, false},
    {"unit", C_METRIC, P_METRIC_UNIT, false},
    {"type", C_METRIC, P_METRIC_TYPE, false},
    {"metric.name", C_DP, P_METRIC_NAME, false},
    {"metric.type", C_DP, P_METRIC_TYPE, false},
    {"metric.unit", C_DP, P_METRIC_UNIT, false},
    {"metric.description", C_DP, P_METRIC_DESC, false},
    {"value_int", C_DP, P_DP_VALUE_INT, false},
    {"value_double", C_DP, P_DP_VALUE_DOUBLE, false},
    {"count", C_DP, P_DP_COUNT, false},
    {"sum", C_DP, P_DP_SUM, false},
};

static const char *own_prefix(ottl_context ctx) {
  static const char *const p[OTTL_CTX_COUNT] = {"span.", "spanevent.", "log.", "metric.", "datapoint."};
  return p[ctx];
}

static bool starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

int ottl_path_lookup(const char *dotted, ottl_context ctx, bool prefixed, bool *keyed) {
  const char *name = dotted, *pre = own_prefix(ctx);
  /* metric.name in the metric context is the context prefix, in the
   * datapoint context a path of the parent metric */
  if (starts(dotted, pre)) name = dotted + strlen(pre);
  else if (prefixed && !starts(dotted, "resource.") && !starts(dotted, "scope.") &&
           !starts(dotted, "instrumentation_scope.") && !(ctx == OTTL_DATAPOINT && starts(dotted, "metric.")) &&
           !(ctx == OTTL_SPANEVENT && starts(dotted, "span.")))
    return -1;
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    if ((paths[i].ctx & (1u << ctx)) && !strcmp(paths[i].name, name)) {
      *keyed = paths[i].keyed;
      return (int)paths[i].id;
    }
  }
  return -1;
}

typedef struct enum_def {
  const char *name;
  int64_t v;
} enum_def;

static const enum_def enums[] = {
    {"STATUS_CODE_UNSET", 0}, {"STATUS_CODE_OK", 1}, {"STATUS_CODE_ERROR", 2},
    {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
    {"SPAN_KIND_CLIENT", 3}, {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
    {"SEVERITY_NUMBER_UNSPECIFIED", 0}, {"SEVERITY_NUMBER_TRACE", 1}, {"SEVERITY_NUMBER_TRACE2", 2},
    {"SEVERITY_NUMBER_TRACE3", 3}, {"SEVERITY_NUMBER_TRACE4", 4}, {"SEVERITY_NUMBER_DEBUG", 5},
    {"SEVERITY_NUMBER_DEBUG2", 6}, {"SEVERITY_NUMBER_DEBUG3", 7}, {"SEVERITY_NUMBER_DEBUG4", 8},
    {"SEVERITY_NUMBER_INFO", 9}, {"SEVERITY_NUMBER_INFO2", 10}, {"SEVERITY_NUMBER_INFO3", 11},
    {"SEVERITY_NUMBER_INFO4", 12}, {"SEVERITY_NUMBER_WARN", 13}, {"SEVERITY_NUMBER_WARN2", 14},
    {"SEVERITY_NUMBER_WARN3", 15}, {"SEVERITY_NUMBER_WARN4", 16}, {"SEVERITY_NUMBER_ERROR", 17},
    {"SEVERITY_NUMBER_ERROR2", 18}, {"SEVERITY_NUMBER_ERROR3", 19}, {"SEVERITY_NUMBER_ERROR4", 20},
    {"SEVERITY_NUMBER_FATAL", 21}, {"SEVERITY_NUMBER_FATAL2", 22}, {"SEVERITY_NUMBER_FATAL3", 23},
    {"SEVERITY_NUMBER_FATAL4", 24}, {"METRIC_DATA_TYPE_NONE", 0}, {"METRIC_DATA_TYPE_GAUGE", 1},
    {"METRIC_DATA_TYPE_SUM", 2}, {"METRIC_DATA_TYPE_HISTOGRAM", 3},
    {"METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4}, {"METRIC_DATA_TYPE_SUMMARY", 5},
    {"AGGREGATION_TEMPORALITY_UNSPECIFIED", 0}, {"AGGREGATION_TEMPORALITY_DELTA", 1},
    {"AGGREGATION_TEMPORALITY_CUMULATIVE", 2},
};

bool ottl_enum_lookup(const char *name, size_t len, int64_t *out) {
  for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
    if (strlen(enums[i].name) == len && !memcmp(enums[i].name, name, len)) {
      *out = enums[i].v;
      return true;
    }
  }
  return false;
}

/* ---- reading ---- */

static void set_str(ottl_val *o, const char *s) {
  o->t = V_STRING;
  o->p = s ? s : "";
  o->len = strlen(o->p);
}

static void set_int(ottl_val *o, int64_t v) {
  o->t = V_INT;
  o->i = v;
}

static void set_bytes(ottl_val *o, ProtobufCBinaryData b) {
  o->t = V_BYTES;
  o->p = b.data;
  o->len = b.len;
}

/* pdata's TraceID/SpanID String(): hex, or "" for an empty id */
static void set_hex(ottl_val *o, ProtobufCBinaryData b, size_t want, char *scratch) {
  bool zero = true;
  for (size_t i = 0; i < b.len; i++) zero = zero && !b.data[i];
  scratch[0] = '\0';
  if (!zero && b.len == want)
    for (size_t i = 0; i < b.len; i++) snprintf(scratch + 2 * i, 3, "%02x", b.data[i]);
  o->t = V_STRING;
  o->p = scratch;
  o->len = strlen(scratch);
}

void ottl_any_to_val(const otlp_any_value *v, ottl_val *o) {
  memset(o, 0, sizeof(*o));
  if (!v) return;
  switch (v->value_case) {
  case ANY(STRING_VALUE): set_str(o, v->string_value); break;
  case ANY(BOOL_VALUE): o->t = V_BOOL; o->b = v->bool_value; break;
  case ANY(INT_VALUE): set_int(o, v->int_value); break;
  case ANY(DOUBLE_VALUE): o->t = V_DOUBLE; o->d = v->double_value; break;
  case ANY(BYTES_VALUE): set_bytes(o, v->bytes_value); break;
  case ANY(ARRAY_VALUE):
    o->t = V_SLICE;
    o->p = v->array_value ? (const void *)v->array_value->values : NULL;
    o->len = v->array_value ? v->array_value->n_values : 0;
    break;
  case ANY(KVLIST_VALUE):
    o->t = V_MAP;
    o->p = v->kvlist_value ? (const void *)v->kvlist_value->values : NULL;
    o->len = v->kvlist_value ? v->kvlist_value->n_values : 0;
    break;
  default: break; /* empty value: nil */
  }
}

void ottl_attr_get(size_t n, otlp_key_value *const *kv, const char *key, ottl_val *o) {
  memset(o, 0, sizeof(*o));
  for (size_t i = 0; i < n; i++)
    if (kv[i]->key && !strcmp(kv[i]->key, key)) {
      ottl_any_to_val(kv[i]->value, o);
      return;
    }
}

static void attrs(size_t n, otlp_key_value *const *kv, const char *key, ottl_val *o) {
  if (key) {
    ottl_attr_get(n, kv, key, o);
    return;
  }
  o->t = V_MAP;
  o->p = kv;
  o->len = n;
}

static int metric_type(const otlp_metric *m) {
  switch (m->data_case) {
  case MD(GAUGE): return 1;
  case MD(SUM): return 2;
  case MD(HISTOGRAM): return 3;
  case MD(EXPONENTIAL_HISTOGRAM): return 4;
  case MD(SUMMARY): return 5;
  default: return 0;
  }
}

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint num_dp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hist_dp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_dp;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint sum_dp;

size_t ottl_metric_points(const otlp_metric *m) {
  switch (m->data_case) {
  case MD(GAUGE): return m->gauge ? m->gauge->n_data_points : 0;
  case MD(SUM): return m->sum ? m->sum->n_data_points : 0;
  case MD(HISTOGRAM): return m->histogram ? m->histogram->n_data_points : 0;
  case MD(EXPONENTIAL_HISTOGRAM): return m->exponential_histogram ? m->exponential_histogram->n_data_points : 0;
  case MD(SUMMARY): return m->summary ? m->summary->n_data_points : 0;
  default: return 0;
  }
}

const void *ottl_metric_point(const otlp_metric *m, size_t i) {
  switch (m->data_case) {
  case MD(GAUGE): return m->gauge->data_points[i];
  case MD(SUM): return m->sum->data_points[i];
  case MD(HISTOGRAM): return m->histogram->data_points[i];
  case MD(EXPONENTIAL_HISTOGRAM): return m->exponential_histogram->data_points[i];
  case MD(SUMMARY): return m->summary->data_points[i];
  default: return NULL;
  }
}

void ottl_point_attrs(const otlp_metric *m, const void *dp, size_t *n, otlp_key_value ***kv) {
  *n = 0;
  *kv = NULL;
  switch (m->data_case) {
  case MD(GAUGE):
  case MD(SUM): *n = ((const num_dp *)dp)->n_attributes; *kv = ((const num_dp *)dp)->attributes; break;
  case MD(HISTOGRAM): *n = ((const hist_dp *)dp)->n_attributes; *kv = ((const hist_dp *)dp)->attributes; break;
  case MD(EXPONENTIAL_HISTOGRAM):
    *n = ((const exp_dp *)dp)->n_attributes;
    *kv = ((const exp_dp *)dp)->attributes;
    break;
  case MD(SUMMARY): *n = ((const sum_dp *)dp)->n_attributes; *kv = ((const sum_dp *)dp)->attributes; break;
  default: break;
  }
}

static void dp_read(ottl_path_id id, const char *key, const ottl_item *it, ottl_val *o) {
  const otlp_metric *m = it->metric;
  const void *dp = it->dp;
  bool num = m->data_case == MD(GAUGE) || m->data_case == MD(SUM);
  switch (id) {
  case P_ATTRS: {
    size_t n;
    otlp_key_value **kv;
    ottl_point_attrs(m, dp, &n, &kv);
    attrs(n, kv, key, o);
    return;
  }
  case P_DP_VALUE_INT:
    set_int(o, num && ((const num_dp *)dp)->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT
                   ? ((const num_dp *)dp)->as_int : 0);
    return;
  case P_DP_VALUE_DOUBLE:
    o->t = V_DOUBLE;
    o->d = num && ((const num_dp *)dp)->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE
               ? ((const num_dp *)dp)->as_double : 0;
    return;
  case P_DP_COUNT:
    if (m->data_case == MD(HISTOGRAM)) set_int(o, (int64_t)((const hist_dp *)dp)->count);
    else if (m->data_case == MD(EXPONENTIAL_HISTOGRAM)) set_int(o, (int64_t)((const exp_dp *)dp)->count);
    else if (m->data_case == MD(SUMMARY)) set_int(o, (int64_t)((const sum_dp *)dp)->count);
    return;
  case P_DP_SUM:
    o->t = V_DOUBLE;
    if (m->data_case == MD(HISTOGRAM)) o->d = ((const hist_dp *)dp)->sum;
    else if (m->data_case == MD(EXPONENTIAL_HISTOGRAM)) o->d = ((const exp_dp *)dp)->sum;
    else if (m->data_case == MD(SUMMARY)) o->d = ((const sum_dp *)dp)->sum;
    else o->t = V_NIL;
    return;
  case P_START:
  case P_TIME: {
    /* every point type starts with attributes, start and time */
    const num_dp *n = dp;
    uint64_t t = id == P_START ? n->start_time_unix_nano : n->time_unix_nano;
    if (m->data_case == MD(HISTOGRAM)) t = id == P_START ? ((const hist_dp *)dp)->start_time_unix_nano : ((const hist_dp *)dp)->time_unix_nano;
    else if (m->data_case == MD(EXPONENTIAL_HISTOGRAM)) t = id == P_START ? ((const exp_dp *)dp)->start_time_unix_nano : ((const exp_dp *)dp)->time_unix_nano;
    else if (m->data_case == MD(SUMMARY)) t = id == P_START ? ((const sum_dp *)dp)->start_time_unix_nano : ((const sum_dp *)dp)->time_unix_nano;
    set_int(o, (int64_t)t);
    return;
  }
  case P_FLAGS:
    if (num) set_int(o, ((const num_dp *)dp)->flags);
    else if (m->data_case == MD(HISTOGRAM)) set_int(o, ((const hist_dp *)dp)->flags);
    else if (m->data_case == MD(EXPONENTIAL_HISTOGRAM)) set_int(o, ((const exp_dp *)dp)->flags);
    else if (m->data_case == MD(SUMMARY)) set_int(o, ((const sum_dp *)dp)->flags);
    return;
  default: return;
  }
}

static void span_read(ottl_path_id id, const char *key, const otlp_span *s, char *scratch, ottl_val *o) {
  switch (id) {
  case P_NAME: set_str(o, s->name); return;
  case P_ATTRS: attrs(s->n_attributes, s->attributes, key, o); return;
  case P_DROPPED_ATTRS: set_int(o, s->dropped_attributes_count); return;
  case P_KIND: set_int(o, s->kind); return;
  case P_STATUS_CODE: set_int(o, s->status ? s->status->code : 0); return;
  case P_STATUS_MESSAGE: set_str(o, s->status ? s->status->message : ""); return;
  case P_TRACE_ID: set_bytes(o, s->trace_id); return;
  case P_SPAN_ID: set_bytes(o, s->span_id); return;
  case P_PARENT_SPAN_ID: set_bytes(o, s->parent_span_id); return;
  case P_TRACE_ID_STRING: set_hex(o, s->trace_id, 16, scratch); return;
  case P_SPAN_ID_STRING: set_hex(o, s->span_id, 8, scratch); return;
  case P_TRACE_STATE: set_str(o, s->trace_state); return;
  case P_START: set_int(o, (int64_t)s->start_time_unix_nano); return;
  case P_END: set_int(o, (int64_t)s->end_time_unix_nano); return;
  /* unsigned difference then signed: an end before the start reads as a
   * negative duration, as Go's time arithmetic gives */
  case P_DURATION: set_int(o, (int64_t)(s->end_time_unix_nano - s->start_time_unix_nano)); return;
  default: return;
  }
}

static void log_read(ottl_path_id id, const char *key, const otlp_log_record *l, char *scratch, ottl_val *o) {
  switch (id) {
  case P_ATTRS: attrs(l->n_attributes, l->attributes, key, o); return;
  case P_DROPPED_ATTRS: set_int(o, l->dropped_attributes_count); return;
  case P_BODY: ottl_any_to_val(l->body, o); return;
  case P_SEV_NUM: set_int(o, l->severity_number); return;
  case P_SEV_TEXT: set_str(o, l->severity_text); return;
  case P_TIME: set_int(o, (int64_t)l->time_unix_nano); return;
  case P_OBSERVED_TIME: set_int(o, (int64_t)l->observed_time_unix_nano); return;
  case P_FLAGS: set_int(o, l->flags); return;
  case P_TRACE_ID: set_bytes(o, l->trace_id); return;
  case P_SPAN_ID: set_bytes(o, l->span_id); return;
  case P_TRACE_ID_STRING: set_hex(o, l->trace_id, 16, scratch); return;
  case P_SPAN_ID_STRING: set_hex(o, l->span_id, 8, scratch); return;
  default: return;
  }
}

void ottl_path_read(ottl_path_id id, const char *key, const ottl_item *it, char *scratch, ottl_val *o) {
  memset(o, 0, sizeof(*o));
  switch (id) {
  case P_RES_ATTRS:
    attrs(it->resource ? it->resource->n_attributes : 0, it->resource ? it->resource->attributes : NULL, key, o);
    return;
  case P_SCOPE_NAME: set_str(o, it->scope ? it->scope->name : ""); return;
  case P_SCOPE_VERSION: set_str(o, it->scope ? it->scope->version : ""); return;
  case P_SCOPE_ATTRS:
    attrs(it->scope ? it->scope->n_attributes : 0, it->scope ? it->scope->attributes : NULL, key, o);
    return;
  case P_EVENT_SPAN_NAME: span_read(P_NAME, key, it->span, scratch, o); return;
  case P_EVENT_SPAN_ATTRS: span_read(P_ATTRS, key, it->span, scratch, o); return;
  case P_EVENT_SPAN_KIND: span_read(P_KIND, key, it->span, scratch, o); return;
  case P_EVENT_SPAN_STATUS_CODE: span_read(P_STATUS_CODE, key, it->span, scratch, o); return;
  case P_EVENT_SPAN_DURATION: span_read(P_DURATION, key, it->span, scratch, o); return;
  case P_METRIC_NAME: set_str(o, it->metric->name); return;
  case P_METRIC_DESC: set_str(o, it->metric->description); return;
  case P_METRIC_UNIT: set_str(o, it->metric->unit); return;
  case P_METRIC_TYPE: set_int(o, metric_type(it->metric)); return;
  default: break;
  }
  if (it->dp) dp_read(id, key, it, o);
  else if (it->event) {
    const otlp_span_event *e = it->event;
    if (id == P_NAME) set_str(o, e->name);
    else if (id == P_ATTRS) attrs(e->n_attributes, e->attributes, key, o);
    else if (id == P_TIME) set_int(o, (int64_t)e->time_unix_nano);
    else if (id == P_DROPPED_ATTRS) set_int(o, e->dropped_attributes_count);
  } else if (it->span) span_read(id, key, it->span, scratch, o);
  else if (it->log) log_read(id, key, it->log, scratch, o);
  else if (it->metric && id == P_NAME) set_str(o, it->metric->name);
}
