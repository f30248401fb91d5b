/* file_storage settings: otelcol-contrib's defaults, and validation that
 * names the key when the directory cannot be used. */
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

#include "../../extensions/file_storage/file_storage.h"
#include "otlpd/config.h"

static otlpd_fs_cfg defaults(void) {
  otlpd_fs_cfg c;
  memset(&c, 0, sizeof(c));
  otlpd_settings_defaults(otlpd_fs_settings, &c);
  return c;
}

static void test_defaults(void **state) {
  otlpd_fs_cfg c = defaults();
  assert_string_equal(c.directory, "/var/lib/otlpd/file_storage");
  assert_false(c.create_directory);
  assert_false(c.fsync);
  assert_string_equal(c.directory_permissions, "0750");
  otlpd_settings_free(otlpd_fs_settings, &c);
}

/* Validates c with directory set to dir; the first error (or NULL). */
static char *validate(otlpd_fs_cfg *c, const char *dir, otlpd_errors *errs) {
  free(c->directory);
  c->directory = strdup(dir);
  memset(errs, 0, sizeof(*errs));
  int rc = otlpd_fs_validate(c, "extensions::file_storage", errs);
  assert_int_equal(rc != 0, errs->n > 0);
  return errs->n ? errs->msgs[0] : NULL;
}

static void test_directory_checks(void **state) {
  char tmp[] = "/tmp/otlpd-fs-XXXXXX";
  assert_non_null(mkdtemp(tmp));
  char sub[128], file[128];
  snprintf(sub, sizeof(sub), "%s/a/b/c", tmp);
  snprintf(file, sizeof(file), "%s/plain", tmp);
  FILE *fp = fopen(file, "w");
  fclose(fp);
  otlpd_fs_cfg c = defaults();
  otlpd_errors errs;

  assert_null(validate(&c, tmp, &errs));
  otlpd_errors_free(&errs);

  char *e = validate(&c, sub, &errs);
  assert_non_null(e);
  assert_non_null(strstr(e, "extensions::file_storage::directory: "));
  assert_non_null(strstr(e, "does not exist"));
  otlpd_errors_free(&errs);

  c.create_directory = true;
  assert_null(validate(&c, sub, &errs)); /* creatable: the parent is writable */
  otlpd_errors_free(&errs);

  e = validate(&c, file, &errs);
  assert_non_null(e);
  assert_non_null(strstr(e, "is not a directory"));
  otlpd_errors_free(&errs);

  char under_file[160];
  snprintf(under_file, sizeof(under_file), "%s/x", file);
  e = validate(&c, under_file, &errs);
  assert_non_null(e);
  assert_non_null(strstr(e, "::directory: "));
  otlpd_errors_free(&errs);

  free(c.directory_permissions);
  c.directory_permissions = strdup("0999");
  e = validate(&c, tmp, &errs);
  assert_non_null(e);
  assert_non_null(strstr(e, "extensions::file_storage::directory_permissions: "));
  otlpd_errors_free(&errs);

  /* create_directory makes every missing level */
  assert_int_equal(otlpd_fs_mkdirs(sub, 0750), 0);
  struct stat st;
  assert_int_equal(stat(sub, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(otlpd_fs_mkdirs(sub, 0750), 0); /* already there */
  assert_int_equal(otlpd_fs_mode("0750"), 0750);
  assert_int_equal(otlpd_fs_mode("rwx"), -1);

  otlpd_settings_free(otlpd_fs_settings, &c);
  char p[160];
  rmdir(sub);
  snprintf(p, sizeof(p), "%s/a/b", tmp);
  rmdir(p);
  snprintf(p, sizeof(p), "%s/a", tmp);
  rmdir(p);
  unlink(file);
  rmdir(tmp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_directory_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
