/* The disk queue's writer thread and group commit: records submitted
 * while a group is being written share the next group's one fdatasync,
 * acknowledgements share one read-position save, a refused group tells
 * each record, and what was answered OK is there after a reopen. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diskqueue/diskqueue.h"

typedef struct fixture {
  char dir[256];
  otlpd_log_level level;
  otlpd_logger log;
  otlpd_buf buf;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/otlpd-dqg-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  f->level = getenv("DQ_LOG") ? OTLPD_LOG_DEBUG : OTLPD_LOG_ERROR + 1;
  f->log.component = "dq";
  f->log.level = &f->level;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  DIR *d = opendir(f->dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
    if (e->d_name[0] != '.') unlink(p);
  }
  if (d) closedir(d);
  rmdir(f->dir);
  otlpd_buf_free(&f->buf);
  free(f);
  return 0;
}

static otlpd_dq *open_q(fixture *f, bool fsync, void (*wake)(void *), void *arg, otlpd_dq_recovery *rec) {
  otlpd_dq_opts o = {.dir = f->dir, .fsync = fsync, .capacity = 1000, .sizer = OTLPD_DQ_REQUESTS,
                     .log = &f->log, .wake = wake, .wake_arg = arg};
  otlpd_dq *q = NULL;
  otlpd_dq_recovery r;
  assert_int_equal(otlpd_dq_open(&o, &q, rec ? rec : &r), 0);
  return q;
}

static size_t rec_body(int i, char *out) { return (size_t)sprintf(out, "record-%d", i); }

typedef struct answers {
  int ok, refused, calls;
  int order[128]; /* record numbers in answer order */
} answers;

typedef struct ticket {
  answers *a;
  int i;
} ticket;

static void on_done(void *arg, int rc) {
  ticket *t = arg;
  t->a->order[t->a->calls++] = t->i;
  if (rc == 0) t->a->ok++;
  else if (rc == -EAGAIN) t->a->refused++;
}

static void submit(otlpd_dq *q, ticket *t, answers *a, int i) {
  char b[64];
  size_t n = rec_body(i, b);
  *t = (ticket){a, i};
  assert_int_equal(otlpd_dq_submit(q, (uint8_t *)b, n, 1, on_done, t), 0);
}

static void expect_records(fixture *f, otlpd_dq *q, int from, int to, bool ack) {
  for (int i = from; i <= to; i++) {
    char b[64];
    size_t n = rec_body(i, b);
    uint32_t items;
    uint64_t t;
    assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &t), 1);
    assert_int_equal(f->buf.len, n);
    assert_memory_equal(f->buf.data, b, n);
    if (ack) assert_int_equal(otlpd_dq_ack(q, t), 0);
  }
  uint32_t items;
  uint64_t t;
  assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &t), 0);
}

/* 50 records submitted back to back with fsync: the first goes to the
 * idle writer alone, the 49 that came while it synced go as one group:
 * 2 data syncs (plus the new segment's file and directory sync) instead
 * of 50. 50 acknowledgements likewise save the position twice. */
static void test_group_commit_syncs(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, true, NULL, NULL, NULL);
  answers a = {0};
  ticket t[50];
  for (int i = 0; i < 50; i++) submit(q, &t[i], &a, i + 1);
  assert_int_equal(a.calls, 0); /* nothing is answered before it is written */
  otlpd_dq_flush(q);
  assert_int_equal(a.ok, 50);
  for (int i = 0; i < 50; i++) assert_int_equal(a.order[i], i + 1);
  assert_int_equal(otlpd_dq_syncs(q), 2 + 2); /* segment: file + directory; two groups */
  expect_records(f, q, 1, 50, true);
  otlpd_dq_flush(q);
  assert_int_equal(otlpd_dq_syncs(q), 4 + 2 * 2); /* two position saves: file + directory each */
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, true, NULL, NULL, &rec);
  assert_int_equal(rec.records, 0); /* every acknowledgement was saved */
  otlpd_dq_close(q);
}

/* The same counter, one append at a time: one data sync per record. */
static void test_one_by_one_syncs_each(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, true, NULL, NULL, NULL);
  for (int i = 1; i <= 10; i++) {
    char b[64];
    size_t n = rec_body(i, b);
    assert_int_equal(otlpd_dq_append(q, (uint8_t *)b, n, 1), 0);
  }
  assert_int_equal(otlpd_dq_syncs(q), 2 + 10);
  otlpd_dq_close(q);
}

/* What was answered OK is on disk after a reopen, without fsync too. */
static void test_answered_records_survive(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, false, NULL, NULL, NULL);
  answers a = {0};
  ticket t[100];
  for (int i = 0; i < 100; i++) submit(q, &t[i], &a, i + 1);
  otlpd_dq_flush(q);
  assert_int_equal(a.ok, 100);
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, false, NULL, NULL, &rec);
  assert_int_equal(rec.records, 100);
  expect_records(f, q, 1, 100, false);
  otlpd_dq_close(q);
}

/* The loop's side of the wake-up, as a condition variable. */
typedef struct waker {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int wakes;
} waker;

static void wake(void *arg) {
  waker *w = arg;
  pthread_mutex_lock(&w->mu);
  w->wakes++;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

/* The writer wakes the loop, and poll answers: no call waits. */
static void test_wake_and_poll(void **state) {
  fixture *f = *state;
  waker w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
  otlpd_dq *q = open_q(f, true, wake, &w, NULL);
  answers a = {0};
  ticket t[20];
  for (int i = 0; i < 20; i++) submit(q, &t[i], &a, i + 1);
  int seen = 0;
  while (a.calls < 20) {
    pthread_mutex_lock(&w.mu);
    while (w.wakes == seen) pthread_cond_wait(&w.cv, &w.mu);
    seen = w.wakes;
    pthread_mutex_unlock(&w.mu);
    otlpd_dq_poll(q);
  }
  assert_int_equal(a.ok, 20);
  assert_int_equal(seen, 2); /* two groups */
  expect_records(f, q, 1, 20, true);
  otlpd_dq_close(q);
}

/* A group the file system refuses part of (RLIMIT_FSIZE: EFBIG, as a
 * full disk's ENOSPC): the group is cut back whole and every record in it
 * refused; what an earlier group wrote stays, and the next group works. */
static void test_refused_group(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, true, NULL, NULL, NULL);
  answers a = {0};
  ticket t[21];
  submit(q, &t[0], &a, 1); /* group 1: written */
  otlpd_dq_flush(q);
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  lim = old;
  lim.rlim_cur = 200; /* the segment holds record 1; a few more would fit, not ten */
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  submit(q, &t[1], &a, 2); /* group 2 alone, refused (one write per group) */
  for (int i = 2; i < 11; i++) submit(q, &t[i], &a, i + 1);
  otlpd_dq_flush(q);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  assert_int_equal(a.ok, 2);      /* record 1 and record 2, which fits */
  assert_int_equal(a.refused, 9); /* the group of 3..11 does not */
  assert_int_equal(otlpd_dq_records(q), 2);
  for (int i = 11; i < 21; i++) submit(q, &t[i], &a, i + 1);
  otlpd_dq_flush(q);
  assert_int_equal(a.ok, 12);
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, true, NULL, NULL, &rec);
  assert_int_equal(rec.records, 12);
  assert_int_equal(rec.cut_bytes, 0);
  uint32_t items;
  uint64_t tk;
  for (int i = 1; i <= 21; i++) {
    if (i >= 3 && i <= 11) continue; /* refused */
    char b[64];
    size_t n = rec_body(i, b);
    assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &tk), 1);
    assert_int_equal(f->buf.len, n);
    assert_memory_equal(f->buf.data, b, n);
  }
  assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &tk), 0);
  otlpd_dq_close(q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_group_commit_syncs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_by_one_syncs_each, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answered_records_survive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wake_and_poll, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused_group, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
