/* hostmetrics receiver lifecycle on a real loop: a scrape runs in the
 * threadpool and reaches the metrics consumer as one batch (accepted
 * points counted); a refusing pipeline drops the scrape and counts its
 * points as refused; over the memory limit nothing is delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostmetrics_fixtures.h"

extern const otlpd_factory otlpd_receiver_hostmetrics;

typedef struct fake_next {
  otlpd_consumer c;
  int answer;
  size_t batches, items, resources;
  void *recv; /* shut down on the first batch so the loop ends */
} fake_next;

static int fake_consume(otlpd_consumer *self, otlpd_batch *b) {
  fake_next *f = (fake_next *)self;
  f->batches++;
  f->items += b->items;
  f->resources += b->n;
  otlpd_receiver_hostmetrics.shutdown(f->recv);
  return f->answer;
}

typedef struct rig {
  uv_loop_t loop;
  otlpd_memacct mem;
  otlpd_counters counters;
  bool stopping;
  otlpd_log_level level;
  otlpd_host host;
  hm_cfg cfg;
  fake_next next;
  void *recv;
} rig;

static void rig_run(rig *r, int answer, size_t mem_limit, size_t mem_used) {
  memset(r, 0, sizeof(*r));
  assert_int_equal(uv_loop_init(&r->loop), 0);
  r->mem.limit = mem_limit;
  atomic_store(&r->mem.used, mem_used);
  r->level = OTLPD_LOG_ERROR;
  r->host = (otlpd_host){.loop = &r->loop, .mem = &r->mem, .log = {"hostmetrics", &r->level},
                         .id = "hostmetrics", .counters = &r->counters, .shutting_down = &r->stopping};
  otlpd_errors errs = {0};
  assert_int_equal(hm_test_config(&r->cfg, "collection_interval: 50ms\ninitial_delay: 0s\n"
                                           "root_path: " HM_FIXTURE "\nscrapers: {memory: , load: }", &errs),
                   0);
  otlpd_errors_free(&errs);
  r->next = (fake_next){.c = {.consume = fake_consume}, .answer = answer};
  otlpd_create_params p = {.host = &r->host, .config = &r->cfg};
  p.next[OTLPD_METRICS] = &r->next.c;
  assert_int_equal(otlpd_receiver_hostmetrics.create(&p, &r->recv), 0);
  r->next.recv = r->recv;
  assert_int_equal(otlpd_receiver_hostmetrics.start(r->recv), 0);
  if (mem_used > mem_limit && mem_limit) {
    /* nothing reaches the consumer: stop after a few ticks */
    for (int i = 0; i < 200 && otlpd_counter_get(&r->counters.refused[OTLPD_METRICS]) == 0; i++)
      uv_run(&r->loop, UV_RUN_ONCE);
    otlpd_receiver_hostmetrics.shutdown(r->recv);
  }
  uv_run(&r->loop, UV_RUN_DEFAULT); /* ends once the timer closed and no scrape is queued */
}

static void rig_end(rig *r) {
  otlpd_receiver_hostmetrics.destroy(r->recv);
  assert_int_equal(uv_loop_close(&r->loop), 0);
  otlpd_settings_free(hm_settings, &r->cfg);
  assert_int_equal(otlpd_memacct_used(&r->mem), 0); /* every payload was freed */
}

static void test_delivers_one_batch(void **st) {
  (void)st;
  rig r;
  rig_run(&r, OTLPD_OK, 0, 0);
  assert_int_equal(r.next.batches, 1);
  assert_int_equal(r.next.resources, 2);   /* memory and load */
  assert_int_equal(r.next.items, 6 + 3);   /* 6 memory states, 3 load averages */
  assert_int_equal(otlpd_counter_get(&r.counters.accepted[OTLPD_METRICS]), 9);
  assert_int_equal(otlpd_counter_get(&r.counters.refused[OTLPD_METRICS]), 0);
  rig_end(&r);
}

static void test_refused_scrape_is_dropped_and_counted(void **st) {
  (void)st;
  rig r;
  rig_run(&r, OTLPD_ERR_RETRY, 0, 0);
  assert_int_equal(r.next.batches, 1);
  assert_int_equal(otlpd_counter_get(&r.counters.accepted[OTLPD_METRICS]), 0);
  assert_int_equal(otlpd_counter_get(&r.counters.refused[OTLPD_METRICS]), 9);
  rig_end(&r);
}

static void test_over_memory_limit_refuses(void **st) {
  (void)st;
  rig r;
  rig_run(&r, OTLPD_OK, 1000, 2000);
  assert_int_equal(r.next.batches, 0);
  assert_true(otlpd_counter_get(&r.counters.refused[OTLPD_METRICS]) >= 9);
  otlpd_memacct_release(&r.mem, 2000); /* what the test charged itself */
  rig_end(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_delivers_one_batch),
      cmocka_unit_test(test_refused_scrape_is_dropped_and_counted),
      cmocka_unit_test(test_over_memory_limit_refuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
