/* The sender with a persistent queue (sending_queue::storage): data is
 * acknowledged on disk only once its request finished, what a shutdown
 * could not send is kept for the next sender, a full queue refuses
 * retryably instead of dropping, and a permanent failure is not kept. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "exporterhelper_fake.h"
#include "otlpd/storage.h"

static otlpd_storage g_storage; /* what the fake host's storage() hands out; set per test */

static const otlpd_storage *fake_storage(const otlpd_host *h, const char *id) {
  (void)h;
  return strcmp(id, "file_storage") == 0 ? &g_storage : NULL;
}

static char g_dir[64];

static int setup(void **state) {
  snprintf(g_dir, sizeof(g_dir), "/tmp/otlpd-sdisk-XXXXXX");
  assert_non_null(mkdtemp(g_dir));
  g_storage = (otlpd_storage){.directory = g_dir, .fsync = false};
  return 0;
}

static void rm_tree(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    if (unlink(p) != 0) rm_tree(p);
  }
  if (d) closedir(d);
  rmdir(dir);
}

static int teardown(void **state) {
  rm_tree(g_dir);
  return 0;
}

static fixture *disk_fx(fk_mode mode) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->f.mode = mode;
  fx->f.cancel_answers = true;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  return fx;
}

/* Shut down with the given deadline and free, without fx_finish's check
 * that the queue gauge is 0 (kept data stays counted on disk). */
static void disk_close(fixture *fx, uint64_t deadline_ms) {
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, deadline_ms);
  fx_run(fx);
  assert_true(fx->drained);
  assert_int_equal(otlpd_sender_active(fx->s), 0);
  assert_int_equal(fx->f.n_first, fx->f.releases);
  otlpd_sender_free(fx->s);
  if (fx->f.timer_init) uv_close((uv_handle_t *)&fx->f.timer, NULL);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  assert_int_equal(otlpd_memacct_used(&fx->mem), 0);
  free(fx);
}

static void assert_items_once(const fixture *fx, int first, int n) {
  assert_int_equal(fx->f.n_delivered, n);
  char *seen = calloc((size_t)n, 1);
  for (int i = 0; i < n; i++) {
    int k = fx->f.delivered[i] - first;
    assert_true(k >= 0 && k < n);
    assert_int_equal(seen[k], 0);
    seen[k] = 1;
  }
  free(seen);
}

static void test_disk_sends_everything(void **state) {
  fixture *fx = disk_fx(FK_LATER);
  for (int i = 0; i < 20; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 20); /* on disk, none acknowledged */
  fx_run(fx);
  assert_items_once(fx, 0, 100);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 100);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 0);
  fx_assert_balanced(fx);
  disk_close(fx, 1000);
  /* everything was acknowledged: a new sender finds nothing */
  fx = disk_fx(FK_SYNC);
  fx_run(fx);
  assert_int_equal(fx->f.n_delivered, 0);
  disk_close(fx, 1000);
}

/* Backend down: requests in flight and waiting to retry are not
 * acknowledged; shutdown keeps them all, nothing counted as failed; the
 * next sender delivers each item once. */
static void test_disk_shutdown_keeps(void **state) {
  fixture *fx = disk_fx(FK_LATER);
  fx->f.always_retry = true;
  for (int i = 0; i < 10; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  uv_run(&fx->loop, UV_RUN_NOWAIT);
  assert_true(fx->f.calls >= 4);
  disk_close(fx, 0);
  fx = disk_fx(FK_SYNC);
  fx_run(fx);
  assert_items_once(fx, 0, 50);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 0);
  disk_close(fx, 1000);
}

/* A full persistent queue refuses retryably (admit too) and drops
 * nothing; once the backend is back, what was stored goes out. */
static void test_disk_full_refuses(void **state) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->cfg.queue.queue_size = 3;
  fx->cfg.queue.num_consumers = 1;
  fx->f.mode = FK_HOLD;
  fx->f.cancel_answers = true;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  for (int i = 0; i < 3; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_ERR_RETRY);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 0);
  fk_answer_held(&fx->f); /* the first request is sent: room for one more */
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  assert_int_equal(otlpd_counter_get(&fx->counters.sent[OTLPD_TRACES]), 20);
  assert_int_equal(fx->f.n_delivered, 20);
  disk_close(fx, 1000);
}

/* Records queued behind a busy consumer go out merged into one request
 * (read-side batching), each item once, and the request acknowledges
 * all of its records: a new sender finds nothing. */
static void test_disk_merges_records(void **state) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->cfg.queue.num_consumers = 1;
  fx->f.mode = FK_HOLD;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  for (int i = 0; i < 20; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  assert_int_equal(fx->f.calls, 1); /* the first record alone: nothing else was queued yet */
  fk_answer_held(&fx->f);
  assert_int_equal(fx->f.calls, 2); /* the other 19 records in one request */
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 19);
  fk_answer_held(&fx->f);
  assert_items_once(fx, 0, 100);
  assert_int_equal(otlpd_counter_get(&fx->counters.queue_size), 0);
  disk_close(fx, 1000);
  fx = disk_fx(FK_SYNC);
  fx_run(fx);
  assert_int_equal(fx->f.n_delivered, 0);
  disk_close(fx, 1000);
}

/* Merging stops before a request would pass 8192 items. */
static void test_disk_merge_bound(void **state) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->cfg.queue.num_consumers = 1;
  fx->f.mode = FK_HOLD;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  for (int i = 0; i < 4; i++) assert_int_equal(fx_consume_traces(fx, 3000), OTLPD_OK);
  fk_answer_held(&fx->f); /* 1 record, then 2 (6000 items; a third would pass 8192) */
  assert_int_equal(fx->f.calls, 2);
  fk_answer_held(&fx->f);
  assert_int_equal(fx->f.calls, 3);
  fk_answer_held(&fx->f);
  assert_items_once(fx, 0, 12000);
  disk_close(fx, 1000);
}

/* drop_on_overflow: oldest on disk: a full queue acknowledges its oldest
 * unread records unsent (counted) to take the new batch; the record in
 * flight is kept; what remains is delivered once. */
static void test_disk_drops_oldest(void **state) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->cfg.queue.queue_size = 3;
  fx->cfg.queue.num_consumers = 1;
  fx->cfg.queue.drop_on_overflow = OTLPD_DROP_OLDEST;
  fx->f.mode = FK_HOLD;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  for (int i = 0; i < 6; i++) assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  /* record 0 in flight, 1..2 queued; 3, 4, 5 each pushed out the oldest unread */
  assert_int_equal(otlpd_counter_get(&fx->counters.dropped_oldest[OTLPD_TRACES]), 15);
  assert_int_equal(otlpd_counter_get(&fx->counters.enqueue_failed[OTLPD_TRACES]), 0);
  while (fx->f.n_held) fk_answer_held(&fx->f);
  assert_int_equal(fx->f.n_delivered, 15);
  for (int i = 0; i < 5; i++) assert_int_equal(fx->f.delivered[i], i);
  for (int i = 5; i < 15; i++) assert_int_equal(fx->f.delivered[i], 15 + i);
  fx_assert_balanced(fx);
  disk_close(fx, 1000);
}

/* A permanent refusal finishes the request: acknowledged, not resent. */
static void test_disk_permanent_not_kept(void **state) {
  fixture *fx = disk_fx(FK_SYNC);
  fx->f.permanent = true;
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  fx_run(fx);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 5);
  disk_close(fx, 1000);
  fx = disk_fx(FK_SYNC);
  fx_run(fx);
  assert_int_equal(fx->f.n_delivered, 0);
  disk_close(fx, 1000);
}

/* Past the daemon's drain deadline a memory queue drops what processors
 * still flush into it; a persistent one appends it for the next start. */
static void test_disk_late_batches_kept(void **state) {
  fixture *fx = disk_fx(FK_LATER);
  fx->f.always_retry = true;
  fx->stopping = true; /* the daemon drains */
  fx->host.drain_deadline_ms = uv_now(&fx->loop);
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK); /* arms the deadline */
  for (int i = 0; i < 100 && otlpd_sender_active(fx->s); i++) uv_run(&fx->loop, UV_RUN_ONCE);
  assert_int_equal(otlpd_sender_active(fx->s), 0); /* expired: the attempt was cancelled and kept */
  assert_int_equal(fx_consume_traces(fx, 5), OTLPD_OK);
  assert_int_equal(otlpd_counter_get(&fx->counters.send_failed[OTLPD_TRACES]), 0);
  disk_close(fx, 0);
  fx = disk_fx(FK_SYNC);
  fx_run(fx);
  assert_items_once(fx, 0, 10);
  disk_close(fx, 1000);
}

/* An unknown storage id fails create with -EINVAL (config validation
 * catches it first in the daemon). */
static void test_disk_unknown_storage(void **state) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage/nope";
  assert_int_equal(otlpd_sender_create(&fx->host, &fx->cfg, &fx->ops, fx, OTLPD_ALL_SIGNALS, &fx->s), -EINVAL);
  uv_loop_close(&fx->loop);
  free(fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_disk_sends_everything, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_shutdown_keeps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_full_refuses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_permanent_not_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_late_batches_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_unknown_storage, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_merges_records, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_merge_bound, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_drops_oldest, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
