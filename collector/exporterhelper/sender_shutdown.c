/* Sender shutdown: stop accepting, keep sending until the queue and the
 * requests in flight are done or the deadline passes, then give up on
 * the rest (counted and logged), close every handle and report drained. */
#include <inttypes.h>
#include <stdlib.h>

#include "sender_internal.h"

static void handle_closed(uv_handle_t *h) {
  otlpd_sender *s = h->data;
  if (--s->open_handles > 0) return;
  s->drained_called = true;
  if (s->drained) s->drained(s->drained_arg);
}

static void close_handle(otlpd_sender *s, uv_handle_t *h) {
  h->data = s;
  uv_close(h, handle_closed);
}

static void log_totals(otlpd_sender *s) {
  const otlpd_logger *lg = &s->host->log;
  if (s->drop_log.pending)
    otlpd_warn(lg, "sending queue was full: %" PRIu64 " more items dropped since the last report",
               s->drop_log.pending);
  if (s->fail_log.pending)
    otlpd_error(lg, "%" PRIu64 " more items failed to send since the last report",
                s->fail_log.pending);
  if (s->shutdown_dropped)
    otlpd_warn(lg, "dropped %" PRIu64 " items at shutdown (not sent before the deadline)",
               s->shutdown_dropped);
  s->drop_log.pending = s->fail_log.pending = 0;
  if (s->storage) sender_disk_log_kept(s);
}

void sender_check_drained(otlpd_sender *s) {
  if (!s->stopping || s->closing) return;
  if (s->q.n || s->n_free < s->n_slots) return;
  s->closing = true;
  if (s->storage) sender_disk_quiesce(s);
  log_totals(s);
  for (size_t i = 0; i < s->n_slots; i++)
    if (s->slots[i].timer_init) close_handle(s, (uv_handle_t *)&s->slots[i].timer);
  if (s->dq_async_init) close_handle(s, (uv_handle_t *)&s->dq_async);
  close_handle(s, (uv_handle_t *)&s->deadline); /* always open: drained() is never synchronous */
}

/* Give up on what is queued or waiting to retry; attempts in flight are
 * cancelled and end through otlpd_sender_done (no further retry). */
static void expire(otlpd_sender *s) {
  s->expired = true;
  send_queue_entry e;
  while (send_queue_pop(&s->q, &e)) {
    otlpd_count(&s->host->counters->send_failed[e.batch->signal], e.batch->items);
    s->shutdown_dropped += e.batch->items;
    otlpd_batch_unref(e.batch);
  }
  otlpd_gauge_set(&s->host->counters->queue_size, 0);
  for (size_t i = 0; i < s->n_slots; i++) {
    otlpd_send_req *req = &s->slots[i];
    if (req->state == REQ_WAITING) {
      uv_timer_stop(&req->timer);
      sender_fail(req, "shutting down", NULL, true);
    } else if (req->state == REQ_SENDING && s->ops->cancel) {
      s->ops->cancel(s->exporter, req);
    }
  }
  sender_check_drained(s);
}

static void on_deadline(uv_timer_t *t) { expire(t->data); }

/* Retries due after the deadline would be cut anyway: give up now so the
 * drain does not sit out the whole deadline. */
static void drop_late_retries(otlpd_sender *s, uint64_t deadline_ms) {
  for (size_t i = 0; i < s->n_slots; i++) {
    otlpd_send_req *req = &s->slots[i];
    if (req->state == REQ_WAITING && uv_timer_get_due_in(&req->timer) > deadline_ms) {
      uv_timer_stop(&req->timer);
      sender_fail(req, "shutting down", NULL, true);
    }
  }
}

static void deadline_timer_init(otlpd_sender *s) {
  if (s->deadline_init) return;
  uv_timer_init(s->host->loop, &s->deadline);
  s->deadline.data = s;
  s->deadline_init = true;
  s->open_handles++;
}

void sender_notice_drain(otlpd_sender *s) {
  if (s->deadline_init || s->host->drain_deadline_ms == UINT64_MAX) return;
  deadline_timer_init(s);
  uint64_t now = uv_now(s->host->loop), at = s->host->drain_deadline_ms;
  s->deadline_ms = at;
  uv_timer_start(&s->deadline, on_deadline, at > now ? at - now : 0, 0);
}

int sender_drop_late(otlpd_sender *s, const otlpd_batch *b) {
  otlpd_count(&s->host->counters->send_failed[b->signal], b->items);
  s->shutdown_dropped += b->items;
  return OTLPD_OK;
}

uint64_t otlpd_sender_drain_ms(const otlpd_host *host) {
  uint64_t at = host->drain_deadline_ms, now = uv_now(host->loop);
  if (at == UINT64_MAX) return OTLPD_SENDER_NO_DEADLINE;
  return at > now ? at - now : 0;
}

void otlpd_sender_shutdown(otlpd_sender *s, void (*drained)(void *arg), void *arg,
                           uint64_t deadline_ms) {
  if (s->stopping) return;
  s->stopping = true;
  s->drained = drained;
  s->drained_arg = arg;
  bool armed = s->deadline_init;
  deadline_timer_init(s);
  if (s->storage) sender_disk_stop(s); /* may finish the drain at once */
  if (s->closing) return;
  if (s->expired) { /* the drain deadline passed before shutdown */
    sender_check_drained(s);
    return;
  }
  if (armed) { /* the timer already runs to the drain deadline */
    if (deadline_ms != OTLPD_SENDER_NO_DEADLINE) drop_late_retries(s, deadline_ms);
    sender_check_drained(s);
    return;
  }
  if (deadline_ms == 0) {
    s->deadline_ms = uv_now(s->host->loop);
    expire(s);
    return;
  }
  if (deadline_ms == OTLPD_SENDER_NO_DEADLINE) {
    s->deadline_ms = OTLPD_SENDER_NO_DEADLINE;
  } else {
    s->deadline_ms = uv_now(s->host->loop) + deadline_ms;
    uv_timer_start(&s->deadline, on_deadline, deadline_ms, 0);
    drop_late_retries(s, deadline_ms);
  }
  sender_check_drained(s);
}

void otlpd_sender_free(otlpd_sender *s) {
  if (!s) return;
  send_queue_free(&s->q);
  if (s->storage || s->dslots) sender_disk_free(s);
  for (size_t i = 0; i < s->n_slots; i++) {
    if (s->slots[i].batch) otlpd_batch_unref(s->slots[i].batch);
    otlpd_buf_free(&s->slots[i].body);
  }
  free(s->slots);
  free(s->free_slots);
  free(s);
}
