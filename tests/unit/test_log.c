/* Daemon log lines as an operator's log pipeline reads them: console text
 * and, with encoding: json, one valid JSON object per line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "otlpd/log.h"

/* Runs one log call with stderr redirected into a pipe; returns the line. */
static void capture(const otlpd_logger *lg, otlpd_log_level lvl, const char *msg, char *out, size_t cap) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  int saved = dup(STDERR_FILENO);
  dup2(fds[1], STDERR_FILENO);
  otlpd_log(lg, lvl, "%s", msg);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fds[1]);
  ssize_t n = read(fds[0], out, cap - 1);
  close(fds[0]);
  out[n > 0 ? n : 0] = '\0';
}

static void test_json_line(void **state) {
  (void)state;
  otlpd_log_level level = (otlpd_log_level)(OTLPD_LOG_INFO | OTLPD_LOG_JSON);
  otlpd_logger lg = {"file/\"x\"", &level};
  char line[4096];
  capture(&lg, OTLPD_LOG_WARN, "cannot open \"/tmp/a\\b\"\nnext\x01 é", line, sizeof line);
  assert_non_null(strstr(line, "{\"level\":\"warn\",\"ts\":\""));
  assert_non_null(strstr(line, "\"otelcol.component.id\":\"file/\\\"x\\\"\""));
  assert_non_null(strstr(line, "\"msg\":\"cannot open \\\"/tmp/a\\\\b\\\"\\u000anext\\u0001 é\"}\n"));
  /* one line: the newline in the message is escaped */
  assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
  /* below the level: nothing */
  capture(&lg, OTLPD_LOG_DEBUG, "hidden", line, sizeof line);
  assert_string_equal(line, "");
}

static void test_console_line(void **state) {
  (void)state;
  otlpd_log_level level = OTLPD_LOG_DEBUG;
  otlpd_logger lg = {"otlp", &level};
  char line[4096];
  capture(&lg, OTLPD_LOG_ERROR, "boom", line, sizeof line);
  assert_non_null(strstr(line, "Z error [otlp] boom\n"));
  assert_true(otlpd_log_enabled(&lg, OTLPD_LOG_DEBUG));
  level = (otlpd_log_level)(OTLPD_LOG_WARN | OTLPD_LOG_JSON);
  assert_false(otlpd_log_enabled(&lg, OTLPD_LOG_INFO));
  assert_true(otlpd_log_enabled(&lg, OTLPD_LOG_ERROR));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_line),
      cmocka_unit_test(test_console_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
