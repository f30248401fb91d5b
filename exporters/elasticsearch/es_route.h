/* Where a document goes (otelcol-contrib's routing; the first that applies):
 *  - an explicit *_index setting: that index, `index` action;
 *  - else a non-empty `elasticsearch.index` string attribute of the record,
 *    then the scope, then the resource: that index as is, `create` action
 *    (it may name a data stream), no data_stream.* fields;
 *  - else the data stream <type>-<dataset>-<namespace>, `create` action,
 *    dataset and namespace taken from data_stream.dataset /
 *    data_stream.namespace of the record, then the scope, then the
 *    resource attributes; a scope named .../receiver/<x>receiver/...
 *    gives dataset <x>receiver when no attribute names one; defaults
 *    generic / default; otel mode appends ".otel" to the dataset.
 * Names are sanitized as contrib does: lower case, \ / * ? " < > | space
 * , # : (and - in the dataset) become _, at most 100 bytes each. */
#ifndef OTLPD_ES_ROUTE_H
#define OTLPD_ES_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/otlp.h"

#define ES_DS_MAX 100

typedef struct es_attrs {
  otlp_key_value *const *kv;
  size_t n;
} es_attrs;

typedef struct es_index {
  bool data_stream;     /* create action, data_stream.* fields in the document */
  bool create;          /* create action (data streams, elasticsearch.index) */
  const char *plain;    /* explicit or attribute index (not a data stream) */
  bool require_alias;   /* the explicit index is an alias setup bootstraps:
                           "require_alias":true in the action (the caller sets it) */
  const char *type;     /* "logs" or "traces" */
  char dataset[ES_DS_MAX + 1];
  char ns[ES_DS_MAX + 1];
} es_index;

/* rec, scope, res: the attribute lists, most specific first. */
void es_route(es_index *out, const char *explicit_index, const char *type, bool otel,
              es_attrs rec, es_attrs scope, es_attrs res, const char *scope_name);

/* Whether a record's own attributes can change its route (a
 * data_stream.dataset|namespace or elasticsearch.index key): when not,
 * the route of its scope (es_route with an empty record list) holds. */
bool es_route_attrs_present(es_attrs rec);

/* Sanitize src (n bytes) into out (ES_DS_MAX + 1 bytes), keeping room
 * for suffix. dataset: '-' is disallowed too. */
void es_sanitize(char *out, const char *src, size_t n, bool dataset, const char *suffix);

/* The value of attribute key as text (strings, integers, booleans,
 * doubles), into buf; NULL if absent. */
const char *es_attr_text(es_attrs a, const char *key, char *buf, size_t cap, size_t *len);

#endif
