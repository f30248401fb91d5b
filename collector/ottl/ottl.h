/* A subset of the OpenTelemetry Transformation Language (OTTL), enough for
 * the filter and transform processors' common conditions. Expressions are
 * compiled once at start into a small tree (ottl_parse.c) that is then
 * evaluated per item without allocating (ottl_eval.c). The grammar and the
 * paths each context knows are in README.md. Not thread-safe per compiled
 * expression: its regex match data and scratch buffers are reused. */
#ifndef OTLPD_OTTL_H
#define OTLPD_OTTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/data.h"

typedef enum {
  OTTL_SPAN = 0,
  OTTL_SPANEVENT,
  OTTL_LOG,
  OTTL_METRIC,
  OTTL_DATAPOINT,
  OTTL_CTX_COUNT
} ottl_context;

const char *ottl_context_name(ottl_context c); /* "span", "spanevent", ... */

/* Where and why an expression was refused; col is 1-based. */
typedef struct ottl_error {
  int col;
  char msg[200];
} ottl_error;

typedef Opentelemetry__Proto__Trace__V1__Span__Event otlp_span_event;

/* The item an expression reads and what it belongs to. dp is a
 * Number/Histogram/ExponentialHistogram/SummaryDataPoint as metric's
 * data_case says. Unused members are NULL. */
typedef struct ottl_item {
  const otlp_resource *resource;
  const otlp_scope *scope;
  const otlp_span *span;   /* span, and the span of a spanevent */
  const otlp_span_event *event;
  const otlp_log_record *log;
  const otlp_metric *metric; /* metric, and the metric of a datapoint */
  const void *dp;
} ottl_item;

typedef struct ottl_node ottl_node;

/* A compiled boolean condition. */
typedef struct ottl_cond {
  ottl_node *root;
  ottl_context ctx;
} ottl_cond;

/* Compile src for context ctx. prefixed: paths must name their context
 * (span.name, resource.attributes[...]), as in the flat
 * trace_conditions / *_statements forms. NULL with *err filled on a
 * syntax error or anything outside the subset. */
ottl_cond *ottl_cond_compile(const char *src, ottl_context ctx, bool prefixed, ottl_error *err);
void ottl_cond_free(ottl_cond *c);

/* 1 true, 0 false, -1 error (*why: static text, e.g. Len of an int). */
int ottl_cond_eval(ottl_cond *c, const ottl_item *it, const char **why);

/* The context of a flat condition / statement of a signal, from the
 * context prefixes of its paths: the most specific one named (spanevent
 * over span, datapoint over metric); resource./scope. alone give the
 * signal's item context (span, metric, log). */
ottl_context ottl_infer_context(const char *src, otlpd_signal s);

/* Data points of a metric (any type): how many, and the i-th one. */
size_t ottl_metric_points(const otlp_metric *m);
const void *ottl_metric_point(const otlp_metric *m, size_t i);

#endif
