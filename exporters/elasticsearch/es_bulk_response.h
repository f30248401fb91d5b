/* Reading a _bulk answer without building a DOM: one pass over the body
 * reporting each entry of "items" (in request order) with its status and,
 * for failures, the error's type and reason. The body is untrusted
 * (fuzzed: tests/fuzz/fuzz_es_bulk_response.c): nesting is bounded and
 * every read is bounds-checked.
 *
 * {"took":3,"errors":true,"items":[
 *   {"create":{"_index":"...","status":201,...}},
 *   {"create":{"_index":"...","status":429,
 *              "error":{"type":"es_rejected_execution_exception","reason":"..."}}}]} */
#ifndef OTLPD_ES_BULK_RESPONSE_H
#define OTLPD_ES_BULK_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct es_bulk_item_result {
  int status;          /* 0 if the item named none */
  const char *type;    /* error.type, raw JSON string contents (escapes kept); NULL if none */
  size_t type_len;
  const char *reason;  /* error.reason (or error when it is a string); NULL if none */
  size_t reason_len;
} es_bulk_item_result;

/* Called for item i (0-based) as soon as it is read. */
typedef void (*es_bulk_item_fn)(void *arg, size_t i, const es_bulk_item_result *r);

typedef struct es_bulk_summary {
  bool errors;   /* the top-level "errors" flag */
  size_t items;  /* entries reported */
} es_bulk_summary;

/* 0 when the body is one well-formed answer object; -EBADMSG when it is
 * malformed or cut short (the items read before that were reported). */
int es_bulk_scan(const char *p, size_t n, es_bulk_item_fn fn, void *arg, es_bulk_summary *out);

#endif
