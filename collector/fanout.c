/* One batch to several consumers; the batch is shared read-only.
 *
 * All or nothing: every consumer is asked first (admit) and the batch is
 * delivered only when all of them would take it. A retry by the stage
 * upstream (the batch processor, or a client after a 503) therefore never
 * duplicates into a consumer that already took the batch. A consumer that
 * cannot keep up is its own problem: exporters with a sending queue drop
 * and count by default (block_on_overflow: false) and so always admit. */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

struct otlpd_fanout {
  otlpd_consumer base;
  otlpd_logger *log;
  size_t n;
  otlpd_consumer *to[];
};

static int fanout_admit(otlpd_consumer *self, const otlpd_batch *b) {
  otlpd_fanout *f = (otlpd_fanout *)self;
  for (size_t i = 0; i < f->n; i++)
    if (otlpd_admit(f->to[i], b) != OTLPD_OK) return OTLPD_ERR_RETRY;
  return OTLPD_OK;
}

/* After a successful admit only a consumer out of memory can still refuse;
 * that one refusal may duplicate into the others on retry, so it is said. */
static int fanout_consume(otlpd_consumer *self, otlpd_batch *b) {
  otlpd_fanout *f = (otlpd_fanout *)self;
  if (fanout_admit(self, b) != OTLPD_OK) return OTLPD_ERR_RETRY;
  int worst = OTLPD_OK;
  size_t took = 0;
  for (size_t i = 0; i < f->n; i++) {
    int rc = otlpd_consume(f->to[i], b);
    if (rc == OTLPD_OK) took++;
    else if (rc == OTLPD_ERR_RETRY || worst == OTLPD_OK) worst = rc;
  }
  if (worst == OTLPD_ERR_RETRY && took)
    otlpd_warn(f->log, "a consumer refused %zu items after admitting them; a retry may duplicate "
               "them in the %zu that took them", b->items, took);
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
  f->base.admit = fanout_admit;
  f->log = &d->log;
  f->n = n;
  memcpy(f->to, to, n * sizeof(*to));
  return &f->base;
}
