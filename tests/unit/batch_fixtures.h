/* Builders for test requests: R resources x S scopes x N items, each item
 * tagged with a running number so order and identity can be checked. */
#ifndef OTLPD_TEST_BATCH_FIXTURES_H
#define OTLPD_TEST_BATCH_FIXTURES_H

#include "otlpd/data.h"

static inline void *fx_alloc(otlpd_arena *a, size_t n) { return otlpd_arena_calloc(a, n); }

/* Spans are named "s<k>" with k counting from 0 across the request. */
static inline otlpd_payload *fx_traces(int R, int S, int N, int *counter, otlpd_memacct *acct) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_request *req = fx_alloc(a, sizeof(*req));
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(req);
  req->n_resource_spans = (size_t)R;
  req->resource_spans = fx_alloc(a, sizeof(void *) * (size_t)R);
  for (int r = 0; r < R; r++) {
    otlp_resource_spans *rs = fx_alloc(a, sizeof(*rs));
    opentelemetry__proto__trace__v1__resource_spans__init(rs);
    rs->n_scope_spans = (size_t)S;
    rs->scope_spans = fx_alloc(a, sizeof(void *) * (size_t)S);
    for (int s = 0; s < S; s++) {
      otlp_scope_spans *ss = fx_alloc(a, sizeof(*ss));
      opentelemetry__proto__trace__v1__scope_spans__init(ss);
      ss->n_spans = (size_t)N;
      ss->spans = fx_alloc(a, sizeof(void *) * (size_t)N);
      for (int n = 0; n < N; n++) {
        otlp_span *sp = fx_alloc(a, sizeof(*sp));
        opentelemetry__proto__trace__v1__span__init(sp);
        char *name = fx_alloc(a, 16);
        snprintf(name, 16, "s%d", (*counter)++);
        sp->name = name;
        ss->spans[n] = sp;
      }
      rs->scope_spans[s] = ss;
    }
    req->resource_spans[r] = rs;
  }
  return otlpd_payload_new(OTLPD_TRACES, a, &req->base, acct);
}

/* One resource, one scope, M gauge metrics of P points each; point values
 * are a running number. */
static inline otlpd_payload *fx_metrics(int M, int P, int *counter) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_metrics_request *req = fx_alloc(a, sizeof(*req));
  opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(req);
  otlp_resource_metrics *rm = fx_alloc(a, sizeof(*rm));
  opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
  otlp_scope_metrics *sm = fx_alloc(a, sizeof(*sm));
  opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
  sm->n_metrics = (size_t)M;
  sm->metrics = fx_alloc(a, sizeof(void *) * (size_t)M);
  for (int m = 0; m < M; m++) {
    otlp_metric *mt = fx_alloc(a, sizeof(*mt));
    opentelemetry__proto__metrics__v1__metric__init(mt);
    mt->name = "g";
    Opentelemetry__Proto__Metrics__V1__Gauge *g = fx_alloc(a, sizeof(*g));
    opentelemetry__proto__metrics__v1__gauge__init(g);
    g->n_data_points = (size_t)P;
    g->data_points = fx_alloc(a, sizeof(void *) * (size_t)P);
    for (int p = 0; p < P; p++) {
      Opentelemetry__Proto__Metrics__V1__NumberDataPoint *dp = fx_alloc(a, sizeof(*dp));
      opentelemetry__proto__metrics__v1__number_data_point__init(dp);
      dp->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
      dp->as_int = (*counter)++;
      g->data_points[p] = dp;
    }
    mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
    mt->gauge = g;
    sm->metrics[m] = mt;
  }
  rm->n_scope_metrics = 1;
  rm->scope_metrics = fx_alloc(a, sizeof(void *));
  rm->scope_metrics[0] = sm;
  req->n_resource_metrics = 1;
  req->resource_metrics = fx_alloc(a, sizeof(void *));
  req->resource_metrics[0] = rm;
  return otlpd_payload_new(OTLPD_METRICS, a, &req->base, NULL);
}

/* Calls fn(k) for the running number of every span in b, in order. */
static inline int fx_span_numbers(const otlpd_batch *b, int *out, int max) {
  int n = 0;
  for (size_t i = 0; i < b->n; i++) {
    otlp_resource_spans *rs = b->resources[i];
    for (size_t s = 0; s < rs->n_scope_spans; s++)
      for (size_t k = 0; k < rs->scope_spans[s]->n_spans; k++)
        if (n < max) out[n++] = atoi(rs->scope_spans[s]->spans[k]->name + 1);
  }
  return n;
}

static inline int fx_point_numbers(const otlpd_batch *b, int *out, int max) {
  int n = 0;
  for (size_t i = 0; i < b->n; i++) {
    otlp_resource_metrics *rm = b->resources[i];
    for (size_t s = 0; s < rm->n_scope_metrics; s++)
      for (size_t m = 0; m < rm->scope_metrics[s]->n_metrics; m++) {
        otlp_metric *mt = rm->scope_metrics[s]->metrics[m];
        for (size_t p = 0; p < mt->gauge->n_data_points; p++)
          if (n < max) out[n++] = (int)mt->gauge->data_points[p]->as_int;
      }
  }
  return n;
}

#endif
