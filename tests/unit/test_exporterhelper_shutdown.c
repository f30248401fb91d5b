/* Exporter helper sender shutdown: refuses new data, drains what is
 * queued and in flight within the deadline, gives up on the rest at the
 * deadline (counted as send_failed), cancels attempts in flight, and
 * leaves no handle behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "exporterhelper_fake.h"

static void test_drains_queue(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.fail_attempts = 1;
  fx_create(fx);
  for (int i = 0; i < 30; i++) assert_int_equal(fx_consume_traces(fx, 4), OTLPD_OK);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 10000);
  /* stops accepting at once */
  assert_int_equal(fx_consume_traces(fx, 4), OTLPD_ERR_RETRY);
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 120);
  assert_int_equal(fx_sum(fx->counters.send_failed), 0);
  assert_int_equal(fx->f.n_delivered, 120);
  int seen[120] = {0};
  for (int i = 0; i < 120; i++) seen[fx->f.delivered[i]]++;
  for (int i = 0; i < 120; i++) assert_int_equal(seen[i], 1); /* each exactly once */
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* No deadline (service::shutdown_timeout: 0): retries go on until the
 * backend takes everything. */
static void test_no_deadline(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.fail_calls = 25;
  fx->cfg.queue.num_consumers = 2;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, OTLPD_SENDER_NO_DEADLINE);
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 25);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 50);
  assert_int_equal(fx_sum(fx->counters.send_failed), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* A backend that never recovers: at the deadline everything left is
 * given up and counted. */
static void test_deadline_drops(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.always_retry = true;
  fx->cfg.queue.num_consumers = 2;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 30);
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(fx_sum(fx->counters.sent), 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 50);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* A stalled backend: at the deadline the attempts in flight are
 * cancelled (the exporter answers through done), nothing is retried. */
static void test_deadline_cancels(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->f.cancel_answers = true;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 5);
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(fx->f.cancels, 4);
  assert_int_equal(fx->f.calls, 4); /* the queued six were never started */
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 20);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* Without ops->cancel the sender waits for the attempt's own answer; a
 * success then still counts as sent. */
static void test_deadline_waits_for_attempt(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->ops.cancel = NULL;
  fx->cfg.queue.num_consumers = 1;
  fx_create(fx);
  for (int i = 0; i < 3; i++) assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 0); /* 0: give up on the queue now */
  uv_run(&fx->loop, UV_RUN_NOWAIT);
  assert_false(fx->drained);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 4);
  fk_answer_held(&fx->f); /* the transport answers (OK) */
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 2);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* A retry due after the deadline is given up at once: the drain does
 * not sit out the whole deadline. */
static void test_late_retry_given_up(void **state) {
  fixture *fx = fx_new();
  fx->f.fail_attempts = 1;
  fx->f.retry_after_ns = 3600LL * OTLPD_NS_PER_SEC;
  fx_create(fx);
  assert_int_equal(fx_consume_traces(fx, 7), OTLPD_OK);
  assert_int_equal(otlpd_sender_active(fx->s), 1); /* waiting an hour */
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 60000);
  fx_run(fx); /* would hang (guard) if it waited for the deadline */
  assert_true(fx->drained);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 7);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

/* The daemon drains and this exporter's backend is dead with
 * block_on_overflow: it refuses admission until the drain deadline, then
 * gives up what it holds and admits and drops (counted) what still comes,
 * so the processor held back by it can drain into the other exporters. */
static void test_drain_deadline_before_shutdown(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->f.cancel_answers = true;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 1;
  fx->cfg.queue.block_on_overflow = true;
  fx_create(fx);
  assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK); /* in flight, held */
  assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK); /* queued */
  assert_int_equal(fx_consume_traces(fx, 3), OTLPD_ERR_RETRY); /* full: pushes back */
  fx->stopping = true; /* SIGTERM */
  fx->host.drain_deadline_ms = uv_now(&fx->loop) + 5;
  assert_int_equal(fx_consume_traces(fx, 3), OTLPD_ERR_RETRY); /* still before the deadline */
  uv_run(&fx->loop, UV_RUN_ONCE); /* the deadline passes */
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 6);
  assert_int_equal(fx_consume_traces(fx, 4), OTLPD_OK); /* admitted and dropped */
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 10);
  assert_int_equal(fx->f.calls, 1); /* nothing else was sent */
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, otlpd_sender_drain_ms(&fx->host));
  fx_run(fx);
  assert_true(fx->drained);
  fx_assert_balanced(fx);
  fx_finish(fx, 0);
}

static void test_idle_shutdown(void **state) {
  fixture *fx = fx_new();
  fx_create(fx);
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 1000);
  assert_false(fx->drained); /* never called synchronously */
  fx_run(fx);
  assert_true(fx->drained);
  otlpd_payload *p = fx_traces(1, 1, 1, &fx->counter, &fx->mem);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  assert_int_equal(otlpd_admit(otlpd_sender_consumer(fx->s), b), OTLPD_ERR_RETRY);
  otlpd_batch_unref(b);
  fx_finish(fx, 0);
}

/* free() without shutdown is fine when nothing was ever consumed. */
static void test_free_unused(void **state) {
  fixture *fx = fx_new();
  fx_create(fx);
  otlpd_sender_free(fx->s);
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  free(fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_drains_queue),
      cmocka_unit_test(test_no_deadline),
      cmocka_unit_test(test_deadline_drops),
      cmocka_unit_test(test_deadline_cancels),
      cmocka_unit_test(test_deadline_waits_for_attempt),
      cmocka_unit_test(test_late_retry_given_up),
      cmocka_unit_test(test_drain_deadline_before_shutdown),
      cmocka_unit_test(test_idle_shutdown),
      cmocka_unit_test(test_free_unused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
