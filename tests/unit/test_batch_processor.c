/* batch processor: sizes, timeout, max size splits, hold-and-retry when
 * downstream refuses, flush at shutdown. Items in = items out, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/processors/batch/batch_processor.h"
#include "batch_fixtures.h"

extern const otlpd_factory otlpd_processor_batch;

typedef struct sink {
  otlpd_consumer base;
  int refuse;           /* answer OTLPD_ERR_RETRY while set */
  int calls;
  size_t sizes[256];
  char tenant[256][16]; /* metadata "tenant" of each batch; "mixed" when its entries disagree */
  int seen[100000];
  int n_seen;
} sink;

static int sink_consume(otlpd_consumer *self, otlpd_batch *b) {
  sink *s = (sink *)self;
  if (s->refuse) return OTLPD_ERR_RETRY;
  if (s->calls < 256) {
    s->sizes[s->calls] = b->items;
    const otlpd_client_info *c0 = b->n ? otlpd_payload_client(b->owners[0]) : NULL;
    const char *t0 = c0 ? otlpd_client_meta(c0, "tenant") : NULL;
    snprintf(s->tenant[s->calls], sizeof(s->tenant[0]), "%s", t0 ? t0 : "-");
    for (size_t i = 1; i < b->n; i++) {
      const otlpd_client_info *ci = otlpd_payload_client(b->owners[i]);
      const char *t = ci ? otlpd_client_meta(ci, "tenant") : NULL;
      if ((t ? t : "-")[0] != s->tenant[s->calls][0] || strcmp(t ? t : "-", s->tenant[s->calls]))
        snprintf(s->tenant[s->calls], sizeof(s->tenant[0]), "mixed");
    }
  }
  s->calls++;
  s->n_seen += fx_span_numbers(b, s->seen + s->n_seen, 100000 - s->n_seen);
  return OTLPD_OK;
}

typedef struct fixture {
  uv_loop_t loop;
  otlpd_memacct mem;
  otlpd_counters counters;
  volatile bool stopping;
  otlpd_host host;
  batch_cfg cfg;
  sink out;
  void *bp;
  otlpd_consumer *in;
  int counter;
} fixture;

static fixture *setup_full(int64_t size, int64_t max, int64_t timeout_ms, otlpd_strings keys, int64_t limit,
                           bool durable) {
  fixture *f = calloc(1, sizeof(*f));
  f->cfg.metadata_keys = keys;
  f->cfg.metadata_cardinality_limit = limit;
  uv_loop_init(&f->loop);
  f->host.loop = &f->loop;
  f->host.mem = &f->mem;
  f->host.shutting_down = &f->stopping;
  f->host.counters = &f->counters;
  f->cfg.send_batch_size = size;
  f->cfg.send_batch_max_size = max;
  f->cfg.timeout = timeout_ms * OTLPD_NS_PER_MS;
  f->out.base.consume = sink_consume;
  otlpd_create_params p = {.host = &f->host, .config = &f->cfg, .signal = OTLPD_TRACES,
                           .durable_downstream = durable};
  p.next[OTLPD_TRACES] = &f->out.base;
  assert_int_equal(otlpd_processor_batch.create(&p, &f->bp), 0);
  assert_int_equal(otlpd_processor_batch.start(f->bp), 0);
  f->in = otlpd_processor_batch.consumer(f->bp);
  return f;
}

static fixture *setup_with(int64_t size, int64_t max, int64_t timeout_ms, otlpd_strings keys, int64_t limit) {
  return setup_full(size, max, timeout_ms, keys, limit, false);
}

static fixture *setup(int64_t size, int64_t max, int64_t timeout_ms) {
  otlpd_strings none = {NULL, 0};
  return setup_with(size, max, timeout_ms, none, 1000);
}

static int send_spans(fixture *f, int n) {
  otlpd_payload *p = fx_traces(1, 1, n, &f->counter, &f->mem);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  int rc = otlpd_consume(f->in, b);
  otlpd_batch_unref(b);
  if (rc != OTLPD_OK) f->counter -= n; /* refused: the client would resend these */
  return rc;
}

/* n spans from a client whose include_metadata kept tenant=t (NULL: no
 * metadata), the client info in the payload's arena as a receiver puts it. */
static int send_tenant(fixture *f, int n, const char *t) {
  otlpd_payload *p = fx_traces(1, 1, n, &f->counter, &f->mem);
  otlpd_client_info *ci = otlpd_arena_calloc(p->arena, sizeof(*ci));
  const char **k = otlpd_arena_calloc(p->arena, sizeof(*k)), **v = otlpd_arena_calloc(p->arena, sizeof(*v));
  k[0] = "tenant";
  v[0] = t;
  ci->keys = k;
  ci->values = v;
  ci->nmeta = t ? 1 : 0;
  ci->addr = "127.0.0.1";
  p->client = ci;
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  int rc = otlpd_consume(f->in, b);
  otlpd_batch_unref(b);
  if (rc != OTLPD_OK) f->counter -= n;
  return rc;
}

static void teardown(fixture *f) {
  otlpd_processor_batch.shutdown(f->bp);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_processor_batch.destroy(f->bp);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_int_equal(atomic_load(&f->mem.used), 0); /* nothing leaked or held */
  free(f);
}

static void assert_in_order(const fixture *f, int total) {
  assert_int_equal(f->out.n_seen, total);
  for (int i = 0; i < total; i++) assert_int_equal(f->out.seen[i], i);
}

static void test_sends_when_size_reached(void **state) {
  (void)state;
  fixture *f = setup(10, 0, 60000);
  assert_int_equal(send_spans(f, 4), OTLPD_OK);
  assert_int_equal(f->out.calls, 0);
  assert_int_equal(send_spans(f, 7), OTLPD_OK);
  assert_int_equal(f->out.calls, 1);
  assert_int_equal(f->out.sizes[0], 11); /* no max: the whole pending batch */
  assert_in_order(f, 11);
  teardown(f);
}

static void test_max_size_splits(void **state) {
  (void)state;
  fixture *f = setup(10, 10, 60000);
  assert_int_equal(send_spans(f, 35), OTLPD_OK);
  assert_int_equal(f->out.calls, 3);
  for (int i = 0; i < 3; i++) assert_int_equal(f->out.sizes[i], 10);
  otlpd_processor_batch.shutdown(f->bp); /* flushes the last 5 */
  assert_int_equal(f->out.calls, 4);
  assert_int_equal(f->out.sizes[3], 5);
  assert_in_order(f, 35);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_processor_batch.destroy(f->bp);
  uv_loop_close(&f->loop);
  assert_int_equal(atomic_load(&f->mem.used), 0);
  free(f);
}

static fixture *setup_keys(int64_t size, int64_t limit) {
  static char *keys[] = {"Tenant"}; /* matched case-insensitively */
  otlpd_strings k = {keys, 1};
  return setup_with(size, 0, 60000, k, limit);
}

/* Each tenant's data is batched apart, each sent on its own size; the
 * batches keep their client info (entry 0 and every other entry). */
static void test_metadata_keys_partition(void **state) {
  (void)state;
  fixture *f = setup_keys(5, 1000);
  assert_int_equal(send_tenant(f, 3, "a"), OTLPD_OK);
  assert_int_equal(send_tenant(f, 2, "b"), OTLPD_OK);
  assert_int_equal(send_tenant(f, 1, NULL), OTLPD_OK);
  assert_int_equal(f->out.calls, 0);
  assert_int_equal(send_tenant(f, 4, "a"), OTLPD_OK); /* a reaches 7 >= 5; b (2) and none (1) wait */
  assert_int_equal(f->out.calls, 1);
  assert_int_equal(f->out.sizes[0], 7);
  assert_string_equal(f->out.tenant[0], "a");
  assert_int_equal(send_tenant(f, 3, "b"), OTLPD_OK); /* b reaches 5 */
  assert_int_equal(f->out.calls, 2);
  assert_int_equal(f->out.sizes[1], 5);
  assert_string_equal(f->out.tenant[1], "b");
  otlpd_processor_batch.shutdown(f->bp); /* the rest: the no-metadata batch alone */
  assert_int_equal(f->out.calls, 3);
  assert_int_equal(f->out.sizes[2], 1);
  assert_string_equal(f->out.tenant[2], "-");
  assert_int_equal(f->out.n_seen, 13);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_processor_batch.destroy(f->bp);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_int_equal(atomic_load(&f->mem.used), 0);
  free(f);
}

/* Past metadata_cardinality_limit new combinations are refused (nothing of
 * them kept); known ones still go through. */
static void test_metadata_cardinality_limit(void **state) {
  (void)state;
  fixture *f = setup_keys(100, 2);
  assert_int_equal(send_tenant(f, 2, "a"), OTLPD_OK);
  assert_int_equal(send_tenant(f, 2, "b"), OTLPD_OK);
  assert_int_equal(send_tenant(f, 2, "c"), OTLPD_ERR_RETRY);
  assert_int_equal(send_tenant(f, 2, NULL), OTLPD_ERR_RETRY); /* "no metadata" is a combination too */
  assert_int_equal(send_tenant(f, 2, "a"), OTLPD_OK);
  otlpd_processor_batch.shutdown(f->bp);
  assert_int_equal(f->out.calls, 2);
  assert_int_equal(f->out.n_seen, 6);
  assert_string_equal(f->out.tenant[0], "a");
  assert_int_equal(f->out.sizes[0], 4);
  assert_string_equal(f->out.tenant[1], "b");
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_processor_batch.destroy(f->bp);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_int_equal(atomic_load(&f->mem.used), 0);
  free(f);
}

static void test_timeout_flushes(void **state) {
  (void)state;
  fixture *f = setup(1000, 0, 20);
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  assert_int_equal(f->out.calls, 0);
  uv_run(&f->loop, UV_RUN_ONCE); /* the timer fires */
  assert_int_equal(f->out.calls, 1);
  assert_in_order(f, 3);
  teardown(f);
}

/* Downstream refuses: nothing is lost, the processor holds what it took,
 * refuses new data past its hold limit (back-pressure) and delivers all of
 * it in order once downstream recovers. */
static void test_holds_and_pushes_back(void **state) {
  (void)state;
  fixture *f = setup(10, 10, 5);
  f->out.refuse = 1;
  int accepted = 0, refused = 0;
  for (int i = 0; i < 10; i++) {
    if (send_spans(f, 5) == OTLPD_OK) accepted += 5;
    else refused++;
  }
  assert_true(refused > 0);   /* back-pressure reached the sender */
  assert_int_equal(accepted, 20); /* hold limit: 2 x 10 */
  assert_int_equal(f->out.n_seen, 0);
  f->out.refuse = 0;
  uv_run(&f->loop, UV_RUN_ONCE); /* retry timer */
  assert_in_order(f, accepted);
  teardown(f);
}

static void test_zero_timeout_passes_through(void **state) {
  (void)state;
  fixture *f = setup(8192, 0, 0);
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  assert_int_equal(f->out.calls, 1);
  assert_in_order(f, 3);
  teardown(f);
}

/* An exporter downstream has a persistent queue: every batch goes
 * through at once, so the client's OK is the queue's; a refusal reaches
 * the client (nothing is held to retry) and admit asks downstream. */
static void test_durable_downstream_passes_through(void **state) {
  (void)state;
  otlpd_strings none = {NULL, 0};
  fixture *f = setup_full(8192, 0, 60000, none, 1000, true);
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  assert_int_equal(send_spans(f, 4), OTLPD_OK);
  assert_int_equal(f->out.calls, 2);
  assert_in_order(f, 7);
  f->out.refuse = 1;
  assert_int_equal(send_spans(f, 5), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_processor_batch.drained(f->bp), true); /* nothing held */
  f->out.refuse = 0;
  assert_int_equal(send_spans(f, 5), OTLPD_OK);
  assert_in_order(f, 12);
  assert_int_equal(otlpd_counter_get(&f->counters.outgoing[OTLPD_TRACES]), 12);
  teardown(f);
}

/* Under memory pressure (half the daemon's limit held) the processor sends
 * what it has at once instead of letting receivers refuse until timeout. */
static void test_memory_pressure_sends_early(void **state) {
  (void)state;
  fixture *f = setup(1000, 0, 60000);
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  assert_int_equal(f->out.calls, 0); /* no limit: waits for size or time */
  f->mem.limit = atomic_load(&f->mem.used) + 1; /* what is held is over half of it */
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  assert_int_equal(f->out.calls, 1);
  assert_in_order(f, 6);
  f->mem.limit = 0;
  teardown(f);
}

/* Resources without items are never held: thousands of them pin no
 * memory, arm no timer, and data after them flows as usual (#16: they used
 * to lock the daemon into 503s for good). */
static void test_empty_resources_not_held(void **state) {
  (void)state;
  fixture *f = setup(1000, 0, 20);
  for (int i = 0; i < 5000; i++) {
    otlpd_payload *p = fx_traces(2, 1, 0, &f->counter, &f->mem);
    otlpd_batch *b = otlpd_batch_from_payload(p);
    otlpd_payload_unref(p);
    assert_int_equal(otlpd_consume(f->in, b), OTLPD_OK);
    otlpd_batch_unref(b);
  }
  assert_int_equal(atomic_load(&f->mem.used), 0);
  batch_proc *bp = f->bp;
  assert_false(bp->shards[0]->timer_armed);
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  uv_run(&f->loop, UV_RUN_ONCE); /* the batch timeout */
  assert_in_order(f, 3);
  teardown(f);
}

/* timeout: 0 with a refusing downstream retries on a backoff, not every
 * millisecond, and delivers once downstream takes it. */
static void test_zero_timeout_refused_backs_off(void **state) {
  (void)state;
  fixture *f = setup(8192, 0, 0);
  f->out.refuse = 1;
  assert_int_equal(send_spans(f, 3), OTLPD_OK);
  batch_proc *bp = f->bp;
  assert_true(bp->shards[0]->timer_armed);
  assert_true(uv_timer_get_due_in(&bp->shards[0]->timer) >= 10);
  assert_int_equal(send_spans(f, 2), OTLPD_OK); /* held, no new attempt */
  assert_int_equal(f->out.calls, 0);
  f->out.refuse = 0;
  uv_run(&f->loop, UV_RUN_ONCE);
  assert_in_order(f, 5);
  teardown(f);
}

/* What downstream refuses while the daemon drains is retried, not lost. */
static void test_refused_at_shutdown_is_retried(void **state) {
  (void)state;
  fixture *f = setup(1000, 0, 60000);
  f->out.refuse = 1;
  assert_int_equal(send_spans(f, 7), OTLPD_OK);
  otlpd_processor_batch.shutdown(f->bp);
  assert_int_equal(f->out.n_seen, 0);
  uv_run(&f->loop, UV_RUN_ONCE); /* still refused: keeps retrying */
  assert_int_equal(f->out.n_seen, 0);
  f->out.refuse = 0;
  uv_run(&f->loop, UV_RUN_DEFAULT); /* ends once delivered */
  assert_in_order(f, 7);
  otlpd_processor_batch.destroy(f->bp);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_int_equal(atomic_load(&f->mem.used), 0);
  free(f);
}

/* admit() tells a fan-out ahead of time whether consume() would refuse. */
static void test_admit_matches_hold_limit(void **state) {
  (void)state;
  fixture *f = setup(10, 10, 60000);
  f->out.refuse = 1;
  otlpd_batch *probe = otlpd_batch_new(OTLPD_TRACES, &f->mem);
  while (otlpd_admit(f->in, probe) == OTLPD_OK) assert_int_equal(send_spans(f, 5), OTLPD_OK);
  assert_int_equal(send_spans(f, 5), OTLPD_ERR_RETRY);
  otlpd_batch_unref(probe);
  f->out.refuse = 0;
  uv_run(&f->loop, UV_RUN_ONCE);
  assert_in_order(f, 20);
  teardown(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sends_when_size_reached),
      cmocka_unit_test(test_max_size_splits),
      cmocka_unit_test(test_timeout_flushes),
      cmocka_unit_test(test_metadata_keys_partition),
      cmocka_unit_test(test_metadata_cardinality_limit),
      cmocka_unit_test(test_holds_and_pushes_back),
      cmocka_unit_test(test_zero_timeout_passes_through),
      cmocka_unit_test(test_memory_pressure_sends_early),
      cmocka_unit_test(test_empty_resources_not_held),
      cmocka_unit_test(test_zero_timeout_refused_backs_off),
      cmocka_unit_test(test_refused_at_shutdown_is_retried),
      cmocka_unit_test(test_admit_matches_hold_limit),
      cmocka_unit_test(test_durable_downstream_passes_through),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
