/* Rotation helpers of the file exporter: lumberjack-style backup names,
 * renaming without clobbering, pruning by count and by age. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../exporters/file/file_exporter.h"

/* 2026-11-26T01:02:03.004Z */
#define T0_MS 1795654923004LL
#define DAY_MS 86400000LL

static void test_backup_names(void **state) {
  char out[256];
  assert_int_equal(file_backup_name("dir/traces.json", T0_MS, false, out, sizeof(out)), 0);
  assert_string_equal(out, "dir/traces-2026-11-26T01-02-03.004.json");
  assert_int_equal(file_backup_name("/a.b/file", T0_MS, false, out, sizeof(out)), 0);
  assert_string_equal(out, "/a.b/file-2026-11-26T01-02-03.004");
  assert_int_equal(file_backup_name("x.tar.gz", T0_MS, false, out, sizeof(out)), 0);
  assert_string_equal(out, "x.tar-2026-11-26T01-02-03.004.gz");
  assert_int_equal(file_backup_name("dir/traces.json", T0_MS, false, out, 10), -ENAMETOOLONG);
}

static void touch(const char *dir, const char *name) {
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(name, f);
  fclose(f);
}

static bool exists(const char *dir, const char *name) {
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  return access(p, F_OK) == 0;
}

static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void clean(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[512];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static void make_backups(const char *dir, char names[][64], int n, int64_t step_ms) {
  char path[256], full[512];
  snprintf(path, sizeof(path), "%s/out.json", dir);
  for (int i = 0; i < n; i++) {
    assert_int_equal(file_backup_name(path, T0_MS - i * step_ms, false, full, sizeof(full)), 0);
    snprintf(names[i], 64, "%s", strrchr(full, '/') + 1);
    touch(dir, names[i]);
  }
}

static void test_prune_by_count(void **state) {
  char dir[] = "/tmp/otlpd-rot-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char names[5][64]; /* names[0] newest */
  make_backups(dir, names, 5, 60000);
  touch(dir, "out.json");
  touch(dir, "other-2026-11-26T01-02-03.004.json");   /* another stem */
  touch(dir, "out-2026-11-26T01-02-03.004.log");      /* another extension */
  touch(dir, "out-notatime.json");
  char path[256];
  snprintf(path, sizeof(path), "%s/out.json", dir);
  assert_int_equal(file_rotate_prune(path, 2, 0, false, T0_MS), 3);
  assert_true(exists(dir, names[0]));
  assert_true(exists(dir, names[1]));
  for (int i = 2; i < 5; i++) assert_false(exists(dir, names[i]));
  assert_true(exists(dir, "out.json"));
  assert_true(exists(dir, "other-2026-11-26T01-02-03.004.json"));
  assert_true(exists(dir, "out-2026-11-26T01-02-03.004.log"));
  assert_true(exists(dir, "out-notatime.json"));
  assert_int_equal(count_files(dir), 6);
  clean(dir);
}

static void test_prune_by_age(void **state) {
  char dir[] = "/tmp/otlpd-rot-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char names[4][64]; /* 0, 1, 2 and 3 days old */
  make_backups(dir, names, 4, DAY_MS);
  char path[256];
  snprintf(path, sizeof(path), "%s/out.json", dir);
  /* max_days 2: strictly older than two days goes. */
  assert_int_equal(file_rotate_prune(path, 0, 2, false, T0_MS + 1000), 2);
  assert_true(exists(dir, names[0]));
  assert_true(exists(dir, names[1]));
  assert_false(exists(dir, names[2]));
  assert_false(exists(dir, names[3]));
  /* Neither limit: nothing is touched. */
  assert_int_equal(file_rotate_prune(path, 0, 0, false, T0_MS + 100 * DAY_MS), 0);
  assert_int_equal(count_files(dir), 2);
  clean(dir);
}

static void test_rename_never_clobbers(void **state) {
  char dir[] = "/tmp/otlpd-rot-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof(path), "%s/out.json", dir);
  /* Rotations in the same millisecond still keep every backup. */
  for (int i = 0; i < 5; i++) {
    touch(dir, "out.json");
    assert_int_equal(file_rotate_rename(path, false), 0);
  }
  assert_false(exists(dir, "out.json"));
  assert_int_equal(count_files(dir), 5);
  assert_int_equal(file_rotate_prune(path, 5, 0, false, T0_MS), 0);
  /* A missing file is an error, not a crash. */
  assert_int_equal(file_rotate_rename(path, true), -ENOENT);
  clean(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backup_names),
      cmocka_unit_test(test_prune_by_count),
      cmocka_unit_test(test_prune_by_age),
      cmocka_unit_test(test_rename_never_clobbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
