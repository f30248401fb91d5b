/* A batch as a _bulk request body: for each document an action line
 * ({"create":{"_index":...}} for data streams, {"index":...} for plain
 * indices) and the document line, each ending in "\n" (ndjson). The body
 * is built once per batch; items[] says where each pair sits so that a
 * retry can keep only some of them. */
#ifndef OTLPD_ES_BULK_H
#define OTLPD_ES_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/buf.h"
#include "otlpd/data.h"

typedef struct es_item {
  size_t off, len; /* the action and document lines in the body */
  bool counts;     /* a span or log record (not a span-event document) */
} es_item;

typedef struct es_items {
  es_item *v;
  size_t n, cap;
} es_items;

void es_items_free(es_items *it);

typedef struct es_bulk_opts {
  int mode;                           /* es_mapping_mode */
  const char *index[OTLPD_SIGNAL_COUNT]; /* explicit *_index, NULL/"" = data streams */
} es_bulk_opts;

/* Appends every document of b to body (cleared first) and items. 0,
 * -ENOMEM, or -ENOTSUP for a signal without a document layout. */
int es_bulk_build(const es_bulk_opts *o, const otlpd_batch *b, otlpd_buf *body, es_items *items);

/* Keeps the items whose keep[i] is true, moving them (and their bytes)
 * to the front of body. */
void es_bulk_compact(otlpd_buf *body, es_items *items, const bool *keep);

#endif
