/* batch processor runtime (loop thread only).
 *
 * Data the processor accepted is its own until downstream takes it: it is
 * held (up to hold_limit items, then upstream is refused) and retried on a
 * timer while downstream refuses, during shutdown too; the daemon's drain
 * deadline bounds that. Downstream fan-outs deliver all or nothing
 * (admit()), so a retry never duplicates into an exporter that took it. */
#include <errno.h>
#include <stdlib.h>

#include "batch_processor.h"

/* Retry delays while downstream refuses: short at first, then at most
 * once a second, instead of spinning (timeout: 0) or waiting a whole
 * batch timeout per attempt. */
#define BACKOFF_FIRST_MS 20
#define BACKOFF_MAX_MS 1000
/* While the daemon drains, exporters may start taking data again at their
 * drain deadline (they then drop what they cannot send): look often. */
#define BACKOFF_MAX_STOPPING_MS 100

static size_t held(const batch_proc *bp) {
  return bp->pending->items + (bp->refused ? bp->refused->items : 0);
}

static bool holds_any(const batch_proc *bp) { return bp->refused || bp->pending->n; }

static size_t max_send(const batch_proc *bp) {
  return bp->cfg->send_batch_max_size ? (size_t)bp->cfg->send_batch_max_size : SIZE_MAX;
}

/* Hand out downstream; a refused batch is kept whole and goes first next
 * time, so order is kept and nothing is re-merged. */
static int deliver(batch_proc *bp, otlpd_batch *out) {
  int rc = otlpd_consume(bp->next, out);
  if (rc == OTLPD_ERR_RETRY) {
    bp->refused = out;
    bp->refused_downstream++;
    uint64_t max = bp->stopping ? BACKOFF_MAX_STOPPING_MS : BACKOFF_MAX_MS;
    bp->backoff_ms = bp->backoff_ms ? bp->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (bp->backoff_ms > max) bp->backoff_ms = max;
    return rc;
  }
  if (rc == OTLPD_OK) {
    otlpd_count(&bp->host->counters->outgoing[bp->signal], out->items);
  } else {
    otlpd_warn(&bp->host->log, "downstream rejected %zu items as invalid; dropped", out->items);
    otlpd_count(&bp->host->counters->dropped[bp->signal], out->items);
  }
  bp->backoff_ms = 0;
  otlpd_batch_unref(out);
  return OTLPD_OK;
}

/* Send while at least `threshold` items wait; stop at the first refusal. */
static int flush(batch_proc *bp, size_t threshold) {
  if (bp->refused) {
    otlpd_batch *r = bp->refused;
    bp->refused = NULL;
    if (deliver(bp, r) != OTLPD_OK) return OTLPD_ERR_RETRY;
  }
  while (bp->pending->n && bp->pending->items >= threshold) {
    otlpd_batch *out = otlpd_batch_take(bp->pending, max_send(bp));
    if (!out) { /* out of memory: the timer tries again */
      bp->backoff_ms = BACKOFF_MAX_MS;
      return OTLPD_ERR_RETRY;
    }
    if (deliver(bp, out) != OTLPD_OK) return OTLPD_ERR_RETRY;
  }
  return OTLPD_OK;
}

static void on_timeout(uv_timer_t *t);

static void close_timer(batch_proc *bp) {
  if (!bp->timer_init || bp->closed) return;
  bp->closed = true;
  uv_close((uv_handle_t *)&bp->timer, NULL);
}

/* Timer: the batch's age limit, or the next retry while downstream
 * refuses. While stopping it runs until everything is delivered. */
static void schedule(batch_proc *bp) {
  if (!holds_any(bp)) {
    if (bp->timer_armed) uv_timer_stop(&bp->timer);
    bp->timer_armed = false;
    if (bp->stopping) close_timer(bp);
    return;
  }
  if (bp->closed) return;
  uint64_t due = bp->backoff_ms ? bp->backoff_ms : (uint64_t)(bp->cfg->timeout / OTLPD_NS_PER_MS);
  /* An armed timer that is due sooner stays: new data must not push a
   * batch's age limit or a retry further away. */
  if (bp->timer_armed && uv_timer_get_due_in(&bp->timer) <= due) return;
  uv_timer_start(&bp->timer, on_timeout, due, 0);
  bp->timer_armed = true;
}

static void on_timeout(uv_timer_t *t) {
  batch_proc *bp = t->data;
  bp->timer_armed = false;
  flush(bp, 1);
  schedule(bp);
}

static bool under_pressure(const otlpd_memacct *m) {
  return m && m->limit && otlpd_memacct_used(m) >= m->limit / 2;
}

static int batch_admit(otlpd_consumer *self, const otlpd_batch *b) {
  const batch_proc *bp = (const batch_proc *)self;
  (void)b;
  return held(bp) >= bp->hold_limit ? OTLPD_ERR_RETRY : OTLPD_OK;
}

/* Entries without items (a resource whose scopes hold no spans, metrics
 * without points) are not kept: nothing would ever send them, and they
 * would pin their request's memory. */
static int append_nonempty(otlpd_batch *dst, const otlpd_batch *src) {
  if (otlpd_batch_reserve(dst, src->n)) return -ENOMEM;
  for (size_t i = 0; i < src->n; i++)
    if (src->counts[i])
      otlpd_batch_add_raw(dst, src->resources[i], src->owners[i], src->counts[i], src->raw[i]);
  return 0;
}

static int batch_consume(otlpd_consumer *self, otlpd_batch *b) {
  batch_proc *bp = (batch_proc *)self;
  if (held(bp) >= bp->hold_limit) {
    flush(bp, 1); /* maybe downstream has room again */
    schedule(bp);
    if (held(bp) >= bp->hold_limit) return OTLPD_ERR_RETRY;
  }
  if (append_nonempty(bp->pending, b)) return OTLPD_ERR_RETRY;
  otlpd_count(&bp->host->counters->incoming[bp->signal], b->items);
  size_t threshold = bp->cfg->send_batch_size ? (size_t)bp->cfg->send_batch_size : SIZE_MAX;
  if (bp->cfg->timeout == 0 || bp->stopping) threshold = 1; /* no batching */
  /* Under memory pressure a smaller batch now beats refusing clients until
   * the timeout: what we hold is most of what the daemon holds. */
  if (under_pressure(bp->host->mem)) threshold = 1;
  if (!bp->backoff_ms) flush(bp, threshold); /* else the retry timer is due */
  schedule(bp);
  return OTLPD_OK; /* accepted: it is ours now, whatever downstream said */
}

static int create(const otlpd_create_params *p, void **state) {
  batch_proc *bp = calloc(1, sizeof(*bp));
  if (!bp) return -ENOMEM;
  bp->base.consume = batch_consume;
  bp->base.admit = batch_admit;
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

/* Sends what it holds; what downstream refuses now is retried until it is
 * taken (the daemon's shutdown_timeout ends a drain that cannot finish). */
static void shutdown_(void *state) {
  batch_proc *bp = state;
  bp->stopping = true;
  if (bp->backoff_ms > BACKOFF_MAX_STOPPING_MS) bp->backoff_ms = BACKOFF_MAX_STOPPING_MS;
  if (!bp->backoff_ms) flush(bp, 1);
  if (holds_any(bp))
    otlpd_info(&bp->host->log, "draining: downstream refuses for now; retrying %zu items", held(bp));
  schedule(bp);
}

static bool drained(void *state) { return !holds_any(state); }

static void destroy(void *state) {
  batch_proc *bp = state;
  if (held(bp))
    otlpd_error(&bp->host->log, "%zu items were never delivered downstream; they are lost", held(bp));
  otlpd_count(&bp->host->counters->dropped[bp->signal], held(bp));
  otlpd_batch_unref(bp->refused);
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
    .drained = drained,
    .destroy = destroy,
};
