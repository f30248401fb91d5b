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

static size_t shard_held(const batch_shard *s) {
  return s->pending->items + (s->refused ? s->refused->items : 0);
}

static size_t held(const batch_proc *bp) {
  size_t n = 0;
  for (size_t i = 0; i < bp->n_shards; i++) n += shard_held(bp->shards[i]);
  return n;
}

static bool shard_holds_any(const batch_shard *s) { return s->refused || s->pending->n; }

static bool holds_any(const batch_proc *bp) {
  for (size_t i = 0; i < bp->n_shards; i++)
    if (shard_holds_any(bp->shards[i])) return true;
  return false;
}

static size_t max_send(const batch_proc *bp) {
  return bp->cfg->send_batch_max_size ? (size_t)bp->cfg->send_batch_max_size : SIZE_MAX;
}

/* Hand out downstream; a refused batch is kept whole and goes first next
 * time, so order is kept and nothing is re-merged. */
static int deliver(batch_shard *s, otlpd_batch *out) {
  batch_proc *bp = s->bp;
  int rc = otlpd_consume(bp->next, out);
  if (rc == OTLPD_ERR_RETRY) {
    s->refused = out;
    bp->refused_downstream++;
    uint64_t max = bp->stopping ? BACKOFF_MAX_STOPPING_MS : BACKOFF_MAX_MS;
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (s->backoff_ms > max) s->backoff_ms = max;
    return rc;
  }
  if (rc == OTLPD_OK) {
    otlpd_count(&bp->host->counters->outgoing[bp->signal], out->items);
    otlpd_count_batch_sent(bp->host->counters, out->items);
  } else {
    otlpd_warn(&bp->host->log, "downstream rejected %zu items as invalid; dropped", out->items);
    otlpd_count(&bp->host->counters->dropped[bp->signal], out->items);
  }
  s->backoff_ms = 0;
  otlpd_batch_unref(out);
  return OTLPD_OK;
}

typedef enum { SEND_OTHER, SEND_SIZE, SEND_TIMEOUT } send_trigger;

/* Send while at least `threshold` items wait; stop at the first refusal.
 * A batch that goes out counts its trigger (otelcol's *_trigger_send). */
static int flush(batch_shard *s, size_t threshold, send_trigger why) {
  otlpd_counters *c = s->bp->host->counters;
  otlpd_counter *trig = why == SEND_SIZE ? &c->batch_size_trigger : why == SEND_TIMEOUT ? &c->batch_timeout_trigger : NULL;
  if (s->refused) {
    otlpd_batch *r = s->refused;
    s->refused = NULL;
    if (deliver(s, r) != OTLPD_OK) return OTLPD_ERR_RETRY;
  }
  while (s->pending->n && s->pending->items >= threshold) {
    otlpd_batch *out = otlpd_batch_take(s->pending, max_send(s->bp));
    if (!out) { /* out of memory: the timer tries again */
      s->backoff_ms = BACKOFF_MAX_MS;
      return OTLPD_ERR_RETRY;
    }
    if (deliver(s, out) != OTLPD_OK) return OTLPD_ERR_RETRY;
    if (trig) otlpd_count(trig, 1);
  }
  return OTLPD_OK;
}

static void on_timeout(uv_timer_t *t);

static void close_timer(batch_shard *s) {
  if (!s->timer_init || s->closed) return;
  s->closed = true;
  uv_close((uv_handle_t *)&s->timer, NULL);
}

/* Timer: the batch's age limit, or the next retry while downstream
 * refuses. While stopping it runs until everything is delivered. */
static void schedule(batch_shard *s) {
  if (!shard_holds_any(s)) {
    if (s->timer_armed) uv_timer_stop(&s->timer);
    s->timer_armed = false;
    if (s->bp->stopping) close_timer(s);
    return;
  }
  if (s->closed || !s->timer_init) return;
  uint64_t due = s->backoff_ms ? s->backoff_ms : (uint64_t)(s->bp->cfg->timeout / OTLPD_NS_PER_MS);
  /* An armed timer that is due sooner stays: new data must not push a
   * batch's age limit or a retry further away. */
  if (s->timer_armed && uv_timer_get_due_in(&s->timer) <= due) return;
  uv_timer_start(&s->timer, on_timeout, due, 0);
  s->timer_armed = true;
}

static void on_timeout(uv_timer_t *t) {
  batch_shard *s = t->data;
  s->timer_armed = false;
  flush(s, 1, SEND_TIMEOUT);
  schedule(s);
}

static bool under_pressure(const otlpd_memacct *m) {
  return m && m->limit && otlpd_memacct_used(m) >= m->limit / 2;
}

static int batch_admit(otlpd_consumer *self, const otlpd_batch *b) {
  const batch_proc *bp = (const batch_proc *)self;
  if (bp->passthrough) return batch_passthrough_admit((batch_proc *)bp, b);
  return held(bp) >= bp->hold_limit ? OTLPD_ERR_RETRY : OTLPD_OK;
}

static void flush_all(batch_proc *bp) {
  for (size_t i = 0; i < bp->n_shards; i++) {
    batch_shard *s = bp->shards[i];
    if (!s->backoff_ms) flush(s, 1, SEND_OTHER);
    schedule(s);
  }
}

/* Each entry goes to the shard of its client's metadata. Entries without
 * items (a resource whose scopes hold no spans, metrics without points)
 * are not kept: nothing would ever send them, and they would pin their
 * request's memory. The shards are found first, so a refusal (past the
 * cardinality limit) keeps nothing. */
static int append_nonempty(batch_proc *bp, const otlpd_batch *src, unsigned char *touched) {
  batch_shard *last = NULL;
  const otlpd_client_info *last_ci = NULL;
  batch_shard **dst = src->n ? calloc(src->n, sizeof(*dst)) : NULL;
  if (src->n && !dst) return -ENOMEM;
  for (size_t i = 0; i < src->n; i++) {
    if (!src->counts[i]) continue;
    const otlpd_client_info *ci = bp->cfg->metadata_keys.n ? otlpd_payload_client(src->owners[i]) : NULL;
    bool full = false;
    dst[i] = last && ci == last_ci ? last : batch_shard_for(bp, ci, &full);
    if (!dst[i]) {
      free(dst);
      return full ? -ENOSPC : -ENOMEM;
    }
    last = dst[i];
    last_ci = ci;
  }
  int rc = 0;
  for (size_t i = 0; i < src->n && rc == 0; i++) /* reserve everywhere first: the adds below cannot fail */
    if (dst[i]) rc = otlpd_batch_reserve(dst[i]->pending, src->n);
  for (size_t i = 0; i < src->n && rc == 0; i++) {
    if (!dst[i]) continue;
    otlpd_batch_add_raw(dst[i]->pending, src->resources[i], src->owners[i], src->counts[i], src->raw[i]);
    touched[dst[i]->index] = 1;
  }
  free(dst);
  return rc;
}

static int batch_consume(otlpd_consumer *self, otlpd_batch *b) {
  batch_proc *bp = (batch_proc *)self;
  if (bp->passthrough) return batch_passthrough_consume(bp, b);
  if (held(bp) >= bp->hold_limit) {
    flush_all(bp); /* maybe downstream has room again */
    if (held(bp) >= bp->hold_limit) return OTLPD_ERR_RETRY;
  }
  /* shards may be added below: room for a mark per shard after that */
  size_t room = bp->n_shards + b->n;
  unsigned char small[64] = {0}, *touched = room <= sizeof(small) ? small : calloc(room, 1);
  if (!touched) return OTLPD_ERR_RETRY;
  int rc = append_nonempty(bp, b, touched);
  if (rc == -ENOSPC) {
    if (bp->over_cardinality++ == 0)
      otlpd_warn(&bp->host->log, "too many metadata value combinations (metadata_cardinality_limit %lld): "
                 "data of new combinations is refused", (long long)bp->cfg->metadata_cardinality_limit);
    if (touched != small) free(touched);
    return OTLPD_ERR_RETRY; /* as otelcol: an error the receiver reports as retryable */
  }
  if (rc) {
    if (touched != small) free(touched);
    return OTLPD_ERR_RETRY;
  }
  otlpd_count(&bp->host->counters->incoming[bp->signal], b->items);
  otlpd_gauge_set(&bp->host->counters->batch_cardinality, bp->n_shards);
  size_t threshold = bp->cfg->send_batch_size ? (size_t)bp->cfg->send_batch_size : SIZE_MAX;
  if (bp->cfg->timeout == 0 || bp->stopping) threshold = 1; /* no batching */
  /* Under memory pressure a smaller batch now beats refusing clients until
   * the timeout: what we hold is most of what the daemon holds. */
  if (under_pressure(bp->host->mem)) threshold = 1;
  for (size_t k = 0; k < bp->n_shards; k++) {
    if (!touched[k]) continue;
    batch_shard *s = bp->shards[k];
    if (!s->backoff_ms) flush(s, threshold, SEND_SIZE); /* else the retry timer is due */
    schedule(s);
  }
  if (touched != small) free(touched);
  return OTLPD_OK; /* accepted: it is ours now, whatever downstream said */
}

static void proc_free(batch_proc *bp) {
  for (size_t i = 0; i < bp->n_shards; i++) batch_shard_free(bp->shards[i]);
  free(bp->shards);
  free(bp);
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
  bp->passthrough = p->durable_downstream;
  bp->shards = calloc(4, sizeof(*bp->shards));
  bp->cap_shards = 4;
  if (!bp->shards || !(bp->shards[0] = batch_shard_new(bp, NULL))) {
    proc_free(bp);
    return -ENOMEM;
  }
  bp->n_shards = 1;
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
  batch_shard *s = bp->shards[0];
  int rc = uv_timer_init(bp->host->loop, &s->timer);
  if (rc < 0) return rc;
  s->timer.data = s;
  s->timer_init = true;
  bp->started = true;
  if (bp->passthrough)
    otlpd_info(&bp->host->log, "an exporter of this pipeline has a persistent queue (sending_queue::storage): "
               "batches pass straight through, so a client's OK means the data is on disk; "
               "the exporter merges queued records when it sends");
  return 0;
}

/* Sends what it holds; what downstream refuses now is retried until it is
 * taken (the daemon's shutdown_timeout ends a drain that cannot finish). */
static void shutdown_(void *state) {
  batch_proc *bp = state;
  bp->stopping = true;
  for (size_t i = 0; i < bp->n_shards; i++) {
    batch_shard *s = bp->shards[i];
    if (s->backoff_ms > BACKOFF_MAX_STOPPING_MS) s->backoff_ms = BACKOFF_MAX_STOPPING_MS;
    if (!s->backoff_ms) flush(s, 1, SEND_OTHER);
  }
  if (holds_any(bp))
    otlpd_info(&bp->host->log, "draining: downstream refuses for now; retrying %zu items", held(bp));
  for (size_t i = 0; i < bp->n_shards; i++) schedule(bp->shards[i]);
}

static bool drained(void *state) { return !holds_any(state); }

static void destroy(void *state) {
  batch_proc *bp = state;
  if (held(bp))
    otlpd_error(&bp->host->log, "%zu items were never delivered downstream; they are lost", held(bp));
  otlpd_count(&bp->host->counters->dropped[bp->signal], held(bp));
  proc_free(bp);
}
const otlpd_factory otlpd_processor_batch = {
    .type = "batch",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = batch_settings,
    .config_size = sizeof(batch_cfg),
    .doc = "groups data into batches by size and time; holds and pushes back when downstream is full",
    .wire_only = otlpd_wire_only_always,
    .validate = batch_validate,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .drained = drained,
    .destroy = destroy,
};
