/* How much one request may allocate while it is decoded. */
#include "otlp_receiver.h"

/* Decoded protobuf-c structs are bigger than their wire form (~7x for
 * typical spans, ~15x attribute-heavy, ~30x for hostile input of empty
 * sub-messages): the size rule bounds what one body may take. */
#define DECODE_EXPANSION 32
#define DECODE_SLACK ((size_t)1024 * 1024)

otlp_decode_limit otlp_decode_limit_for(const otlpd_memacct *m, size_t len) {
  otlp_decode_limit d = {SIZE_MAX, false};
  if (len < (SIZE_MAX - DECODE_SLACK) / DECODE_EXPANSION) d.max = len * DECODE_EXPANSION + DECODE_SLACK;
  if (!m || !m->limit) return d;
  size_t used = otlpd_memacct_used(m);
  size_t left = used < m->limit ? m->limit - used : 0;
  if (left < d.max) {
    d.max = left ? left : 1; /* an arena limit of 0 would mean none */
    d.by_budget = true;
  }
  return d;
}

size_t otlp_decode_first_block(size_t guess, const otlp_decode_limit *d) {
  /* the block header comes out of the limit too */
  size_t cap = d->max > 2048 ? d->max - 1024 : 1024;
  return guess < cap ? guess : cap;
}
