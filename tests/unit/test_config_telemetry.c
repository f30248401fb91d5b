/* service::telemetry::metrics: level, address, the readers form (first
 * pull/prometheus wins, IPv6 hosts bracketed), whether the endpoint was
 * configured, and errors with their paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/config.h"
#include "test_config_fakes.h"

#define BASE                                                                                       \
  "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  debug:\n"                       \
  "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n"

static int build(const char *telemetry, otlpd_config *c, otlpd_errors *errs) {
  char text[2048];
  snprintf(text, sizeof(text), BASE "%s", telemetry);
  otlpd_errors perrs = {0};
  otlpd_node *n = otlpd_yaml_parse(text, strlen(text), "t", &perrs);
  if (!n) fail_msg("test YAML does not parse");
  return otlpd_config_build(n, c, errs);
}

static void expect(const char *telemetry, otlpd_metrics_level level, const char *endpoint, bool set) {
  otlpd_config c;
  otlpd_errors errs = {0};
  if (build(telemetry, &c, &errs) != 0) {
    otlpd_errors_print(&errs, stderr);
    fail_msg("config did not build: %s", telemetry);
  }
  assert_int_equal(c.metrics_level, level);
  assert_string_equal(c.metrics_endpoint, endpoint);
  assert_int_equal(c.metrics_endpoint_set, set);
  otlpd_config_free(&c);
  otlpd_errors_free(&errs); /* ignored keys leave warnings */
}

static void test_forms(void **state) {
  (void)state;
  expect("", OTLPD_METRICS_NORMAL, "localhost:8888", false);
  expect("  telemetry:\n    metrics:\n      level: basic\n", OTLPD_METRICS_BASIC, "localhost:8888", false);
  expect("  telemetry:\n    metrics:\n      level: none\n", OTLPD_METRICS_NONE, "localhost:8888", false);
  expect("  telemetry:\n    metrics:\n      address: 0.0.0.0:9999\n", OTLPD_METRICS_NORMAL, "0.0.0.0:9999", true);
  expect("  telemetry:\n    metrics:\n      level: detailed\n      address: 127.0.0.1:1\n      readers:\n"
         "        - periodic: {exporter: {otlp: {endpoint: x}}}\n"
         "        - pull: {exporter: {prometheus: {host: '::1', port: 9464}}}\n"
         "        - pull: {exporter: {prometheus: {host: 10.0.0.1, port: 1}}}\n",
         OTLPD_METRICS_DETAILED, "[::1]:9464", true);
  expect("  telemetry:\n    metrics:\n      readers:\n        - pull: {exporter: {prometheus: {}}}\n",
         OTLPD_METRICS_NORMAL, "localhost:8888", true);
}

/* An error message starting with msg (the key path and what follows). */
static void expect_error(const char *telemetry, const char *msg) {
  otlpd_config c;
  otlpd_errors errs = {0};
  assert_int_equal(build(telemetry, &c, &errs), -EINVAL);
  bool found = false;
  for (size_t i = 0; i < errs.n; i++) found |= strncmp(errs.msgs[i], msg, strlen(msg)) == 0;
  if (!found) {
    otlpd_errors_print(&errs, stderr);
    fail_msg("missing error: %s", msg);
  }
  otlpd_errors_free(&errs);
}

static void test_errors(void **state) {
  (void)state;
  expect_error("  telemetry:\n    metrics:\n      bogus: 1\n", "service::telemetry::metrics::bogus: unknown key");
  expect_error("  telemetry:\n    metrics:\n      readers:\n        - pull: {exporter: {prometheus: {port: 70000}}}\n",
               "service::telemetry::metrics::readers[0]::pull::exporter::prometheus::port: must be between");
  expect_error("  telemetry:\n    metrics:\n      level: loud\n", "service::telemetry::metrics::level");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forms),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
