/* filelog file identity: cycles run directly (no loop) over a temporary
 * directory; a test "commits" a cycle as the receiver does when the
 * pipeline accepted it, and counts the records each cycle produced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "filelog_fixture.h"
#include "../../receivers/filelog/filelog_glob.h"
#include "../../receivers/filelog/filelog_read.h"

typedef struct fx {
  char dir[64];
  filelog_cfg *cfg;
  filelog_recv r;
  uint64_t now_ms;
  char bodies[4096];
} fx;

static void fx_init(fx *f, const char *include_rel, const char *extra) {
  memset(f, 0, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/fl_scan_XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  char yaml[512];
  snprintf(yaml, sizeof(yaml), "include: [%s/%s]\nstart_at: beginning\nfingerprint_size: 16\n%s", f->dir,
           include_rel, extra);
  assert_int_equal(fl_test_recv_open(&f->r, &f->cfg, yaml), 0);
  f->now_ms = 1000;
}

static void fx_free(fx *f) {
  assert_int_equal(fl_test_recv_close(&f->r, f->cfg, f->dir), 0);
}

static void put(fx *f, const char *name, const char *mode, const char *text) {
  char p[128];
  snprintf(p, sizeof(p), "%s/%s", f->dir, name);
  FILE *fp = fopen(p, mode);
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void mv(fx *f, const char *a, const char *b) {
  char pa[128], pb[128];
  snprintf(pa, sizeof(pa), "%s/%s", f->dir, a);
  snprintf(pb, sizeof(pb), "%s/%s", f->dir, b);
  assert_int_equal(rename(pa, pb), 0);
}

/* One accepted cycle; the bodies it produced, "|"-joined, in f->bodies. */
static size_t cycle(fx *f) {
  int err = 0;
  size_t n = fl_test_cycle(&f->r, f->now_ms, f->bodies, &err);
  assert_int_equal(err, 0);
  return n;
}

static void reads_lines_once(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "*.log", "");
  put(&f, "a.log", "w", "one\ntwo\r\n\nthree\n");
  assert_int_equal(cycle(&f), 3);
  assert_string_equal(f.bodies, "one|two|three");
  assert_int_equal(cycle(&f), 0);
  put(&f, "a.log", "a", "four\nfiv");
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "four");
  /* the unterminated tail waits for force_flush_period of quiet */
  f.now_ms += 100;
  assert_int_equal(cycle(&f), 0);
  f.now_ms += 1000;
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "fiv");
  fx_free(&f);
}

static void rename_rotation(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "app.log", "");
  put(&f, "app.log", "w", "2024 first line of the old file\n");
  assert_int_equal(cycle(&f), 1);
  mv(&f, "app.log", "app.log.1");
  put(&f, "app.log.1", "a", "2024 written after the rename\n"); /* read from the open descriptor */
  put(&f, "app.log", "w", "2025 the new file begins\n");
  assert_int_equal(cycle(&f), 2);
  assert_non_null(strstr(f.bodies, "written after the rename"));
  assert_non_null(strstr(f.bodies, "the new file begins"));
  assert_int_equal(cycle(&f), 0);
  fx_free(&f);
}

static void renamed_but_still_matched(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "app.log*", "");
  put(&f, "app.log", "w", "2024 aaaaaaaaaaaaaaaaaaa line 1\n");
  assert_int_equal(cycle(&f), 1);
  mv(&f, "app.log", "app.log.1"); /* same file, new name: no re-read */
  put(&f, "app.log.1", "a", "line 2\n");
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "line 2");
  fx_free(&f);
}

static void copytruncate(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "app.log*", "");
  put(&f, "app.log", "w", "2024 aaaaaaaaaaaaaaaaaaa line 1\n2024 line 2\n");
  assert_int_equal(cycle(&f), 2);
  /* logrotate copytruncate: copy (a new file with the same start), then
   * truncate the original and keep writing to it */
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "cp %s/app.log %s/app.log.1", f.dir, f.dir);
  assert_int_equal(system(cmd), 0);
  put(&f, "app.log", "w", "2025 after truncation\n");
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "2025 after truncation");
  assert_int_equal(cycle(&f), 0);
  fx_free(&f);
}

static void start_at_end(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "*.log", "");
  f.cfg->start_at = FL_START_END;
  put(&f, "old.log", "w", "before start\n");
  assert_int_equal(cycle(&f), 0);
  put(&f, "old.log", "a", "after start\n");
  put(&f, "new.log", "w", "new file\n"); /* found after the first poll: from its beginning */
  assert_int_equal(cycle(&f), 2);
  fx_free(&f);
}

static void multiline_start(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "*.log", "multiline: {line_start_pattern: '^\\d{4}-'}\nforce_flush_period: 500ms\n");
  put(&f, "m.log", "w", "2024-01 error\n  at a()\n  at b()\n2024-02 ok\n2024-03 last\n  more\n");
  assert_int_equal(cycle(&f), 2); /* the last entry may still grow */
  assert_string_equal(f.bodies, "2024-01 error\n  at a()\n  at b()|2024-02 ok");
  f.now_ms += 100;
  assert_int_equal(cycle(&f), 0);
  f.now_ms += 1000;
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "2024-03 last\n  more");
  fx_free(&f);
}

static void long_lines_split(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "*.log", "max_log_size: 100\n");
  char big[260];
  memset(big, 'x', 250);
  big[250] = '\n';
  big[251] = 0;
  put(&f, "big.log", "w", big);
  assert_int_equal(cycle(&f), 3); /* 100 + 100 + 50 */
  fx_free(&f);
}

static void globs(void **st) {
  (void)st;
  assert_true(fl_glob_match("/var/log/pods/*/*/*.log", "/var/log/pods/a_b_c/app/0.log"));
  assert_false(fl_glob_match("/var/log/pods/*/*/*.log", "/var/log/pods/a_b_c/app/x/0.log"));
  assert_true(fl_glob_match("/var/log/**/*.log", "/var/log/x.log"));
  assert_true(fl_glob_match("/var/log/**/*.log", "/var/log/a/b/c/x.log"));
  assert_false(fl_glob_match("/var/log/**/*.log", "/var/log/a/b/c/x.txt"));
  assert_true(fl_glob_match("/var/log/pods/*_otlpd-*/*/*.log", "/var/log/pods/ns_otlpd-x_u/c/0.log"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reads_lines_once),   cmocka_unit_test(rename_rotation),
      cmocka_unit_test(renamed_but_still_matched), cmocka_unit_test(copytruncate),
      cmocka_unit_test(start_at_end),       cmocka_unit_test(multiline_start),
      cmocka_unit_test(long_lines_split),   cmocka_unit_test(globs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
