/* libFuzzer target: the elasticsearch exporter's _bulk answer scanner
 * (exporters/elasticsearch/es_bulk_response.c), which reads untrusted
 * server answers. Items must be reported in order, never more than the
 * scanner claims, and nothing may be read outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../exporters/elasticsearch/es_bulk_response.h"

typedef struct count {
  size_t n;
} count;

static void on_item(void *arg, size_t i, const es_bulk_item_result *r) {
  count *c = arg;
  if (i != c->n) abort();
  if (r->type && r->type_len > (1u << 30)) abort();
  if (r->reason && r->reason_len > (1u << 30)) abort();
  if (r->type && r->type_len) (void)(volatile char)r->type[r->type_len - 1];
  if (r->reason && r->reason_len) (void)(volatile char)r->reason[r->reason_len - 1];
  c->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A copy of exactly `size` bytes, so ASan sees any read past it. */
  char *p = malloc(size ? size : 1);
  if (!p) return 0;
  memcpy(p, data, size);
  count c = {0};
  es_bulk_summary sum;
  int rc = es_bulk_scan(p, size, on_item, &c, &sum);
  if (sum.items != c.n) abort();
  if (rc != 0 && rc != -74 /* EBADMSG */) abort();
  free(p);
  return 0;
}
