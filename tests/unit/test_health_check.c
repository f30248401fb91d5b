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

static otlpd_tserver_reply ask(const otlpd_hc_cfg *cfg, bool ready, bool failed, time_t since, uint64_t up,
                               const char *comps, otlpd_buf *body) {
  otlpd_tserver_reply r = {0};
  otlpd_hc_state st = {ready, failed, since, up, comps};
  assert_int_equal(otlpd_hc_answer(cfg, &st, body, &r), 0);
  return r;
}

static void test_states(void **state) {
  (void)state;
  otlpd_hc_cfg cfg = {0};
  otlpd_buf b = {0};
  otlpd_tserver_reply r = ask(&cfg, true, false, 1700000000, 62500, NULL, &b);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.ctype, "application/json");
  assert_body(&r, "{\"status\":\"Server available\",\"upSince\":\"2023-11-14T22:13:20Z\",\"uptime\":\"1m2.5s\"}");
  r = ask(&cfg, false, false, 1700000000, 62500, NULL, &b);
  assert_int_equal(r.status, 503);
  assert_body(&r, "{\"status\":\"Server not available\",\"upSince\":\"2023-11-14T22:13:20Z\",\"uptime\":\"1m2.5s\"}");
  otlpd_buf_free(&b);
}

/* A permanent failure makes a running daemon unhealthy; a recoverable one
 * is listed but keeps it 200. Each component's state is in the JSON. */
static void test_components(void **state) {
  (void)state;
  otlpd_hc_cfg cfg = {0};
  otlpd_buf comps = {0}, b = {0};
  assert_int_equal(otlpd_hc_component(&comps, true, "receiver", "otlp", "StatusOK", NULL), 0);
  assert_int_equal(otlpd_hc_component(&comps, false, "exporter", "file/\"x\"", "StatusRecoverableError",
                                      "writing /x failed: broken pipe"), 0);
  otlpd_buf_append(&comps, "", 1);
  otlpd_tserver_reply r = ask(&cfg, true, false, 0, 1000, (const char *)comps.data, &b);
  assert_int_equal(r.status, 200);
  assert_body(&r, "{\"status\":\"Server available\",\"upSince\":\"1970-01-01T00:00:00Z\",\"uptime\":\"1s\","
                  "\"components\":{\"receiver:otlp\":{\"status\":\"StatusOK\"},"
                  "\"exporter:file/\\\"x\\\"\":{\"status\":\"StatusRecoverableError\",\"error\":\"writing /x failed: broken pipe\"}}}");
  r = ask(&cfg, true, true, 0, 1000, (const char *)comps.data, &b);
  assert_int_equal(r.status, 503);
  assert_true(r.len > 33);
  assert_memory_equal(r.body, "{\"status\":\"Server not available\",", 33);
  otlpd_buf_free(&comps);
  otlpd_buf_free(&b);
}

static void test_fixed_bodies(void **state) {
  (void)state;
  otlpd_hc_cfg cfg = {.response_body = {.healthy = "I'm OK", .unhealthy = "not yet"}};
  otlpd_buf b = {0};
  otlpd_tserver_reply r = ask(&cfg, true, false, 0, 0, NULL, &b);
  assert_int_equal(r.status, 200);
  assert_body(&r, "I'm OK");
  r = ask(&cfg, false, false, 0, 0, NULL, &b);
  assert_int_equal(r.status, 503);
  assert_body(&r, "not yet");
  r = ask(&cfg, true, true, 0, 0, NULL, &b); /* failed: unhealthy */
  assert_body(&r, "not yet");
  /* only the healthy one set: the unhealthy answer stays JSON */
  cfg.response_body.unhealthy = NULL;
  r = ask(&cfg, false, false, 0, 0, NULL, &b);
  assert_body(&r, "{\"status\":\"Server not available\",\"upSince\":\"1970-01-01T00:00:00Z\",\"uptime\":\"0s\"}");
  otlpd_buf_free(&b);
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
      cmocka_unit_test(test_components),
      cmocka_unit_test(test_fixed_bodies),
      cmocka_unit_test(test_duration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
