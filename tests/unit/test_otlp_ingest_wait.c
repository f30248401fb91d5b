/* The OTLP receiver's counters for a request whose OK waits for durable
 * writes (otlpd/durable.h): its items are counted only once the writes'
 * outcome is known, as accepted or refused; a request nobody holds is
 * counted at once, as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../receivers/otlp/otlp_receiver.h"
#include "otlpd/counters.h"

/* A consumer standing for a persistent queue: holds the wait of each
 * payload it takes (when `durable`), like sender_disk.c. */
typedef struct fake_queue {
  otlpd_consumer base;
  otlpd_durable *held;
  int rc; /* consume()'s answer */
} fake_queue;

static int fq_consume(otlpd_consumer *self, otlpd_batch *b) {
  fake_queue *q = (fake_queue *)self;
  if (q->rc != OTLPD_OK) return q->rc;
  const otlpd_payload *p = b->owners[0];
  while (!p->durable && p->parent) p = p->parent;
  if (q->base.durable && p->durable) {
    q->held = p->durable;
    otlpd_durable_hold(q->held);
  }
  return OTLPD_OK;
}

typedef struct test_ctx {
  otlpd_memacct mem;
  otlpd_counters counters;
  volatile bool stopping;
  otlpd_host host;
  fake_queue q;
  otlp_receiver r;
} test_ctx;

/* A request of n spans in a fresh arena. */
static ProtobufCMessage *spans(otlpd_arena **out, size_t n) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_request *req = otlpd_arena_calloc(a, sizeof(*req));
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(req);
  otlp_resource_spans *rs = otlpd_arena_calloc(a, sizeof(*rs));
  opentelemetry__proto__trace__v1__resource_spans__init(rs);
  otlp_scope_spans *ss = otlpd_arena_calloc(a, sizeof(*ss));
  opentelemetry__proto__trace__v1__scope_spans__init(ss);
  ss->n_spans = n;
  ss->spans = otlpd_arena_calloc(a, sizeof(void *) * n);
  for (size_t i = 0; i < n; i++) {
    ss->spans[i] = otlpd_arena_calloc(a, sizeof(otlp_span));
    opentelemetry__proto__trace__v1__span__init(ss->spans[i]);
    ss->spans[i]->name = "s";
  }
  rs->n_scope_spans = 1;
  rs->scope_spans = otlpd_arena_calloc(a, sizeof(void *));
  rs->scope_spans[0] = ss;
  req->n_resource_spans = 1;
  req->resource_spans = otlpd_arena_calloc(a, sizeof(void *));
  req->resource_spans[0] = rs;
  *out = a;
  return &req->base;
}

static test_ctx *ctx_new(bool durable, int rc) {
  test_ctx *t = calloc(1, sizeof(*t));
  t->host.mem = &t->mem;
  t->host.counters = &t->counters;
  t->host.shutting_down = &t->stopping;
  t->q = (fake_queue){{fq_consume, NULL, durable}, NULL, rc};
  t->r.host = &t->host;
  t->r.next[OTLPD_TRACES] = &t->q.base;
  return t;
}

typedef struct answer {
  otlpd_durable d;
  int calls, err;
  size_t waiting;
  otlpd_counters *counters;
} answer;

/* What a receiver's done does: count, then answer. */
static void on_done(otlpd_durable *d, int err) {
  answer *a = (answer *)d;
  otlp_ingest_settle(a->counters, OTLPD_TRACES, a->waiting, err);
  a->calls++;
  a->err = err;
}

static otlp_ingest_result ingest(test_ctx *t, answer *a, size_t n) {
  *a = (answer){{1, 0, on_done, NULL}, 0, 0, 0, &t->counters};
  otlpd_arena *arena;
  ProtobufCMessage *m = spans(&arena, n);
  otlp_ingest_result res = otlp_ingest_wait(&t->r, OTLPD_TRACES, arena, m, NULL, NULL, &a->d);
  a->waiting = res.waiting;
  otlpd_durable_release(&a->d, 0); /* the receiver's own hold */
  return res;
}

static uint64_t accepted(test_ctx *t) { return otlpd_counter_get(&t->counters.accepted[OTLPD_TRACES]); }
static uint64_t refused(test_ctx *t) { return otlpd_counter_get(&t->counters.refused[OTLPD_TRACES]); }

/* The write is refused after consume() said OK: refused, never accepted. */
static void test_refused_write_counts_refused(void **state) {
  (void)state;
  test_ctx *t = ctx_new(true, OTLPD_OK);
  answer a;
  otlp_ingest_result res = ingest(t, &a, 7);
  assert_int_equal(res.status, OTLP_INGEST_OK);
  assert_int_equal(res.waiting, 7);
  assert_int_equal(a.calls, 0); /* still waiting for the write */
  assert_int_equal(accepted(t) + refused(t), 0);
  otlpd_durable_release(t->q.held, OTLPD_ERR_RETRY);
  assert_int_equal(a.calls, 1);
  assert_int_equal(a.err, OTLPD_ERR_RETRY);
  assert_int_equal(accepted(t), 0);
  assert_int_equal(refused(t), 7);
  free(t);
}

static void test_written_counts_accepted(void **state) {
  (void)state;
  test_ctx *t = ctx_new(true, OTLPD_OK);
  answer a;
  ingest(t, &a, 4);
  assert_int_equal(accepted(t), 0);
  otlpd_durable_release(t->q.held, 0);
  assert_int_equal(a.calls, 1);
  assert_int_equal(accepted(t), 4);
  assert_int_equal(refused(t), 0);
  free(t);
}

/* Nobody holds the wait (no durable exporter), or consume() refused:
 * counted at once, as before. */
static void test_unheld_counted_at_once(void **state) {
  (void)state;
  test_ctx *t = ctx_new(false, OTLPD_OK);
  answer a;
  otlp_ingest_result res = ingest(t, &a, 3);
  assert_int_equal(res.waiting, 0);
  assert_int_equal(a.calls, 1);
  assert_int_equal(accepted(t), 3);
  free(t);
  t = ctx_new(true, OTLPD_ERR_RETRY);
  res = ingest(t, &a, 5);
  assert_int_equal(res.status, OTLP_INGEST_RETRY);
  assert_int_equal(res.waiting, 0);
  assert_int_equal(accepted(t), 0);
  assert_int_equal(refused(t), 5);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_write_counts_refused),
      cmocka_unit_test(test_written_counts_accepted),
      cmocka_unit_test(test_unheld_counted_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
