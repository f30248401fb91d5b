/* Retry-After: delay-seconds, the three HTTP-date forms, garbage, the past. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "otlpd/http_client.h"

/* Sun, 06 Nov 1994 08:49:37 GMT */
#define T0 784111777LL

static void seconds(void **st) {
  (void)st;
  assert_int_equal(otlpd_retry_after_ms("0", T0), 0);
  assert_int_equal(otlpd_retry_after_ms("2", T0), 2000);
  assert_int_equal(otlpd_retry_after_ms(" 120 ", T0), 120000);
  /* capped at a day, and no overflow */
  assert_int_equal(otlpd_retry_after_ms("99999999999999999999999", T0), 86400000);
}

static void dates(void **st) {
  (void)st;
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", T0 - 5), 5000);
  assert_int_equal(otlpd_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", T0 - 7), 7000);
  assert_int_equal(otlpd_retry_after_ms("Sun Nov  6 08:49:37 1994", T0 - 1), 1000);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:50:37 GMT", T0), 60000);
}

static void past_dates_are_zero(void **st) {
  (void)st;
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", T0), 0);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", T0 + 3600), 0);
}

static void garbage(void **st) {
  (void)st;
  assert_int_equal(otlpd_retry_after_ms(NULL, T0), -1);
  assert_int_equal(otlpd_retry_after_ms("", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("soon", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("-5", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("1.5", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("5s", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Foo 1994 08:49:37 GMT", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 25:49:37 GMT", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT trailing", T0), -1);
  assert_int_equal(otlpd_retry_after_ms("Sun, 06 Nov 1994 08:49:37 PST", T0), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seconds),
      cmocka_unit_test(dates),
      cmocka_unit_test(past_dates_are_zero),
      cmocka_unit_test(garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
