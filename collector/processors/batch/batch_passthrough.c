/* The batch processor in front of a persistent queue: holding a batch
 * after the client got its OK would lose it on a crash (the queue never
 * saw it), so each batch is handed downstream at once and the client's
 * answer is downstream's. Batching for the backend happens when the
 * exporter reads its queue (it merges consecutive records). */
#include "batch_processor.h"

int batch_passthrough_admit(batch_proc *bp, const otlpd_batch *b) {
  return otlpd_admit(bp->next, b);
}

int batch_passthrough_consume(batch_proc *bp, otlpd_batch *b) {
  int rc = otlpd_consume(bp->next, b);
  if (rc == OTLPD_ERR_RETRY) {
    bp->refused_downstream++;
    return rc; /* the receiver answers 503 / UNAVAILABLE: the client retries */
  }
  otlpd_count(&bp->host->counters->incoming[bp->signal], b->items);
  if (rc == OTLPD_OK) {
    otlpd_count(&bp->host->counters->outgoing[bp->signal], b->items);
    otlpd_count_batch_sent(bp->host->counters, b->items);
  } else {
    otlpd_count(&bp->host->counters->dropped[bp->signal], b->items);
  }
  return rc;
}
