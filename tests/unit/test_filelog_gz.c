/* filelog compression: gzip files read by streaming inflate (a member
 * still being written is read as far as it is complete, appended members
 * follow, a rolled-back offset is served again), and logrotate's compress
 * (x.log.1 -> x.log.1.gz) read once: the compressed copy continues where
 * the original was read to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "filelog_fixture.h"
#include "../../receivers/filelog/filelog_gz.h"
#include "../../receivers/filelog/filelog_read.h"

/* One gzip member of text into out; its length. */
static size_t gzip_member(const char *text, uint8_t *out, size_t cap) {
  z_stream z = {0};
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *)text;
  z.avail_in = (uInt)strlen(text);
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = cap - z.avail_out;
  deflateEnd(&z);
  return n;
}

static void append(const char *path, const uint8_t *b, size_t n) {
  FILE *f = fopen(path, "ab");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, n, f), n);
  fclose(f);
}

static void streams_members_as_written(void **st) {
  (void)st;
  char path[] = "/tmp/fl_gz_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  /* a text that does not compress well, so the member spans many blocks */
  static char text[200000];
  uint32_t x = 12345;
  for (size_t i = 0; i + 1 < sizeof(text); i++) {
    x = x * 1103515245u + 12345u;
    text[i] = (i % 80 == 79) ? '\n' : (char)('a' + (x >> 16) % 26);
  }
  static uint8_t gz[260000];
  size_t n = gzip_member(text, gz, sizeof(gz));
  append(path, gz, n / 2); /* half of the member is written */
  fl_gz *g = fl_gz_new();
  static char buf[300000];
  size_t got;
  bool drained;
  uint64_t end;
  assert_int_equal(fl_gz_read(g, fd, 0, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_true(drained);
  assert_true(got > 0 && got < strlen(text)); /* as far as it is complete */
  assert_memory_equal(buf, text, got);
  assert_false(fl_gz_finished(g, got, n / 2));
  /* rolled back: the same bytes again */
  size_t first = got;
  assert_int_equal(fl_gz_read(g, fd, 0, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_int_equal(got, first);
  assert_memory_equal(buf, text, got);
  /* the rest of the member, then a second member appended */
  append(path, gz + n / 2, n - n / 2);
  assert_int_equal(fl_gz_read(g, fd, 100, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_int_equal(100 + got, strlen(text));
  assert_memory_equal(buf, text + 100, got);
  assert_true(fl_gz_finished(g, end, (uint64_t)n));
  uint8_t m2[256];
  size_t n2 = gzip_member("second member\n", m2, sizeof(m2));
  append(path, m2, n2);
  assert_false(fl_gz_idle(g, end, (uint64_t)(n + n2)));
  assert_int_equal(fl_gz_read(g, fd, end, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_int_equal(got, 14);
  assert_memory_equal(buf, "second member\n", 14);
  assert_true(fl_gz_idle(g, end, (uint64_t)(n + n2)));
  /* a reader that starts at a remembered offset skips to it */
  fl_gz *h = fl_gz_new();
  assert_int_equal(fl_gz_read(h, fd, strlen(text) - 5, buf, 64, &got, &drained, &end), 0);
  assert_int_equal(got, 5 + 14);
  assert_memory_equal(buf, text + strlen(text) - 5, 5);
  uint64_t size = 0;
  assert_int_equal(fl_gz_size(fd, &size), 0);
  assert_int_equal(size, strlen(text) + 14);
  fl_gz_free(h);
  fl_gz_free(g);
  close(fd);
  unlink(path);
}

static void not_gzip_is_left_alone(void **st) {
  (void)st;
  char path[] = "/tmp/fl_gz_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  append(path, (const uint8_t *)"plain text\n", 11);
  fl_gz *g = fl_gz_new();
  char buf[64];
  size_t got;
  bool drained;
  uint64_t end;
  assert_int_equal(fl_gz_read(g, fd, 0, buf, sizeof(buf), &got, &drained, &end), -EBADMSG);
  assert_true(fl_gz_finished(g, 0, 11));
  fl_gz_free(g);
  close(fd);
  unlink(path);
}

static void garbage_after_a_member(void **st) {
  (void)st;
  char path[] = "/tmp/fl_gz_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  uint8_t gz[256];
  size_t n = gzip_member("good line\n", gz, sizeof(gz));
  append(path, gz, n);
  append(path, (const uint8_t *)"garbage", 7);
  fl_gz *g = fl_gz_new();
  char buf[64];
  size_t got;
  bool drained;
  uint64_t end;
  assert_int_equal(fl_gz_read(g, fd, 0, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_int_equal(got, 10); /* what came before the bad bytes */
  assert_memory_equal(buf, "good line\n", 10);
  assert_false(fl_gz_finished(g, 0, n + 7)); /* not taken yet: served again */
  assert_int_equal(fl_gz_read(g, fd, 5, buf, sizeof(buf), &got, &drained, &end), 0);
  assert_int_equal(got, 5);
  assert_true(fl_gz_finished(g, 10, n + 7));
  fl_gz_free(g);
  close(fd);
  unlink(path);
}

/* ---- cycles ---- */

typedef struct fx {
  char dir[64];
  filelog_cfg *cfg;
  filelog_recv r;
  uint64_t now_ms;
  char bodies[8192];
} fx;

static void fx_init(fx *f, const char *extra) {
  memset(f, 0, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/fl_gzc_XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  char yaml[512];
  snprintf(yaml, sizeof(yaml), "include: [%s/*]\nstart_at: beginning\nfingerprint_size: 16\n%s", f->dir, extra);
  assert_int_equal(fl_test_recv_open(&f->r, &f->cfg, yaml), 0);
  f->now_ms = 1000;
}

static void fx_free(fx *f) {
  assert_int_equal(fl_test_recv_close(&f->r, f->cfg, f->dir), 0);
}

static void path_of(fx *f, const char *name, char *out, size_t cap) { snprintf(out, cap, "%s/%s", f->dir, name); }

/* One accepted cycle; the bodies it produced, "|"-joined, in f->bodies. */
static size_t cycle(fx *f) {
  int err = 0;
  size_t n = fl_test_cycle(&f->r, f->now_ms, f->bodies, &err);
  assert_int_equal(err, 0);
  return n;
}

static const char ROTATED[] = "2024 line one of the rotated file\n2024 line two\n";

static void logrotate_compress_reads_once(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "compression: auto\n");
  char p1[128], pgz[128];
  path_of(&f, "app.log.1", p1, sizeof(p1));
  path_of(&f, "app.log.1.gz", pgz, sizeof(pgz));
  append(p1, (const uint8_t *)ROTATED, strlen(ROTATED));
  assert_int_equal(cycle(&f), 2);
  append(p1, (const uint8_t *)"2024 three\n", 11); /* not read yet when compressed */
  /* logrotate: gzip writes the copy, then removes the original */
  static const char all[] = "2024 line one of the rotated file\n2024 line two\n2024 three\n";
  uint8_t gz[512];
  size_t n = gzip_member(all, gz, sizeof(gz));
  append(pgz, gz, n);
  assert_int_equal(cycle(&f), 1); /* the original's last line; the copy waits */
  assert_string_equal(f.bodies, "2024 three");
  unlink(p1);
  size_t more = 0;
  for (int i = 0; i < 5; i++) more += cycle(&f);
  assert_int_equal(more, 0); /* the copy continued at the original's end: nothing twice */
  /* the gzip file is tracked: a member appended to it is read */
  uint8_t m2[256];
  size_t n2 = gzip_member("2024 appended\n", m2, sizeof(m2));
  append(pgz, m2, n2);
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "2024 appended");
  fx_free(&f);
}

static void compressed_before_read(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "compression: auto\n");
  char pgz[128], plain[128];
  path_of(&f, "old.log.2.gz", pgz, sizeof(pgz));
  path_of(&f, "cur.log", plain, sizeof(plain));
  uint8_t gz[512];
  size_t n = gzip_member(ROTATED, gz, sizeof(gz));
  append(pgz, gz, n);
  append(plain, (const uint8_t *)"2025 plain file\n", 16);
  assert_int_equal(cycle(&f), 3); /* a gzip file never seen is read whole; plain files as usual */
  assert_non_null(strstr(f.bodies, "2024 line two"));
  assert_non_null(strstr(f.bodies, "2025 plain file"));
  assert_int_equal(cycle(&f), 0);
  fx_free(&f);
}

static void config_compression(void **st) {
  (void)st;
  assert_int_equal(fl_compression_parse(NULL), FL_GZ_NONE);
  assert_int_equal(fl_compression_parse(""), FL_GZ_NONE);
  assert_int_equal(fl_compression_parse("gzip"), FL_GZ_ALL);
  assert_int_equal(fl_compression_parse("auto"), FL_GZ_AUTO);
  assert_true(fl_compression_parse("zstd") < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(streams_members_as_written), cmocka_unit_test(not_gzip_is_left_alone),
      cmocka_unit_test(garbage_after_a_member),
      cmocka_unit_test(logrotate_compress_reads_once), cmocka_unit_test(compressed_before_read),
      cmocka_unit_test(config_compression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
