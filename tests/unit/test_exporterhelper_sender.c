/* Exporter helper sender: FIFO dispatch, the num_consumers bound,
 * retries (schedule, server hint, max_elapsed_time), permanent and
 * partial failures, the queue's sizers and overflow behaviour, and the
 * counters: items in = sent + send_failed + enqueue_failed, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "exporterhelper_fake.h"

#define MS OTLPD_NS_PER_MS

static void assert_delivered_in_order(const fixture *fx, int n) {
  assert_int_equal(fx->f.n_delivered, n);
  for (int i = 0; i < n; i++) assert_int_equal(fx->f.delivered[i], i);
}

/* Every item number 0..n-1 delivered exactly once, in any order. */
static void assert_delivered_once(const fixture *fx, int n) {
  assert_int_equal(fx->f.n_delivered, n);
  char *seen = calloc((size_t)n, 1);
  for (int i = 0; i < fx->f.n_delivered; i++) {
    int k = fx->f.delivered[i];
    assert_true(k >= 0 && k < n);
    assert_int_equal(seen[k], 0);
    seen[k] = 1;
  }
  free(seen);
}

static void assert_fifo_dispatch(const fixture *fx) {
  for (int i = 1; i < fx->f.n_first; i++) assert_true(fx->f.first_seen[i] > fx->f.first_seen[i - 1]);
}

static void test_sync_ok(void **state) {
  fixture *fx = fx_new();
  fx->cfg.queue.num_consumers = 3;
  fx_create(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_capacity), 1000);
  for (int i = 0; i < 50; i++) assert_int_equal(fx_consume_traces(fx, 10), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 500);
  assert_int_equal(fx->f.calls, 50);
  assert_int_equal(fx->f.max_in_flight, 1); /* answered during send(): no nesting */
  assert_delivered_in_order(fx, 500);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_consumers_bound(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx_create(fx);
  for (int i = 0; i < 100; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  assert_int_equal(otlpd_sender_active(fx->s), 4);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 96);
  fx_run(fx);
  assert_int_equal(fx->f.max_in_flight, 4);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 500);
  assert_delivered_in_order(fx, 500); /* answered in arrival order */
  assert_fifo_dispatch(fx);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_retry_until_ok(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.fail_attempts = 3;
  fx_create(fx);
  for (int i = 0; i < 20; i++) assert_int_equal(fx_consume_traces(fx, 7), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 80);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 60);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 140);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 0);
  assert_int_equal(fx->f.max_in_flight, 4); /* a retrying request keeps its slot */
  assert_delivered_once(fx, 140);
  assert_fifo_dispatch(fx);
  /* the schedule: 1, 2, 4 ms, each ± 50 % */
  for (int i = 0; i < fx->f.n_delays; i++)
    assert_true(fx->f.delays[i] >= MS / 2 && fx->f.delays[i] <= 6 * MS);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_permanent_not_retried(void **state) {
  fixture *fx = fx_new();
  fx->f.permanent = true;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 10);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 30);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_partial(void **state) {
  fixture *fx = fx_new();
  fx->f.partial = 3;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 10), OTLPD_OK);
  fx->f.partial = 50; /* more than the batch: at most its items */
  assert_int_equal(fx_consume_traces(fx, 10), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 11);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 70);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 40);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_retry_after_hint(void **state) {
  fixture *fx = fx_new();
  /* the schedule alone would wait an hour: only the hint can retry soon */
  fx->cfg.retry.initial_interval = 3600LL * OTLPD_NS_PER_SEC;
  fx->cfg.retry.max_interval = 3600LL * OTLPD_NS_PER_SEC;
  fx->f.fail_attempts = 2;
  fx->f.retry_after_ns = 3 * MS;
  fx_create(fx);
  for (int i = 0; i < 5; i++) assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 10);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 10);
  assert_int_equal(fx->f.n_delays, 10);
  for (int i = 0; i < fx->f.n_delays; i++) assert_int_equal(fx->f.delays[i], 3 * MS);
  assert_delivered_once(fx, 10);
  fx_finish(fx, 1000);
}

static void test_hint_past_max_elapsed(void **state) {
  fixture *fx = fx_new();
  fx->cfg.retry.max_elapsed_time = 50 * MS;
  fx->f.always_retry = true;
  fx->f.retry_after_ns = 3600LL * OTLPD_NS_PER_SEC;
  fx_create(fx);
  for (int i = 0; i < 5; i++) assert_int_equal(fx_consume_traces(fx, 4), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 5); /* given up at once, not after an hour */
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 20);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_max_elapsed_stops(void **state) {
  fixture *fx = fx_new();
  fx->cfg.retry.max_elapsed_time = 20 * MS;
  fx->f.always_retry = true;
  fx->f.mode = FK_LATER;
  fx_create(fx);
  for (int i = 0; i < 6; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  fx_run(fx); /* ends: every request gave up */
  assert_true(otlpd_counter_get(&fx->counters.retries) > 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 30);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_retry_disabled(void **state) {
  fixture *fx = fx_new();
  fx->cfg.retry.enabled = false;
  fx->f.fail_calls = 3;
  fx_create(fx);
  for (int i = 0; i < 5; i++) assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 5);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 6);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 4);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

/* A stalled backend, one consumer and room for 5 requests: the first is
 * in flight, 5 wait, the rest is dropped and counted — consume says OK. */
static void test_full_queue_drops(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 5;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 12);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 5);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_capacity), 5);
  /* the backend comes back: what was queued is all delivered, in order */
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 18);
  assert_delivered_in_order(fx, 18);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

/* drop_on_overflow: oldest — the same stalled backend: each new batch
 * is taken and the oldest waiting one dropped and counted; the request
 * in flight is kept. */
static void test_full_queue_drops_oldest(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 5;
  fx->cfg.queue.drop_on_overflow = OTLPD_DROP_OLDEST;
  fx_create(fx);
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK);
  assert_int_equal(otlpd_counter_get(&fx->counters.dropped_oldest[OTLPD_TRACES]), 12);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 0);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 5);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  /* batch 0 (in flight) and the newest five, 5..9: items 0-2 and 15-29 */
  assert_int_equal(fx->f.n_delivered, 18);
  for (int i = 0; i < 3; i++) assert_int_equal(fx->f.delivered[i], i);
  for (int i = 3; i < 18; i++) assert_int_equal(fx->f.delivered[i], 12 + i);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_full_queue_blocks(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 5;
  fx->cfg.queue.block_on_overflow = true;
  fx_create(fx);
  for (int i = 0; i < 6; i++) assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK);
  otlpd_payload *p = fx_traces(1, 1, 3, &fx->counter, &fx->mem);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  assert_int_equal(otlpd_admit(otlpd_sender_consumer(fx->s), b), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_consume(otlpd_sender_consumer(fx->s), b), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 0);
  /* one answer frees one slot: the refused batch now fits */
  fk_answer_held(&fx->f);
  assert_int_equal(otlpd_admit(otlpd_sender_consumer(fx->s), b), OTLPD_OK);
  assert_int_equal(otlpd_consume(otlpd_sender_consumer(fx->s), b), OTLPD_OK);
  fx->items_in += 3;
  otlpd_batch_unref(b);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 21);
  assert_delivered_in_order(fx, 21);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_sizer_items(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 25;
  fx->cfg.queue.sizer = OTLPD_SIZER_ITEMS;
  fx_create(fx);
  for (int i = 0; i < 4; i++) assert_int_equal(fx_consume_traces(fx, 10), OTLPD_OK);
  /* 10 in flight, 20 queued, 10 more would make 30 > 25 */
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 20);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 10);
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK); /* 25 still fits */
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 25);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 35);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

/* An empty queue takes a batch bigger than its capacity (else it would be
 * refused forever under block_on_overflow). */
static void test_oversized_batch(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 10;
  fx->cfg.queue.sizer = OTLPD_SIZER_ITEMS;
  fx->cfg.queue.block_on_overflow = true;
  fx_create(fx);
  assert_int_equal(fx_consume_traces(fx, 1), OTLPD_OK);  /* in flight */
  assert_int_equal(fx_consume_traces(fx, 50), OTLPD_OK); /* queued alone */
  assert_int_equal(fx_consume_traces(fx, 1), OTLPD_ERR_RETRY);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 51);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

static void test_sizer_bytes(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.sizer = OTLPD_SIZER_BYTES;
  /* the size of one 4-span batch as protobuf (no wire bytes were kept) */
  int c0 = 1000;
  otlpd_payload *p = fx_traces(1, 1, 4, &c0, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  size_t one = protobuf_c_message_get_packed_size(b->resources[0]);
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
  assert_true(one > 0);
  fx->cfg.queue.queue_size = (int64_t)(2 * one);
  fx->counter = 1000; /* same name lengths, so every batch has that size */
  fx_create(fx);
  for (int i = 0; i < 4; i++) assert_int_equal(fx_consume_traces(fx, 4), OTLPD_OK);
  /* one in flight, two fill the queue exactly, the fourth is dropped */
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 2 * one);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 4);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 12);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

/* The backend is down for its first 40 attempts; nothing queued is lost
 * and nothing is delivered twice. */
static void test_backend_comes_back(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.fail_calls = 40;
  fx->cfg.queue.num_consumers = 2;
  fx_create(fx);
  for (int i = 0; i < 200; i++) assert_int_equal(fx_consume_traces(fx, 3), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(fx->f.calls, 240);
  assert_int_equal(otlpd_counter_get(&fx->counters.retries), 40);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 600);
  assert_int_equal(fx_sum(fx->counters.send_failed) + fx_sum(fx->counters.enqueue_failed), 0);
  assert_delivered_once(fx, 600);
  assert_fifo_dispatch(fx);
  assert_true(fx->f.max_in_flight <= 2);
  fx_finish(fx, 1000);
}

/* sending_queue.enabled: false — sent at once while a consumer is free,
 * refused retryably otherwise. */
static void test_queue_disabled(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD;
  fx->cfg.queue.enabled = false;
  fx->cfg.queue.num_consumers = 2;
  fx_create(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_capacity), 0);
  assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  assert_int_equal(fx_consume_traces(fx, 2), OTLPD_ERR_RETRY);
  assert_int_equal(fx->f.n_held, 2);
  fk_answer_held(&fx->f);
  assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 6);
  assert_int_equal(fx_sum(fx->counters.enqueue_failed), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000);
}

/* One sender takes every signal; counters are per signal. */
static void test_signals_and_memory(void **state) {
  fixture *fx = fx_new();
  fx->f.mode = FK_LATER;
  fx->f.charge = 1000;
  fx->f.fail_attempts = 1;
  fx_create(fx);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(fx_consume_traces(fx, 2), OTLPD_OK);
    int c = 0;
    otlpd_payload *p = fx_metrics(3, 1, &c);
    otlpd_batch *b = otlpd_batch_from_payload(p);
    otlpd_payload_unref(p);
    assert_int_equal(otlpd_consume(otlpd_sender_consumer(fx->s), b), OTLPD_OK);
    fx->items_in += 3;
    otlpd_batch_unref(b);
  }
  /* encoded bodies of the requests in flight are charged */
  assert_true(otlpd_memacct_used(&fx->mem) >= 4 * 1000);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 10);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_METRICS]), 15);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_LOGS]), 0);
  fx_assert_balanced(fx);
  fx_finish(fx, 1000); /* checks that every charged byte was given back */
}

static void test_signal_not_wired(void **state) {
  fixture *fx = fx_new();
  assert_int_equal(otlpd_sender_create(&fx->host, &fx->cfg, &fx->ops, fx,
                                       OTLPD_SIGNAL_BIT(OTLPD_METRICS), &fx->s),
                   0);
  assert_int_equal(fx_consume_traces(fx, 2), OTLPD_ERR_PERMANENT);
  fx_finish(fx, 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sync_ok),
      cmocka_unit_test(test_consumers_bound),
      cmocka_unit_test(test_retry_until_ok),
      cmocka_unit_test(test_permanent_not_retried),
      cmocka_unit_test(test_partial),
      cmocka_unit_test(test_retry_after_hint),
      cmocka_unit_test(test_hint_past_max_elapsed),
      cmocka_unit_test(test_max_elapsed_stops),
      cmocka_unit_test(test_retry_disabled),
      cmocka_unit_test(test_full_queue_drops),
      cmocka_unit_test(test_full_queue_blocks),
      cmocka_unit_test(test_full_queue_drops_oldest),
      cmocka_unit_test(test_sizer_items),
      cmocka_unit_test(test_oversized_batch),
      cmocka_unit_test(test_sizer_bytes),
      cmocka_unit_test(test_backend_comes_back),
      cmocka_unit_test(test_queue_disabled),
      cmocka_unit_test(test_signals_and_memory),
      cmocka_unit_test(test_signal_not_wired),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
