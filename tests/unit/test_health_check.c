/* health_check: the answer for each daemon state (ready -> 200 JSON,
 * starting/draining -> 503), fixed bodies, Go-style uptime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../extensions/health_check/health_check.h"

static void assert_body(const otlpd_tserver_reply *r, const char *want) {
  assert_int_equal(r->len, strlen(want));
  assert_memory_equal(r->body, want, r->len);
}

static void test_states(void **state) {
  (void)state;
  otlpd_hc_cfg cfg = {0};
  char buf[256];
  otlpd_tserver_reply r = {0};
  otlpd_hc_answer(&cfg, true, 1700000000, 62500, buf, sizeof(buf), &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.ctype, "application/json");
  assert_body(&r, "{\"status\":\"Server available\",\"upSince\":\"2023-11-14T22:13:20Z\",\"uptime\":\"1m2.5s\"}");
  otlpd_hc_answer(&cfg, false, 1700000000, 62500, buf, sizeof(buf), &r);
  assert_int_equal(r.status, 503);
  assert_body(&r, "{\"status\":\"Server not available\",\"upSince\":\"2023-11-14T22:13:20Z\",\"uptime\":\"1m2.5s\"}");
}

static void test_fixed_bodies(void **state) {
  (void)state;
  otlpd_hc_cfg cfg = {.response_body = {.healthy = "I'm OK", .unhealthy = "not yet"}};
  char buf[256];
  otlpd_tserver_reply r = {0};
  otlpd_hc_answer(&cfg, true, 0, 0, buf, sizeof(buf), &r);
  assert_int_equal(r.status, 200);
  assert_body(&r, "I'm OK");
  otlpd_hc_answer(&cfg, false, 0, 0, buf, sizeof(buf), &r);
  assert_int_equal(r.status, 503);
  assert_body(&r, "not yet");
  /* only the healthy one set: the unhealthy answer stays JSON */
  cfg.response_body.unhealthy = NULL;
  otlpd_hc_answer(&cfg, false, 0, 0, buf, sizeof(buf), &r);
  assert_body(&r, "{\"status\":\"Server not available\",\"upSince\":\"1970-01-01T00:00:00Z\",\"uptime\":\"0s\"}");
}

static void test_duration(void **state) {
  (void)state;
  struct { uint64_t ms; const char *want; } cases[] = {
      {0, "0s"}, {250, "250ms"}, {1000, "1s"}, {1500, "1.5s"}, {1230, "1.23s"}, {1004, "1.004s"},
      {123004, "2m3.004s"}, {3600000, "1h0m0s"}, {90061001, "25h1m1.001s"},
  };
  char buf[64];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    otlpd_hc_duration(cases[i].ms, buf, sizeof(buf));
    assert_string_equal(buf, cases[i].want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_states),
      cmocka_unit_test(test_fixed_bodies),
      cmocka_unit_test(test_duration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
