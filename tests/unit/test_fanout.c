/* Fan-out: all or nothing. A retry upstream (the batch processor holding
 * what a fan-out refused) never duplicates into a consumer that took the
 * batch already; each consumer sees every item exactly once, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/daemon.h"
#include "../../collector/processors/batch/batch_processor.h"
#include "batch_fixtures.h"

extern const otlpd_factory otlpd_processor_batch;

typedef struct sink {
  otlpd_consumer base;
  int full;  /* admit/consume refuse while set */
  int seen[4096];
  int n_seen;
} sink;

static int sink_admit(otlpd_consumer *self, const otlpd_batch *b) {
  (void)b;
  return ((sink *)self)->full ? OTLPD_ERR_RETRY : OTLPD_OK;
}

static int sink_consume(otlpd_consumer *self, otlpd_batch *b) {
  sink *s = (sink *)self;
  if (s->full) return OTLPD_ERR_RETRY;
  s->n_seen += fx_span_numbers(b, s->seen + s->n_seen, 4096 - s->n_seen);
  return OTLPD_OK;
}

static void sink_init(sink *s) {
  memset(s, 0, sizeof(*s));
  s->base.consume = sink_consume;
  s->base.admit = sink_admit;
}

static otlpd_batch *spans(int n, int *counter, otlpd_memacct *m) {
  otlpd_payload *p = fx_traces(1, 1, n, counter, m);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

static void test_refusal_delivers_to_none(void **state) {
  (void)state;
  otlpd_daemon d;
  memset(&d, 0, sizeof(d));
  sink a, b;
  sink_init(&a);
  sink_init(&b);
  otlpd_consumer *to[] = {&a.base, &b.base};
  otlpd_consumer *f = otlpd_fanout_new(&d, to, 2);
  int counter = 0;
  otlpd_batch *x = spans(3, &counter, NULL);
  b.full = 1;
  assert_int_equal(otlpd_admit(f, x), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_consume(f, x), OTLPD_ERR_RETRY);
  assert_int_equal(a.n_seen, 0); /* the healthy one did not take it either */
  b.full = 0;
  assert_int_equal(otlpd_consume(f, x), OTLPD_OK);
  assert_int_equal(a.n_seen, 3);
  assert_int_equal(b.n_seen, 3);
  otlpd_batch_unref(x);
  free(d.fanouts[0]);
  free(d.fanouts);
}

/* The case: batch processor -> {healthy, stuck}; the stuck one
 * recovers later. Before, the healthy one got the batch again on every
 * retry (40 requests of 100 spans became 38,000 spans). */
static void test_batch_retry_never_duplicates(void **state) {
  (void)state;
  otlpd_daemon d;
  memset(&d, 0, sizeof(d));
  uv_loop_t loop;
  uv_loop_init(&loop);
  otlpd_memacct mem = {0};
  otlpd_counters counters;
  memset(&counters, 0, sizeof(counters));
  volatile bool stopping = false;
  otlpd_host host = {.loop = &loop, .mem = &mem, .shutting_down = &stopping, .counters = &counters};
  sink healthy, stuck;
  sink_init(&healthy);
  sink_init(&stuck);
  otlpd_consumer *to[] = {&healthy.base, &stuck.base};
  batch_cfg cfg = {.send_batch_size = 100, .send_batch_max_size = 0, .timeout = 5 * OTLPD_NS_PER_MS};
  otlpd_create_params p = {.host = &host, .config = &cfg, .signal = OTLPD_TRACES};
  p.next[OTLPD_TRACES] = otlpd_fanout_new(&d, to, 2);
  void *bp;
  assert_int_equal(otlpd_processor_batch.create(&p, &bp), 0);
  assert_int_equal(otlpd_processor_batch.start(bp), 0);
  otlpd_consumer *in = otlpd_processor_batch.consumer(bp);

  stuck.full = 1;
  int counter = 0, accepted = 0;
  for (int i = 0; i < 40; i++) {
    otlpd_batch *x = spans(100, &counter, &mem);
    if (otlpd_consume(in, x) == OTLPD_OK) accepted += 100;
    else counter -= 100; /* refused: a client would resend these */
    otlpd_batch_unref(x);
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  for (int i = 0; i < 2; i++) uv_run(&loop, UV_RUN_ONCE); /* retries while stuck */
  assert_true(accepted > 0 && accepted < 4000); /* back-pressure reached the client */
  assert_int_equal(healthy.n_seen, 0);
  stuck.full = 0;
  otlpd_processor_batch.shutdown(bp);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(healthy.n_seen, accepted);
  assert_int_equal(stuck.n_seen, accepted);
  for (int i = 0; i < accepted; i++) {
    assert_int_equal(healthy.seen[i], i);
    assert_int_equal(stuck.seen[i], i);
  }
  otlpd_processor_batch.destroy(bp);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(atomic_load(&mem.used), 0);
  free(d.fanouts[0]);
  free(d.fanouts);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusal_delivers_to_none),
      cmocka_unit_test(test_batch_retry_never_duplicates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
