/* The persistent queue holds the receivers' waits (otlpd/durable.h) of a
 * batch until its record is written: a batch carrying many requests'
 * waits (a batch processor in front, many clients) releases each wait
 * once, with 0 once written or a retryable error when the disk refuses
 * the write; nothing is written synchronously on the loop. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "exporterhelper_fake.h"
#include "otlpd/durable.h"
#include "otlpd/storage.h"

static otlpd_storage g_storage;
static char g_dir[64];

static const otlpd_storage *fake_storage(const otlpd_host *h, const char *id) {
  (void)h;
  return strcmp(id, "file_storage") == 0 ? &g_storage : NULL;
}

static int setup(void **state) {
  (void)state;
  snprintf(g_dir, sizeof(g_dir), "/tmp/otlpd-swait-XXXXXX");
  assert_non_null(mkdtemp(g_dir));
  g_storage = (otlpd_storage){.directory = g_dir, .fsync = true};
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
  (void)state;
  rm_tree(g_dir);
  return 0;
}

#define N_REQ 40

/* One client request's wait, as a receiver keeps it. */
typedef struct req_wait {
  otlpd_durable d;
  int done_calls;
  int err;
} req_wait;

static void on_done(otlpd_durable *d, int err) {
  req_wait *w = (req_wait *)d;
  w->done_calls++;
  w->err = err;
}

/* N_REQ requests of 3 spans each, merged into one batch as a batch
 * processor would; request i's wait is held by its payload during
 * consume(). Returns consume()'s result; each receiver's own hold is
 * released afterwards, as the receivers do. */
static int consume_merged(fixture *fx, req_wait *w, bool interleave) {
  otlpd_batch *all = NULL;
  otlpd_payload *p[N_REQ];
  for (int i = 0; i < N_REQ; i++) {
    w[i] = (req_wait){{1, 0, on_done, NULL}, 0, 0};
    p[i] = fx_traces(interleave ? 2 : 1, 1, 3, &fx->counter, &fx->mem);
    p[i]->durable = &w[i].d;
    otlpd_batch *b = otlpd_batch_from_payload(p[i]);
    assert_non_null(b);
    if (!all) all = b;
    else {
      assert_int_equal(otlpd_batch_append(all, b), 0);
      otlpd_batch_unref(b);
    }
  }
  if (interleave) { /* a request met again after others: its wait appears twice */
    otlpd_batch *again = otlpd_batch_from_payload(p[0]);
    assert_int_equal(otlpd_batch_append(all, again), 0);
    otlpd_batch_unref(again);
  }
  int rc = otlpd_consume(otlpd_sender_consumer(fx->s), all);
  otlpd_batch_unref(all);
  /* every request waits for the write (the writer's outcome reaches the
   * loop only from uv_run): the queue holds each wait, request 0's twice
   * when its data appears twice */
  for (int i = 0; i < N_REQ && rc == OTLPD_OK; i++) assert_int_equal(w[i].d.holds, interleave && i == 0 ? 3 : 2);
  for (int i = 0; i < N_REQ; i++) {
    p[i]->durable = NULL;
    otlpd_payload_unref(p[i]);
    otlpd_durable_release(&w[i].d, 0);
  }
  return rc;
}

static void on_keepalive(uv_timer_t *t) { (void)t; }

/* Run the loop until every request is answered (bounded). The writer's
 * wake-up handle keeps no loop alive (as in the daemon, where the servers
 * do), so a timer does here. */
static void wait_answered(fixture *fx, req_wait *w) {
  uv_timer_t keep;
  uv_timer_init(&fx->loop, &keep);
  uv_timer_start(&keep, on_keepalive, 60000, 0);
  int left = N_REQ;
  for (int tries = 0; tries < 20000 && left; tries++) {
    uv_run(&fx->loop, UV_RUN_NOWAIT);
    left = 0;
    for (int i = 0; i < N_REQ; i++) left += w[i].done_calls == 0;
    if (left) usleep(1000);
  }
  uv_close((uv_handle_t *)&keep, NULL);
  uv_run(&fx->loop, UV_RUN_NOWAIT);
  if (left) fail_msg("%d requests left unanswered", left);
}

static fixture *disk_fx(void) {
  fixture *fx = fx_new();
  fx->host.storage = fake_storage;
  fx->cfg.queue.storage = "file_storage";
  fx->f.mode = FK_LATER;
  fx->f.cancel_answers = true;
  fx_create(fx);
  assert_int_equal(otlpd_sender_start(fx->s), 0);
  return fx;
}

static void disk_close(fixture *fx) {
  otlpd_sender_shutdown(fx->s, fx_on_drained, fx, 1000);
  fx_run(fx);
  assert_true(fx->drained);
  otlpd_sender_free(fx->s);
  if (fx->f.timer_init) uv_close((uv_handle_t *)&fx->f.timer, NULL);
  uv_run(&fx->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&fx->loop), 0);
  assert_int_equal(otlpd_memacct_used(&fx->mem), 0);
  free(fx);
}

static void assert_each_once(const req_wait *w, int err) {
  for (int i = 0; i < N_REQ; i++) {
    assert_int_equal(w[i].done_calls, 1);
    assert_int_equal(w[i].err, err);
    assert_int_equal(w[i].d.holds, 0);
  }
}

/* Many waiting requests in one batch: all wait for the write (none is
 * answered during consume), each is answered once with 0, and every item
 * is delivered once. */
static void test_many_waits_written(void **state) {
  (void)state;
  fixture *fx = disk_fx();
  req_wait w[N_REQ];
  for (int round = 0; round < 3; round++) { /* later rounds reuse the wait's array */
    assert_int_equal(consume_merged(fx, w, round == 2), OTLPD_OK);
    wait_answered(fx, w);
    assert_each_once(w, 0);
  }
  fx_run(fx);
  /* rounds 0, 1: 40 x 3 spans; round 2: 40 x 2 resources x 3 spans, plus request 0 again */
  assert_int_equal(fx->f.n_delivered, 2 * N_REQ * 3 + N_REQ * 6 + 6);
  disk_close(fx);
}

/* The disk refuses the group's write (a file size limit stands for a
 * full disk): every waiting request is answered once, retryably. */
static void test_many_waits_refused(void **state) {
  (void)state;
  fixture *fx = disk_fx();
  req_wait w[N_REQ];
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  lim = old;
  lim.rlim_cur = 64; /* below one record of 120 spans */
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  int rc = consume_merged(fx, w, false);
  if (rc == OTLPD_OK) wait_answered(fx, w);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  assert_int_equal(rc, OTLPD_OK); /* handed to the writer: the refusal comes with the write */
  assert_each_once(w, OTLPD_ERR_RETRY);
  fx_run(fx);
  assert_int_equal(fx->f.n_delivered, 0); /* nothing stored, nothing sent */
  /* the queue works again once the disk takes writes */
  assert_int_equal(consume_merged(fx, w, false), OTLPD_OK);
  wait_answered(fx, w);
  assert_each_once(w, 0);
  fx_run(fx);
  assert_int_equal(fx->f.n_delivered, N_REQ * 3);
  disk_close(fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_many_waits_written, setup, teardown),
      cmocka_unit_test_setup_teardown(test_many_waits_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
