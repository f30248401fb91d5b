/* The on-disk queue (collector/diskqueue): what a restart finds after
 * clean closes, torn writes, damaged bytes and refused writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
  bool mounted; /* a tmpfs of the disk-full test */
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/otlpd-dq-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  f->level = getenv("DQ_LOG") ? OTLPD_LOG_DEBUG : OTLPD_LOG_ERROR + 1; /* quiet: the tests check the counts */
  f->log.component = "dq";
  f->log.level = &f->level;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  if (f->mounted) {
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "umount -l %s", f->dir); /* lazy: a failed test may hold files open */
    if (system(cmd) != 0) fprintf(stderr, "cannot unmount %s\n", f->dir);
  }
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

static otlpd_dq *open_q(fixture *f, int sizer, uint64_t cap, uint64_t seg_max, otlpd_dq_recovery *rec) {
  otlpd_dq_opts o = {.dir = f->dir, .capacity = cap, .sizer = sizer, .segment_max = seg_max, .log = &f->log};
  otlpd_dq *q = NULL;
  otlpd_dq_recovery r;
  assert_int_equal(otlpd_dq_open(&o, &q, rec ? rec : &r), 0);
  return q;
}

/* Record i: "record-<i>" padded with i bytes, so lengths differ. */
static size_t rec_body(int i, char *out) {
  int n = sprintf(out, "record-%d:", i);
  memset(out + n, 'a' + i % 26, (size_t)i);
  return (size_t)n + (size_t)i;
}

static void append(otlpd_dq *q, int i) {
  char b[512];
  size_t n = rec_body(i, b);
  assert_int_equal(otlpd_dq_append(q, (uint8_t *)b, n, (uint32_t)i), 0);
}

/* The next record must be record i; returns its ticket. */
static uint64_t expect_next(fixture *f, otlpd_dq *q, int i) {
  char b[512];
  size_t n = rec_body(i, b);
  uint32_t items;
  uint64_t t;
  assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &t), 1);
  assert_int_equal(f->buf.len, n);
  assert_memory_equal(f->buf.data, b, n);
  assert_int_equal(items, i);
  return t;
}

static void expect_empty(fixture *f, otlpd_dq *q) {
  uint32_t items;
  uint64_t t;
  assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &t), 0);
}

static int count_segments(fixture *f) {
  DIR *d = opendir(f->dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".seg")) n++;
  closedir(d);
  return n;
}

/* The newest (n = 0) or oldest (n = 1) segment's path. */
static void segment_path(fixture *f, bool oldest, char out[512]) {
  DIR *d = opendir(f->dir);
  char best[256] = "";
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".seg")) continue;
    if (!best[0] || (oldest ? strcmp(e->d_name, best) < 0 : strcmp(e->d_name, best) > 0))
      snprintf(best, sizeof(best), "%s", e->d_name);
  }
  closedir(d);
  assert_true(best[0] != 0);
  snprintf(out, 512, "%.255s/%.200s", f->dir, best);
}

static off_t file_size(const char *p) {
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  return st.st_size;
}

static void test_crc32c(void **state) {
  (void)state;
  assert_int_equal(otlpd_crc32c("123456789", 9), 0xE3069283u);
  assert_int_equal(otlpd_crc32c("", 0), 0);
  uint32_t c = otlpd_crc32c_update(otlpd_crc32c("1234", 4), "56789", 5);
  assert_int_equal(c, 0xE3069283u);
}

static void test_round_trip(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  for (int i = 1; i <= 3; i++) append(q, i);
  assert_int_equal(otlpd_dq_records(q), 3);
  assert_int_equal(otlpd_dq_items(q), 6);
  for (int i = 1; i <= 3; i++) assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, i)), 0);
  expect_empty(f, q);
  assert_int_equal(otlpd_dq_records(q), 0);
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 0);
  expect_empty(f, q);
  otlpd_dq_close(q);
}

/* Unacknowledged records come back after a reopen; the position covers
 * only the acknowledged prefix, even when later records were acked. */
static void test_read_position_survives(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  for (int i = 1; i <= 4; i++) append(q, i);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 1)), 0);
  uint64_t t2 = expect_next(f, q, 2);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 3)), 0); /* out of order */
  (void)t2;
  otlpd_dq_close(q); /* as a crash: record 2 never acknowledged */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 3);
  assert_int_equal(rec.items, 2 + 3 + 4);
  for (int i = 2; i <= 4; i++) assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, i)), 0);
  expect_empty(f, q);
  otlpd_dq_close(q);
}

/* peek tells the next record's size without taking it; ack_range
 * acknowledges consecutive tickets at once (a merged request). */
static void test_peek_and_ack_range(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  uint32_t len, items;
  assert_int_equal(otlpd_dq_peek(q, &len, &items), 0);
  for (int i = 1; i <= 4; i++) append(q, i);
  char b[512];
  assert_int_equal(otlpd_dq_peek(q, &len, &items), 1);
  assert_int_equal(len, rec_body(1, b));
  assert_int_equal(items, 1);
  uint64_t t1 = expect_next(f, q, 1); /* peek took nothing */
  expect_next(f, q, 2);
  expect_next(f, q, 3);
  assert_int_equal(otlpd_dq_peek(q, &len, &items), 1);
  assert_int_equal(items, 4);
  assert_int_equal(otlpd_dq_ack_range(q, t1, 3), 0);
  assert_int_equal(otlpd_dq_records(q), 1);
  assert_int_equal(otlpd_dq_items(q), 4);
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 1); /* the position moved over all three */
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 4)), 0);
  expect_empty(f, q);
  otlpd_dq_close(q);
}

static void flip_byte(const char *path, off_t at) {
  int fd = open(path, O_RDWR);
  assert_true(fd >= 0);
  uint8_t b;
  assert_int_equal(pread(fd, &b, 1, at), 1);
  b ^= 0x40;
  assert_int_equal(pwrite(fd, &b, 1, at), 1);
  close(fd);
}

static void test_crc_mismatch_cut(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 1);
  append(q, 2);
  otlpd_dq_close(q);
  char p[512];
  segment_path(f, false, p);
  off_t size = file_size(p);
  flip_byte(p, size - 1); /* last byte of record 2's payload */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 1);
  char b[512];
  assert_int_equal(rec.cut_bytes, OTLPD_DQ_REC_HDR + rec_body(2, b));
  assert_int_equal(file_size(p), size - (off_t)rec.cut_bytes);
  expect_next(f, q, 1);
  expect_empty(f, q);
  otlpd_dq_close(q);
}

static void test_torn_tail_truncated(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 1);
  append(q, 2);
  otlpd_dq_close(q);
  char p[512];
  segment_path(f, false, p);
  off_t size = file_size(p);
  assert_int_equal(truncate(p, size - 5), 0); /* the write of record 2 was torn */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 1);
  char b[512];
  assert_int_equal(rec.cut_bytes, OTLPD_DQ_REC_HDR + rec_body(2, b) - 5);
  append(q, 3); /* appends after the cut are intact */
  expect_next(f, q, 1);
  expect_next(f, q, 3);
  expect_empty(f, q);
  otlpd_dq_close(q);
}

static void test_zero_filled_tail(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 1);
  otlpd_dq_close(q);
  char p[512];
  segment_path(f, false, p);
  off_t size = file_size(p);
  assert_int_equal(truncate(p, size + 4096), 0); /* preallocated, never written */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 1);
  assert_int_equal(rec.cut_bytes, 4096);
  assert_int_equal(file_size(p), size);
  expect_next(f, q, 1);
  otlpd_dq_close(q);
}

/* One record per segment (tiny segment_max): damage in a middle segment
 * loses that segment's record only. */
static void test_corrupt_middle_segment_skipped(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 1, NULL);
  for (int i = 1; i <= 3; i++) append(q, i);
  assert_int_equal(count_segments(f), 3);
  otlpd_dq_close(q);
  char p[512];
  segment_path(f, true, p);
  flip_byte(p, OTLPD_DQ_SEG_HDR + OTLPD_DQ_REC_HDR + 2); /* record 1's payload */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 1, &rec);
  assert_int_equal(rec.records, 2);
  assert_true(rec.skipped_bytes > 0);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 2)), 0);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 3)), 0);
  expect_empty(f, q);
  assert_int_equal(otlpd_dq_records(q), 0);
  otlpd_dq_close(q);
}

static void test_segments_deleted_after_ack(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 1, NULL);
  for (int i = 1; i <= 4; i++) append(q, i);
  assert_int_equal(count_segments(f), 4);
  uint64_t t1 = expect_next(f, q, 1), t2 = expect_next(f, q, 2);
  assert_int_equal(otlpd_dq_ack(q, t2), 0);
  assert_int_equal(count_segments(f), 4); /* record 1 still out */
  assert_int_equal(otlpd_dq_ack(q, t1), 0);
  otlpd_dq_flush(q); /* the writer deletes them once the position is saved */
  assert_int_equal(count_segments(f), 2);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 3)), 0);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 4)), 0);
  otlpd_dq_flush(q);
  assert_int_equal(count_segments(f), 1); /* the one being written stays */
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 1, &rec);
  assert_int_equal(rec.records, 0);
  append(q, 5);
  expect_next(f, q, 5);
  otlpd_dq_close(q);
}

static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n;
}

/* inline_writer (the fuzz target's mode): no thread, and the same files
 * and answers as with the writer thread, across segments, acks and a
 * reopen. */
static void test_inline_writer(void **state) {
  fixture *f = *state;
  otlpd_dq_opts o = {.dir = f->dir, .capacity = 100, .sizer = OTLPD_DQ_REQUESTS, .segment_max = 1,
                     .log = &f->log, .inline_writer = true};
  otlpd_dq *q = NULL;
  otlpd_dq_recovery rec;
  int threads = thread_count();
  assert_int_equal(otlpd_dq_open(&o, &q, &rec), 0);
  assert_int_equal(thread_count(), threads);
  for (int i = 1; i <= 4; i++) append(q, i);
  assert_int_equal(count_segments(f), 4);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 1)), 0);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 2)), 0);
  otlpd_dq_flush(q);
  assert_int_equal(count_segments(f), 2);
  otlpd_dq_close(q);
  assert_int_equal(otlpd_dq_open(&o, &q, &rec), 0);
  assert_int_equal(rec.records, 2);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 3)), 0);
  expect_next(f, q, 4);
  otlpd_dq_close(q);
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 1, &rec); /* and the threaded writer reads what it left */
  assert_int_equal(thread_count(), threads + 1);
  assert_int_equal(rec.records, 1);
  expect_next(f, q, 4);
  otlpd_dq_close(q);
}

static void test_size_bound_refuses(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_ITEMS, 5, 0, NULL);
  append(q, 2);
  append(q, 3);
  assert_false(otlpd_dq_fits(q, 1));
  char b[512];
  size_t n = rec_body(1, b);
  assert_int_equal(otlpd_dq_append(q, (uint8_t *)b, n, 1), -EAGAIN);
  assert_int_equal(otlpd_dq_records(q), 2);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 2)), 0);
  assert_true(otlpd_dq_fits(q, 1));
  append(q, 1);
  expect_next(f, q, 3);
  expect_next(f, q, 1);
  otlpd_dq_close(q);
  /* the bound holds across a restart, and an empty queue takes any record */
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_ITEMS, 5, 0, &rec);
  assert_int_equal(rec.items, 4);
  assert_false(otlpd_dq_fits(q, 2));
  otlpd_dq_close(q);
  teardown(state);
  setup(state);
  f = *state;
  q = open_q(f, OTLPD_DQ_BYTES, 4, 0, NULL);
  append(q, 10);
  assert_false(otlpd_dq_fits(q, 1));
  otlpd_dq_close(q);
}

/* A write the file system refuses (RLIMIT_FSIZE makes write(2) fail with
 * EFBIG, as a full disk fails with ENOSPC): retryable, the partial record
 * is cut off and what was stored reads back intact. */
static void test_refused_write(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 1);
  char p[512];
  segment_path(f, false, p);
  off_t size = file_size(p);
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  lim = old;
  lim.rlim_cur = (rlim_t)size + 10; /* the header fits, the payload does not */
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  char b[512];
  size_t n = rec_body(40, b);
  int rc = otlpd_dq_append(q, (uint8_t *)b, n, 40);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  assert_int_equal(rc, -EAGAIN);
  assert_int_equal(file_size(p), size);
  assert_int_equal(otlpd_dq_records(q), 1);
  append(q, 2); /* space is back */
  otlpd_dq_close(q);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 2);
  assert_int_equal(rec.cut_bytes, 0);
  expect_next(f, q, 1);
  expect_next(f, q, 2);
  otlpd_dq_close(q);
}

/* A damaged read position is ignored: everything present is sent again
 * (at least once) rather than skipped. */
static void test_bad_read_position(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 1);
  append(q, 2);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 1)), 0);
  otlpd_dq_close(q);
  char p[512];
  snprintf(p, sizeof(p), "%s/readpos", f->dir);
  flip_byte(p, 12);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 2);
  expect_next(f, q, 1);
  otlpd_dq_close(q);
}

/* A read position whose segment is gone is corrected at open and written
 * back: a record appended afterwards is not mistaken for an acknowledged
 * one at the next open (found by fuzz_diskqueue). */
static void test_stale_read_position(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  append(q, 30);
  append(q, 31);
  assert_int_equal(otlpd_dq_ack(q, expect_next(f, q, 30)), 0); /* readpos: past record 30 */
  otlpd_dq_close(q);
  DIR *d = opendir(f->dir);
  struct dirent *e;
  while (d && (e = readdir(d))) { /* the segments go, the position stays */
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
    if (strstr(e->d_name, ".seg")) unlink(p);
  }
  if (d) closedir(d);
  otlpd_dq_recovery rec;
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 0);
  append(q, 1);
  otlpd_dq_close(q);
  q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, &rec);
  assert_int_equal(rec.records, 1);
  expect_next(f, q, 1);
  otlpd_dq_close(q);
}

/* A second open of the same directory (another process, in real life)
 * is refused while the first holds it. flock locks belong to the open
 * file description, so this holds within one process too. */
/* A queue that filled its disk itself, then sent everything: the space
 * comes back while it runs (its position moves, its last segment goes),
 * and a restart finds only what came after. Needs a small tmpfs. */
static void test_disk_it_filled_recovers(void **state) {
  fixture *f = *state;
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=256k otlpd-dq-test %s 2>/dev/null", f->dir);
  if (geteuid() != 0 || system(cmd) != 0) skip();
  f->mounted = true;
  uint8_t rec[4000];
  memset(rec, 'r', sizeof(rec));
  otlpd_dq *q = open_q(f, OTLPD_DQ_BYTES, 64u << 20, 64u << 10, NULL);
  int n = 0, rc;
  while ((rc = otlpd_dq_append(q, rec, sizeof(rec), 1)) == 0) n++;
  assert_int_equal(rc, -EAGAIN);
  assert_true(n > 20); /* the disk, not the queue's bound, refused */
  uint32_t items;
  uint64_t ticket;
  for (int i = 0; i < n; i++) {
    assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &ticket), 1);
    assert_int_equal(otlpd_dq_ack(q, ticket), 0);
  }
  assert_int_equal(otlpd_dq_next(q, &f->buf, &items, &ticket), 0);
  /* The disk takes records again: all but the segment last written, which
   * goes at the next acknowledgement after a newer one exists. */
  int m = 0;
  while (otlpd_dq_append(q, rec, sizeof(rec), 1) == 0) m++;
  assert_true(m >= n / 2);
  assert_int_equal(otlpd_dq_records(q), (uint64_t)m);
  otlpd_dq_close(q);
  otlpd_dq_recovery r;
  q = open_q(f, OTLPD_DQ_BYTES, 64u << 20, 64u << 10, &r);
  assert_int_equal(r.records, (uint64_t)m);
  int read = 0;
  while (otlpd_dq_next(q, &f->buf, &items, &ticket) == 1) {
    assert_int_equal(f->buf.len, sizeof(rec));
    read++;
  }
  assert_int_equal(read, m);
  otlpd_dq_close(q);
}

static void test_directory_locked(void **state) {
  fixture *f = *state;
  otlpd_dq *q = open_q(f, OTLPD_DQ_REQUESTS, 100, 0, NULL);
  otlpd_dq_opts o = {.dir = f->dir, .capacity = 100, .log = &f->log};
  otlpd_dq *q2 = NULL;
  otlpd_dq_recovery rec;
  assert_int_equal(otlpd_dq_open(&o, &q2, &rec), -EBUSY);
  otlpd_dq_close(q);
  assert_int_equal(otlpd_dq_open(&o, &q2, &rec), 0);
  otlpd_dq_close(q2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc32c),
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_position_survives, setup, teardown),
      cmocka_unit_test_setup_teardown(test_peek_and_ack_range, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crc_mismatch_cut, setup, teardown),
      cmocka_unit_test_setup_teardown(test_torn_tail_truncated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_zero_filled_tail, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_middle_segment_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_segments_deleted_after_ack, setup, teardown),
      cmocka_unit_test_setup_teardown(test_inline_writer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_size_bound_refuses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_read_position, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_read_position, setup, teardown),
      cmocka_unit_test_setup_teardown(test_directory_locked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_disk_it_filled_recovers, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
