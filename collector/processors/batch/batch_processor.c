/* batch processor runtime (loop thread only). */
#include <errno.h>
#include <stdlib.h>

#include "batch_processor.h"

/* Deliver up to `limit` items of pending downstream. On refusal the items
 * go back to the front of pending so order is kept and nothing is lost. */
static int send_some(batch_proc *bp, size_t limit) {
  otlpd_batch *out = otlpd_batch_take(bp->pending, limit);
  if (!out) return OTLPD_ERR_RETRY;
  int rc = otlpd_consume(bp->next, out);
  if (rc == OTLPD_OK) {
    otlpd_batch_unref(out);
    return rc;
  }
  if (rc == OTLPD_ERR_PERMANENT) {
    otlpd_warn(&bp->host->log, "downstream rejected %zu items as invalid; dropped", out->items);
    otlpd_batch_unref(out);
    return rc;
  }
  /* put back in front: out + rest of pending */
  if (otlpd_batch_append(out, bp->pending) == 0) {
    otlpd_batch_unref(bp->pending);
    bp->pending = out;
  } else {
    otlpd_error(&bp->host->log, "out of memory re-queueing %zu items; dropped", out->items);
    otlpd_batch_unref(out);
  }
  bp->refused_downstream++;
  return rc;
}

static size_t max_send(const batch_proc *bp) {
  return bp->cfg->send_batch_max_size ? (size_t)bp->cfg->send_batch_max_size : SIZE_MAX;
}

/* Send while at least `threshold` items wait; stop at the first refusal. */
static int flush(batch_proc *bp, size_t threshold) {
  while (bp->pending->items && bp->pending->items >= threshold) {
    int rc = send_some(bp, max_send(bp));
    if (rc == OTLPD_ERR_RETRY) return rc;
  }
  return OTLPD_OK;
}

static void arm_timer(batch_proc *bp);

static bool under_pressure(const otlpd_memacct *m) {
  return m && m->limit && otlpd_memacct_used(m) >= m->limit / 2;
}

static void on_timeout(uv_timer_t *t) {
  batch_proc *bp = t->data;
  bp->timer_armed = false;
  flush(bp, 1);
  if (bp->pending->items) arm_timer(bp); /* downstream refused: retry later */
}

static void arm_timer(batch_proc *bp) {
  if (bp->timer_armed || bp->stopping) return;
  uint64_t ms = (uint64_t)(bp->cfg->timeout / OTLPD_NS_PER_MS);
  uv_timer_start(&bp->timer, on_timeout, ms ? ms : 1, 0);
  bp->timer_armed = true;
}

static int batch_consume(otlpd_consumer *self, otlpd_batch *b) {
  batch_proc *bp = (batch_proc *)self;
  if (bp->pending->items >= bp->hold_limit) {
    flush(bp, 1); /* maybe downstream has room again */
    if (bp->pending->items >= bp->hold_limit) return OTLPD_ERR_RETRY;
  }
  if (otlpd_batch_append(bp->pending, b)) return OTLPD_ERR_RETRY;
  size_t threshold = bp->cfg->send_batch_size ? (size_t)bp->cfg->send_batch_size : SIZE_MAX;
  if (bp->cfg->timeout == 0 || bp->stopping) threshold = 1; /* no batching */
  /* Under memory pressure a smaller batch now beats refusing clients until
   * the timeout: what we hold is most of what the daemon holds. */
  if (under_pressure(bp->host->mem)) threshold = 1;
  flush(bp, threshold);
  if (bp->pending->items) arm_timer(bp);
  else if (bp->timer_armed) {
    uv_timer_stop(&bp->timer);
    bp->timer_armed = false;
  }
  return OTLPD_OK; /* accepted: it is ours now, whatever downstream said */
}

static int create(const otlpd_create_params *p, void **state) {
  batch_proc *bp = calloc(1, sizeof(*bp));
  if (!bp) return -ENOMEM;
  bp->base.consume = batch_consume;
  bp->host = p->host;
  bp->cfg = p->config;
  bp->signal = p->signal;
  bp->next = p->next[p->signal];
  bp->pending = otlpd_batch_new(p->signal, p->host->mem);
  if (!bp->pending) {
    free(bp);
    return -ENOMEM;
  }
  size_t unit = (size_t)(bp->cfg->send_batch_max_size > bp->cfg->send_batch_size
                             ? bp->cfg->send_batch_max_size
                             : bp->cfg->send_batch_size);
  bp->hold_limit = 2 * (unit ? unit : 8192);
  *state = bp;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((batch_proc *)state)->base; }

static int start(void *state) {
  batch_proc *bp = state;
  int rc = uv_timer_init(bp->host->loop, &bp->timer);
  if (rc < 0) return rc;
  bp->timer.data = bp;
  bp->timer_init = true;
  return 0;
}

static void shutdown_(void *state) {
  batch_proc *bp = state;
  bp->stopping = true;
  flush(bp, 1);
  if (bp->pending->items)
    otlpd_error(&bp->host->log, "downstream refused %zu items at shutdown; they are lost",
                bp->pending->items);
  if (bp->timer_init) uv_close((uv_handle_t *)&bp->timer, NULL);
  bp->timer_armed = false;
}

static void destroy(void *state) {
  batch_proc *bp = state;
  otlpd_batch_unref(bp->pending);
  free(bp);
}

const otlpd_factory otlpd_processor_batch = {
    .type = "batch",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = batch_settings,
    .config_size = sizeof(batch_cfg),
    .doc = "groups data into batches by size and time; holds and pushes back when downstream is full",
    .validate = batch_validate,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
