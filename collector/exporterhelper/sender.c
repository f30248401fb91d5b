/* The sender: queue intake (consume/admit), FIFO dispatch to at most
 * num_consumers requests, and each request's attempts and retries.
 *
 * A request keeps its consumer slot from its first attempt until it is
 * sent or given up, waiting to retry included (as otelcol's queue
 * consumers do), so a dead backend holds at most num_consumers requests
 * in retry while the rest waits in the queue in order. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "sender_internal.h"

/* Bodies bigger than this are freed when their request finishes instead
 * of being kept for the next one (idle memory is not accounted). */
#define BODY_KEEP_MAX (1u << 20)

static uint64_t now_ms(const otlpd_sender *s) { return uv_now(s->host->loop); }

void sender_update_gauge(otlpd_sender *s) {
  otlpd_gauge_set(&s->host->counters->queue_size, s->storage ? sender_disk_used(s) : s->q.used);
}

/* An empty queue takes any batch, so one bigger than the whole capacity
 * is not refused forever. */
static bool fits(const otlpd_sender *s, uint64_t size) {
  return !s->q.n || s->q.used + size <= (uint64_t)s->cfg->queue.queue_size;
}

void sender_start_request(otlpd_sender *s, otlpd_batch *b) {
  otlpd_send_req *req = &s->slots[s->free_slots[--s->n_free]];
  req->batch = b;
  req->signal = b->signal;
  req->timeout_ns = s->cfg->timeout;
  req->attempt = 0;
  req->retry_delay_ns = 0;
  req->user = NULL;
  req->charged = 0;
  req->first_ms = now_ms(s);
  req->state = REQ_SENDING;
  otlpd_buf_clear(&req->body);
  s->ops->send(s->exporter, req);
}

void sender_pump(otlpd_sender *s) {
  if (s->pumping) return;
  s->pumping = true;
  send_queue_entry e;
  if (s->storage) sender_disk_pump(s);
  while (s->n_free && !s->expired && send_queue_pop(&s->q, &e)) {
    sender_update_gauge(s);
    sender_start_request(s, e.batch); /* the queue's reference moves to the request */
  }
  s->pumping = false;
  sender_check_drained(s);
}

static void finish(otlpd_send_req *req) {
  otlpd_sender *s = req->sender;
  otlpd_memacct_release(s->host->mem, req->charged);
  req->charged = 0;
  if (s->ops->release) s->ops->release(s->exporter, req);
  req->user = NULL;
  if (req->body.cap > BODY_KEEP_MAX) otlpd_buf_free(&req->body);
  if (s->storage) sender_disk_finish(s, req);
  otlpd_batch_unref(req->batch);
  req->batch = NULL;
  req->state = REQ_IDLE;
  s->free_slots[s->n_free++] = (size_t)(req - s->slots);
  sender_pump(s);
}

static void log_failed(otlpd_sender *s, uint64_t items, const char *why, const char *msg) {
  uint64_t total;
  if (!send_ratelimit_hit(&s->fail_log, now_ms(s), items, &total)) return;
  otlpd_error(&s->host->log, "dropped %" PRIu64 " items (%s%s%s); send failures are logged at most every %d s",
              total, why, msg && *msg ? ": " : "", msg ? msg : "", SEND_LOG_WINDOW_MS / 1000);
}

void sender_fail(otlpd_send_req *req, const char *why, const char *msg, bool shutdown) {
  otlpd_sender *s = req->sender;
  size_t items = req->batch->items;
  if (shutdown && s->storage) { /* not lost: it stays on disk */
    sender_disk_keep(s, req);
    finish(req);
    return;
  }
  otlpd_count(&s->host->counters->send_failed[req->signal], items);
  if (shutdown)
    s->shutdown_dropped += items;
  else
    log_failed(s, items, why, msg);
  finish(req);
}

static void on_retry(uv_timer_t *t) {
  otlpd_send_req *req = t->data;
  otlpd_sender *s = req->sender;
  req->state = REQ_SENDING;
  req->attempt++;
  otlpd_count(&s->host->counters->retries, 1);
  s->ops->send(s->exporter, req);
}

static void retry(otlpd_send_req *req, const otlpd_send_result *r) {
  otlpd_sender *s = req->sender;
  if (s->expired || (s->stopping && s->storage)) {
    sender_fail(req, "shutting down", r->message, true);
    return;
  }
  uint64_t now = now_ms(s);
  int64_t elapsed = (int64_t)(now - req->first_ms) * OTLPD_NS_PER_MS;
  int64_t d = otlpd_backoff_next(&s->cfg->retry, req->attempt, elapsed, r->retry_after_ns,
                                 otlpd_rng_unit(&s->rng));
  if (d < 0) {
    sender_fail(req, s->cfg->retry.enabled ? "retries exhausted" : "send failed (retry disabled)",
                r->message, false);
    return;
  }
  uint64_t d_ms = (uint64_t)((d + OTLPD_NS_PER_MS - 1) / OTLPD_NS_PER_MS);
  if (s->stopping && now + d_ms > s->deadline_ms) {
    sender_fail(req, "shutting down", r->message, true);
    return;
  }
  if (!req->timer_init) {
    uv_timer_init(s->host->loop, &req->timer);
    req->timer.data = req;
    req->timer_init = true;
    s->open_handles++;
  }
  otlpd_debug(&s->host->log, "retrying %zu items in %" PRIu64 " ms (attempt %u failed%s%s)",
              req->batch->items, d_ms, req->attempt + 1, r->message ? ": " : "",
              r->message ? r->message : "");
  req->retry_delay_ns = d;
  req->state = REQ_WAITING;
  uv_timer_start(&req->timer, on_retry, d_ms, 0);
}

void otlpd_sender_done(otlpd_send_req *req, const otlpd_send_result *r) {
  otlpd_sender *s = req->sender;
  if (req->state != REQ_SENDING) {
    otlpd_error(&s->host->log, "exporter reported a result for a request not in flight (ignored)");
    return;
  }
  otlpd_counters *c = s->host->counters;
  size_t items = req->batch->items;
  switch (r->status) {
  case OTLPD_SEND_OK:
    otlpd_count(&c->sent[req->signal], items);
    finish(req);
    break;
  case OTLPD_SEND_PARTIAL: {
    size_t rej = r->rejected < items ? r->rejected : items;
    otlpd_count(&c->sent[req->signal], items - rej);
    otlpd_count(&c->send_failed[req->signal], rej);
    if (rej) log_failed(s, rej, "rejected by the backend", r->message);
    finish(req);
    break;
  }
  case OTLPD_SEND_RETRYABLE: retry(req, r); break;
  default: sender_fail(req, "permanent error", r->message, false); break;
  }
}

void otlpd_sender_charge(otlpd_send_req *req, size_t bytes) {
  otlpd_memacct_charge(req->sender->host->mem, bytes);
  req->charged += bytes;
}

static void drop_full(otlpd_sender *s, const otlpd_batch *b) {
  otlpd_count(&s->host->counters->enqueue_failed[b->signal], b->items);
  uint64_t total;
  if (!send_ratelimit_hit(&s->drop_log, now_ms(s), b->items, &total)) return;
  otlpd_warn(&s->host->log,
             "sending queue is full (%" PRIu64 " of %" PRId64 "): dropped %" PRIu64
             " items (logged at most every 10 s; sending_queue::block_on_overflow: true pushes back instead)",
             s->q.used, s->cfg->queue.queue_size, total);
}

/* drop_on_overflow: oldest — give up the oldest waiting batches (not
 * those in flight) until b fits; counted and logged. */
static void drop_oldest(otlpd_sender *s, uint64_t size) {
  uint64_t items = 0;
  send_queue_entry e;
  while (!fits(s, size) && send_queue_pop(&s->q, &e)) {
    items += e.batch->items;
    otlpd_count(&s->host->counters->dropped_oldest[e.batch->signal], e.batch->items);
    otlpd_batch_unref(e.batch);
  }
  sender_log_dropped_oldest(s, items);
}

void sender_log_dropped_oldest(otlpd_sender *s, uint64_t items) {
  uint64_t total;
  if (!items || !send_ratelimit_hit(&s->drop_log, now_ms(s), items, &total)) return;
  otlpd_warn(&s->host->log,
             "sending queue is full: dropped the oldest %" PRIu64
             " items to take newer data (sending_queue::drop_on_overflow: oldest; logged at most every 10 s)",
             total);
}

/* sending_queue.enabled: false — a free consumer slot or a retryable
 * refusal, nothing is held. */
static int send_direct(otlpd_sender *s, otlpd_batch *b) {
  if (!s->n_free) return OTLPD_ERR_RETRY;
  otlpd_batch_ref(b);
  sender_start_request(s, b);
  return OTLPD_OK;
}

static int sender_consume(otlpd_consumer *self, otlpd_batch *b) {
  otlpd_sender *s = (otlpd_sender *)self;
  if (!(s->signals & OTLPD_SIGNAL_BIT(b->signal))) return OTLPD_ERR_PERMANENT;
  if (*s->host->shutting_down) sender_notice_drain(s);
  if (s->expired) { /* past the drain deadline: on disk it is kept for the next start, else dropped */
    if (s->storage && b->n && sender_disk_consume(s, b) == OTLPD_OK) return OTLPD_OK;
    return sender_drop_late(s, b);
  }
  if (s->stopping) return OTLPD_ERR_RETRY;
  if (!b->n) return OTLPD_OK;
  if (s->storage) return sender_disk_consume(s, b);
  if (!s->cfg->queue.enabled) return send_direct(s, b);
  uint64_t size = send_queue_measure(s->cfg->queue.sizer, b);
  if (!fits(s, size)) {
    if (s->cfg->queue.block_on_overflow) return OTLPD_ERR_RETRY;
    if (s->cfg->queue.drop_on_overflow != OTLPD_DROP_OLDEST) {
      drop_full(s, b);
      return OTLPD_OK; /* a dead backend never pushes back into the others */
    }
    drop_oldest(s, size);
  }
  if (send_queue_push(&s->q, b, size) != 0) return -ENOMEM;
  otlpd_batch_ref(b);
  sender_update_gauge(s);
  sender_pump(s);
  return OTLPD_OK;
}

static int sender_admit(otlpd_consumer *self, const otlpd_batch *b) {
  otlpd_sender *s = (otlpd_sender *)self;
  if (*s->host->shutting_down) sender_notice_drain(s);
  if (s->expired) return OTLPD_OK; /* dropped and counted in consume */
  if (s->stopping) return OTLPD_ERR_RETRY;
  if (s->storage) return sender_disk_admit(s, b);
  if (!s->cfg->queue.enabled) return s->n_free ? OTLPD_OK : OTLPD_ERR_RETRY;
  if (!s->cfg->queue.block_on_overflow) return OTLPD_OK;
  return fits(s, send_queue_measure(s->cfg->queue.sizer, b)) ? OTLPD_OK : OTLPD_ERR_RETRY;
}

int otlpd_sender_create(const otlpd_host *host, const otlpd_exphelper_cfg *cfg,
                        const otlpd_sender_ops *ops, void *exporter, unsigned signals,
                        otlpd_sender **out) {
  if (!ops || !ops->send || cfg->queue.num_consumers < 1) return -EINVAL;
  otlpd_sender *s = calloc(1, sizeof(*s));
  if (!s) return -ENOMEM;
  s->n_slots = (size_t)cfg->queue.num_consumers;
  s->slots = calloc(s->n_slots, sizeof(*s->slots));
  s->free_slots = malloc(s->n_slots * sizeof(*s->free_slots));
  if (!s->slots || !s->free_slots) {
    free(s->slots);
    free(s->free_slots);
    free(s);
    return -ENOMEM;
  }
  for (size_t i = 0; i < s->n_slots; i++) {
    s->slots[i].sender = s;
    s->free_slots[i] = s->n_slots - 1 - i; /* slot 0 is taken first */
  }
  s->n_free = s->n_slots;
  if (cfg->queue.enabled && cfg->queue.storage) {
    s->storage = host->storage ? host->storage(host, cfg->queue.storage) : NULL;
    s->dslots = calloc(s->n_slots, sizeof(*s->dslots));
    if (!s->storage || !s->dslots) {
      if (!s->storage)
        otlpd_error(&host->log, "sending_queue::storage: no enabled file_storage extension \"%s\"",
                    cfg->queue.storage);
      int rc = s->storage ? -ENOMEM : -EINVAL;
      free(s->dslots);
      free(s->slots);
      free(s->free_slots);
      free(s);
      return rc;
    }
  }
  s->host = host;
  s->cfg = cfg;
  s->ops = ops;
  s->exporter = exporter;
  s->signals = signals;
  s->base.consume = sender_consume;
  s->base.admit = sender_admit;
  s->base.durable = s->storage != NULL;
  otlpd_rng_seed(&s->rng, uv_hrtime() ^ (uint64_t)(uintptr_t)s);
  otlpd_gauge_set(&host->counters->queue_capacity,
                  cfg->queue.enabled ? (uint64_t)cfg->queue.queue_size : 0);
  otlpd_gauge_set(&host->counters->queue_size, 0);
  *out = s;
  return 0;
}

otlpd_consumer *otlpd_sender_consumer(otlpd_sender *s) { return &s->base; }

size_t otlpd_sender_active(const otlpd_sender *s) { return s->n_slots - s->n_free; }
