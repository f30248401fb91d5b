/* Value parsers: durations, sizes, endpoints. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the standard headers above */
#include <cmocka.h>

#include "otlpd/config.h"

static int64_t dur(const char *s) {
  int64_t v = -1;
  assert_int_equal(otlpd_parse_duration(s, &v), 0);
  return v;
}

static void test_durations(void **state) {
  assert_int_equal(dur("200ms"), 200 * OTLPD_NS_PER_MS);
  assert_int_equal(dur("5s"), 5 * OTLPD_NS_PER_SEC);
  assert_int_equal(dur("1m30s"), 90 * OTLPD_NS_PER_SEC);
  assert_int_equal(dur("1h"), 3600 * OTLPD_NS_PER_SEC);
  assert_int_equal(dur("1.5s"), 1500 * OTLPD_NS_PER_MS);
  assert_int_equal(dur("500us"), 500000);
  assert_int_equal(dur("500\xc2\xb5s"), 500000);
  assert_int_equal(dur("100ns"), 100);
  assert_int_equal(dur("0"), 0);
  assert_int_equal(dur("0s"), 0);
  assert_int_equal(dur("1500"), 1500); /* bare integer: nanoseconds */
  assert_int_equal(dur(".5s"), 500 * OTLPD_NS_PER_MS);
  assert_int_equal(dur("1h2m3s4ms"), 3723004 * OTLPD_NS_PER_MS);
  assert_int_equal(dur("0.000000001s"), 1);
  assert_int_equal(dur("1.25h"), 4500 * OTLPD_NS_PER_SEC);
  assert_int_equal(dur("2562047h"), 2562047LL * 3600 * OTLPD_NS_PER_SEC);
}

static void test_bad_durations(void **state) {
  const char *bad[] = {"",
                       "-1s",
                       "abc",
                       "5",
                       "1.5",
                       "5 s",
                       "s",
                       "5x",
                       "1s2",
                       "1e9s",
                       "2562048h",
                       "99999999999999999999",
                       "9223372036854775808",
                       "1..5s"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t v = 42;
    int rc = otlpd_parse_duration(bad[i], &v);
    /* "5" is a valid bare integer; everything else must be refused */
    if (i == 3) {
      assert_int_equal(rc, 0);
      assert_int_equal(v, 5);
      continue;
    }
    if (rc != -EINVAL)
      fail_msg("accepted bad duration \"%s\"", bad[i]);
    assert_int_equal(v, 42);
  }
  assert_int_equal(otlpd_parse_duration(NULL, &(int64_t){0}), -EINVAL);
}

static int64_t size_of(const char *s) {
  int64_t v = -1;
  assert_int_equal(otlpd_parse_size(s, &v), 0);
  return v;
}

static void test_sizes(void **state) {
  assert_int_equal(size_of("0"), 0);
  assert_int_equal(size_of("1234"), 1234);
  assert_int_equal(size_of("10B"), 10);
  assert_int_equal(size_of("512KB"), 512000);
  assert_int_equal(size_of("10MB"), 10000000);
  assert_int_equal(size_of("2GB"), 2000000000LL);
  assert_int_equal(size_of("1KiB"), 1024);
  assert_int_equal(size_of("10MiB"), 10 * 1024 * 1024);
  assert_int_equal(size_of("3GiB"), 3LL << 30);
  assert_int_equal(size_of("4 MiB"), 4 << 20);
  assert_int_equal(size_of("4mib"), 4 << 20);
}

static void test_bad_sizes(void **state) {
  const char *bad[] = {"",
                       "-1",
                       "MiB",
                       "10XB",
                       "1.5MiB",
                       "10 MiB extra",
                       "abc",
                       "99999999999999999999",
                       "9999999999999TiB",
                       " 10"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t v = 42;
    if (otlpd_parse_size(bad[i], &v) != -EINVAL)
      fail_msg("accepted bad size \"%s\"", bad[i]);
    assert_int_equal(v, 42);
  }
}

static void endpoint_ok(const char *s, const char *host, int port) {
  char h[64] = "unset";
  int p = -1;
  assert_int_equal(otlpd_parse_endpoint(s, h, sizeof(h), &p), 0);
  assert_string_equal(h, host);
  assert_int_equal(p, port);
}

static void test_endpoints(void **state) {
  endpoint_ok("localhost:4317", "localhost", 4317);
  endpoint_ok("0.0.0.0:4318", "0.0.0.0", 4318);
  endpoint_ok(":4317", "", 4317);
  endpoint_ok("[::1]:4317", "::1", 4317);
  endpoint_ok("[::]:0", "::", 0);
  endpoint_ok("example.com:65535", "example.com", 65535);
  endpoint_ok("unix:/run/otlpd.sock", "/run/otlpd.sock", 0);
  /* validation only: no output buffers */
  assert_int_equal(otlpd_parse_endpoint("a:1", NULL, 0, NULL), 0);
}

static void test_bad_endpoints(void **state) {
  const char *bad[] = {"",          "localhost", "localhost:",      "localhost:65536",
                       "host:-1",   "host:abc",  "::1:4317",        "[::1]",
                       "[::1]4317", "[]:4317",   "unix:",           "host:43 17",
                       "my host:1", "[::1:4317", "host:99999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char h[64];
    int p;
    if (otlpd_parse_endpoint(bad[i], h, sizeof(h), &p) != -EINVAL)
      fail_msg("accepted bad endpoint \"%s\"", bad[i]);
  }
  char tiny[4];
  int p;
  assert_int_equal(otlpd_parse_endpoint("localhost:1", tiny, sizeof(tiny), &p), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_durations), cmocka_unit_test(test_bad_durations),
      cmocka_unit_test(test_sizes),     cmocka_unit_test(test_bad_sizes),
      cmocka_unit_test(test_endpoints), cmocka_unit_test(test_bad_endpoints),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
