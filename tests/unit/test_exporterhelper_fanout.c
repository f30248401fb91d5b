/* Exporter isolation through a real fan-out: a healthy exporter and one
 * whose backend is stalled behind its sending queue. The healthy one
 * gets every item exactly once, with block_on_overflow false (the stalled
 * one drops and counts) and true (the fan-out refuses, upstream retries,
 * nothing is duplicated); once the backend comes back, everything its
 * queue held is delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../collector/daemon.h"
#include "exporterhelper_fake.h"

typedef struct healthy {
  otlpd_consumer base;
  int seen[FK_MAX_ITEMS];
  int n_seen;
} healthy;

static int healthy_consume(otlpd_consumer *self, otlpd_batch *b) {
  healthy *h = (healthy *)self;
  h->n_seen += fx_span_numbers(b, h->seen + h->n_seen, FK_MAX_ITEMS - h->n_seen);
  return OTLPD_OK;
}

static void run_fanout(bool block) {
  fixture *fx = fx_new();
  fx->f.mode = FK_HOLD; /* the backend does not answer until told */
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.queue_size = 3;
  fx->cfg.queue.block_on_overflow = block;
  fx_create(fx);
  otlpd_daemon d;
  memset(&d, 0, sizeof(d));
  healthy *h = calloc(1, sizeof(*h));
  h->base.consume = healthy_consume;
  otlpd_consumer *to[] = {&h->base, otlpd_sender_consumer(fx->s)};
  otlpd_consumer *fan = otlpd_fanout_new(&d, to, 2);

  /* the upstream stage: keeps a refused batch and offers it again first */
  otlpd_batch *held = NULL;
  int refusals = 0, made = 0;
  while (made < 20 || held) {
    otlpd_batch *b = held;
    if (!b) {
      made++;
      otlpd_payload *p = fx_traces(1, 1, 5, &fx->counter, &fx->mem);
      b = otlpd_batch_from_payload(p);
      otlpd_payload_unref(p);
    }
    int rc = otlpd_consume(fan, b);
    if (rc == OTLPD_ERR_RETRY) {
      held = b;
      refusals++;
      fk_answer_held(&fx->f); /* the backend answers one request meanwhile */
      continue;
    }
    assert_int_equal(rc, OTLPD_OK);
    fx->items_in += 5;
    held = NULL;
    otlpd_batch_unref(b);
  }
  /* the healthy exporter got all 100 items, each once, in order */
  assert_int_equal(h->n_seen, 100);
  for (int i = 0; i < 100; i++) assert_int_equal(h->seen[i], i);
  if (block) {
    assert_true(refusals > 0);
    assert_int_equal(fx_sum(fx->counters.enqueue_failed), 0);
  } else {
    assert_int_equal(refusals, 0);
    assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 80);
  }
  /* the backend comes back: what the queue held is delivered */
  while (fx->f.n_held) fk_answer_held(&fx->f);
  fx_run(fx);
  if (block) {
    assert_int_equal(fx->f.n_delivered, 100);
    for (int i = 0; i < 100; i++) assert_int_equal(fx->f.delivered[i], i);
  } else {
    assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 20);
  }
  fx_assert_balanced(fx);
  free(d.fanouts[0]);
  free(d.fanouts);
  free(h);
  fx_finish(fx, 1000);
}

static void test_drop_keeps_others_whole(void **state) { run_fanout(false); }
static void test_block_refuses_without_duplicates(void **state) { run_fanout(true); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_drop_keeps_others_whole),
      cmocka_unit_test(test_block_refuses_without_duplicates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
