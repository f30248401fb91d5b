/* A fake network exporter for the sender tests: its send() answers from
 * a policy (OK, retryable while "down", permanent, partial), at once or
 * from a timer, or holds requests until the test releases them. It
 * records what was delivered, in order, so tests check exactly-once and
 * FIFO, and how many attempts were in flight at once. */
#ifndef OTLPD_TEST_EXPORTERHELPER_FAKE_H
#define OTLPD_TEST_EXPORTERHELPER_FAKE_H

#include <stdlib.h>
#include <string.h>

#include "otlpd/exporterhelper.h"
#include "batch_fixtures.h"

#define FK_MAX 4096
#define FK_MAX_ITEMS 100000

typedef enum { FK_SYNC = 0, FK_LATER, FK_HOLD } fk_mode;

typedef struct fk_held {
  otlpd_send_req *req;
  int call; /* 1-based attempt number across all requests */
} fk_held;

typedef struct fake {
  fk_mode mode;
  /* answers */
  int fail_calls;        /* the first N attempts (all requests) are RETRYABLE */
  int fail_attempts;     /* each request's first N attempts are RETRYABLE */
  bool always_retry;     /* every attempt is RETRYABLE */
  bool permanent;        /* every attempt is PERMANENT */
  size_t partial;        /* > 0: PARTIAL with this many rejected */
  int64_t retry_after_ns;
  size_t charge;         /* bytes charged per attempt via otlpd_sender_charge */
  bool cancel_answers;   /* ops->cancel answers RETRYABLE at once */
  /* observations */
  int calls, in_flight, max_in_flight, releases, cancels;
  int first_seen[FK_MAX]; /* first item number of each first attempt, in dispatch order */
  int n_first;
  int delivered[FK_MAX_ITEMS];
  int n_delivered;
  int64_t delays[FK_MAX];  /* retry_delay_ns of every retry attempt */
  int n_delays;
  fk_held held[FK_MAX];
  int n_held;
  uv_timer_t timer;
  bool timer_init;
} fake;

typedef struct fixture {
  uv_loop_t loop;
  otlpd_memacct mem;
  otlpd_counters counters;
  otlpd_log_level level;
  volatile bool stopping;
  otlpd_host host;
  otlpd_exphelper_cfg cfg;
  otlpd_sender_ops ops;
  otlpd_sender *s;
  fake f;
  int counter; /* next item number */
  uint64_t items_in;
  bool drained;
  uv_timer_t guard;
  bool timed_out;
} fixture;

static inline int fk_first_item(const otlpd_batch *b) {
  int n[1] = {-1};
  if (b->signal == OTLPD_TRACES) fx_span_numbers(b, n, 1);
  else fx_point_numbers(b, n, 1);
  return n[0];
}

static inline void fk_record_delivered(fake *f, const otlpd_batch *b) {
  int room = FK_MAX_ITEMS - f->n_delivered;
  f->n_delivered += b->signal == OTLPD_TRACES ? fx_span_numbers(b, f->delivered + f->n_delivered, room)
                                              : fx_point_numbers(b, f->delivered + f->n_delivered, room);
}

static inline void fk_answer(fake *f, otlpd_send_req *req, int call) {
  f->in_flight--;
  otlpd_send_result r = {.status = OTLPD_SEND_OK};
  if (f->permanent) {
    r.status = OTLPD_SEND_PERMANENT;
    r.message = "bad data";
  } else if (f->always_retry || call <= f->fail_calls || (int)req->attempt < f->fail_attempts) {
    r.status = OTLPD_SEND_RETRYABLE;
    r.retry_after_ns = f->retry_after_ns;
    r.message = "unavailable";
  } else if (f->partial) {
    r.status = OTLPD_SEND_PARTIAL;
    r.rejected = f->partial;
    r.message = "some were invalid";
  }
  if (r.status == OTLPD_SEND_OK) fk_record_delivered(f, req->batch);
  otlpd_sender_done(req, &r);
}

static inline void fk_answer_held(fake *f) {
  /* answer in arrival order; answers may queue new holds, so take a snapshot */
  int n = f->n_held;
  fk_held now[FK_MAX];
  memcpy(now, f->held, sizeof(now[0]) * (size_t)n);
  memmove(f->held, f->held + n, sizeof(f->held[0]) * (size_t)(f->n_held - n));
  f->n_held -= n;
  for (int i = 0; i < n; i++) fk_answer(f, now[i].req, now[i].call);
}

static inline void fk_on_timer(uv_timer_t *t) {
  fake *f = t->data;
  fk_answer_held(f);
  if (!f->n_held) uv_timer_stop(t);
}

static inline void fk_send(void *exporter, otlpd_send_req *req) {
  fixture *fx = exporter;
  fake *f = &fx->f;
  f->calls++;
  if (++f->in_flight > f->max_in_flight) f->max_in_flight = f->in_flight;
  if (req->attempt == 0 && f->n_first < FK_MAX) f->first_seen[f->n_first++] = fk_first_item(req->batch);
  if (req->attempt > 0 && f->n_delays < FK_MAX) f->delays[f->n_delays++] = req->retry_delay_ns;
  if (req->attempt == 0) {
    /* per-request state the exporter keeps across retries */
    req->user = malloc(32);
    otlpd_buf_append(&req->body, "encoded", 7);
    if (f->charge) otlpd_sender_charge(req, f->charge);
  }
  if (f->mode == FK_SYNC) {
    fk_answer(f, req, f->calls);
    return;
  }
  f->held[f->n_held++] = (fk_held){req, f->calls};
  if (f->mode == FK_LATER) {
    if (!f->timer_init) {
      uv_timer_init(&fx->loop, &f->timer);
      f->timer.data = f;
      f->timer_init = true;
    }
    if (!uv_is_active((uv_handle_t *)&f->timer)) uv_timer_start(&f->timer, fk_on_timer, 1, 1);
  }
}

static inline void fk_release(void *exporter, otlpd_send_req *req) {
  fixture *fx = exporter;
  fx->f.releases++;
  free(req->user);
}

static inline void fk_cancel(void *exporter, otlpd_send_req *req) {
  fixture *fx = exporter;
  fake *f = &fx->f;
  f->cancels++;
  if (!f->cancel_answers) return;
  for (int i = 0; i < f->n_held; i++)
    if (f->held[i].req == req) {
      memmove(f->held + i, f->held + i + 1, sizeof(f->held[0]) * (size_t)(f->n_held - i - 1));
      f->n_held--;
      break;
    }
  f->in_flight--;
  otlpd_send_result r = {.status = OTLPD_SEND_RETRYABLE, .message = "cancelled"};
  otlpd_sender_done(req, &r);
}

/* Small intervals so retries happen within milliseconds. */
static inline void fx_default_cfg(otlpd_exphelper_cfg *c) {
  *c = (otlpd_exphelper_cfg){
      .timeout = 100 * OTLPD_NS_PER_MS,
      .retry = {.enabled = true,
                .initial_interval = 1 * OTLPD_NS_PER_MS,
                .randomization_factor = 0.5,
                .multiplier = 2,
                .max_interval = 4 * OTLPD_NS_PER_MS,
                .max_elapsed_time = 0},
      .queue = {.enabled = true, .num_consumers = 4, .queue_size = 1000,
                .sizer = OTLPD_SIZER_REQUESTS, .block_on_overflow = false},
  };
}

static inline fixture *fx_new(void) {
  fixture *fx = calloc(1, sizeof(*fx));
  uv_loop_init(&fx->loop);
  fx->level = OTLPD_LOG_ERROR + 1; /* quiet */
  fx->host.loop = &fx->loop;
  fx->host.mem = &fx->mem;
  fx->host.counters = &fx->counters;
  fx->host.shutting_down = &fx->stopping;
  fx->host.drain_deadline_ms = UINT64_MAX;
  fx->host.log = (otlpd_logger){"test/x", &fx->level};
  fx->host.id = "test/x";
  fx->ops = (otlpd_sender_ops){.send = fk_send, .release = fk_release, .cancel = fk_cancel};
  fx_default_cfg(&fx->cfg);
  return fx;
}

static inline void fx_create(fixture *fx) {
  assert_int_equal(otlpd_sender_create(&fx->host, &fx->cfg, &fx->ops, fx, OTLPD_ALL_SIGNALS, &fx->s), 0);
}

/* One batch of `items` spans numbered on from fx->counter; consume()'s
 * result. The test's own reference is dropped after the call. */
static inline int fx_consume_traces(fixture *fx, int items) {
  otlpd_payload *p = fx_traces(1, 1, items, &fx->counter, &fx->mem);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  int admit = otlpd_admit(otlpd_sender_consumer(fx->s), b);
  int rc = otlpd_consume(otlpd_sender_consumer(fx->s), b);
  /* admit's promise: what it admitted, consume does not refuse retryably */
  if (admit == OTLPD_OK) assert_int_not_equal(rc, OTLPD_ERR_RETRY);
  if (rc == OTLPD_ERR_RETRY) assert_int_equal(admit, OTLPD_ERR_RETRY);
  if (rc == OTLPD_OK) fx->items_in += (uint64_t)items;
  otlpd_batch_unref(b);
  return rc;
}

static inline void fx_on_guard(uv_timer_t *t) {
  fixture *fx = t->data;
  fx->timed_out = true;
  uv_stop(&fx->loop);
}

/* Run until nothing is active (bounded: a hang fails the test). */
static inline void fx_run(fixture *fx) {
  uv_timer_init(&fx->loop, &fx->guard);
  fx->guard.data = fx;
  uv_timer_start(&fx->guard, fx_on_guard, 20000, 0);
  uv_unref((uv_handle_t *)&fx->guard);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&fx->guard, NULL);
  uv_run(&fx->loop, UV_RUN_NOWAIT);
  assert_false(fx->timed_out);
}

static inline void fx_on_drained(void *arg) { ((fixture *)arg)->drained = true; }

static inline uint64_t fx_sum(const otlpd_counter *c) {
  return otlpd_counter_get(&c[0]) + otlpd_counter_get(&c[1]) + otlpd_counter_get(&c[2]);
}

/* items in = sent + send_failed + enqueue_failed, exactly. */
static inline void fx_assert_balanced(fixture *fx) {
  uint64_t out = fx_sum(fx->counters.sent) + fx_sum(fx->counters.send_failed);
  assert_int_equal(fx->items_in, out + fx_sum(fx->counters.enqueue_failed) + fx_sum(fx->counters.dropped_oldest));
}

/* Shut down (if not yet), drain, and check nothing is left: no handle,
 * no charged byte, every request released. */
static inline void fx_finish(fixture *fx, uint64_t deadline_ms) {
  if (!fx->drained) {
    otlpd_sender_shutdown(fx->s, fx_on_drained, fx, deadline_ms);
    fx_run(fx);
  }
  assert_true(fx->drained);
  assert_int_equal(otlpd_sender_active(fx->s), 0);
  assert_int_equal(fx->f.n_first, fx->f.releases);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 0);
  otlpd_sender_free(fx->s);
  if (fx->f.timer_init) uv_close((uv_handle_t *)&fx->f.timer, NULL);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(otlpd_memacct_used(&fx->mem), 0);
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  free(fx);
}

#endif
