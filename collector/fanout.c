/* One batch to several consumers; the batch is shared read-only. */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

struct otlpd_fanout {
  otlpd_consumer base;
  size_t n;
  otlpd_consumer *to[];
};

/* A refusal by any consumer is reported upstream (retryable wins over
 * permanent, so a client retries rather than drops); consumers that
 * accepted keep the data, so a retry may duplicate there, as in otelcol. */
static int fanout_consume(otlpd_consumer *self, otlpd_batch *b) {
  otlpd_fanout *f = (otlpd_fanout *)self;
  int worst = OTLPD_OK;
  for (size_t i = 0; i < f->n; i++) {
    int rc = otlpd_consume(f->to[i], b);
    if (rc == OTLPD_ERR_RETRY || (rc != OTLPD_OK && worst == OTLPD_OK)) worst = rc;
  }
  return worst;
}

otlpd_consumer *otlpd_fanout_new(otlpd_daemon *d, otlpd_consumer **to, size_t n) {
  if (n == 1) return to[0];
  otlpd_fanout *f = malloc(sizeof(*f) + n * sizeof(f->to[0]));
  if (!f) return NULL;
  otlpd_fanout **list = realloc(d->fanouts, (d->n_fanouts + 1) * sizeof(*list));
  if (!list) {
    free(f);
    return NULL;
  }
  d->fanouts = list;
  d->fanouts[d->n_fanouts++] = f;
  f->base.consume = fanout_consume;
  f->n = n;
  memcpy(f->to, to, n * sizeof(*to));
  return &f->base;
}
