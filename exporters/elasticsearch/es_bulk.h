/* A batch as a _bulk request body: for each document an action line
 * ({"create":{"_index":...}} for data streams, {"index":...} for plain
 * indices) and the document line, each ending in "\n" (ndjson). The body
 * is built once per batch; items[] says where each pair sits so that a
 * retry can keep only some of them. */
#ifndef OTLPD_ES_BULK_H
#define OTLPD_ES_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/data.h"

typedef struct es_item {
  size_t off, len; /* the action and document lines in the body */
  uint32_t counts; /* items it carries in the counters: 1 for a span or log
                      record, 0 for a span-event document, the data points
                      grouped into a metrics document */
  bool require_alias; /* its action carries require_alias: a 404 answer means
                         the alias is not bootstrapped yet (es_setup.c) */
} es_item;

typedef struct es_items {
  es_item *v;
  size_t n, cap;
  size_t dropped; /* records left out by the build (bodymap: a body that is not a map) */
} es_items;

void es_items_free(es_items *it);

typedef struct es_bulk_opts {
  int mode;                           /* es_mapping_mode */
  const char *index[OTLPD_SIGNAL_COUNT]; /* explicit *_index, NULL/"" = data streams */
  bool require_alias[OTLPD_SIGNAL_COUNT]; /* index[s] is an alias setup bootstraps */
} es_bulk_opts;

/* Appends every document of b to body (cleared first) and items. 0,
 * -ENOMEM, or -ENOTSUP for a signal without a document layout. */
int es_bulk_build(const es_bulk_opts *o, const otlpd_batch *b, otlpd_buf *body, es_items *items);

/* For the es_doc_*.c writers of several-item documents (metrics). */
int es_items_push(es_items *it, size_t off, size_t len, uint32_t counts, bool require_alias);
/* `{"create":{"_index":"<type>-<dataset>-<namespace>"` or
 * `{"index":{"_index":"<plain>"` (plus `,"require_alias":true` when
 * idx->require_alias), left open for more members. */
struct es_index;
int es_bulk_action_open(otlpd_buf *b, const struct es_index *idx);
/* Metrics documents of one ResourceMetrics in mapping mode otel
 * (es_doc_metrics.c). */
int es_metric_docs(const es_bulk_opts *o, const otlp_resource_metrics *rm, otlpd_buf *body, es_items *it);

/* Keeps the items whose keep[i] is true, moving them (and their bytes)
 * to the front of body. */
void es_bulk_compact(otlpd_buf *body, es_items *items, const bool *keep);

#endif
