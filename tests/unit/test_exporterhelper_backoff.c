/* Exporter helper: the settings (otelcol's keys and defaults, spliced
 * into an exporter's table) and the retry schedule, with exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/config.h"
#include "otlpd/exporterhelper.h"
#include "../../collector/exporterhelper/sender_internal.h"

#define MS OTLPD_NS_PER_MS
#define SEC OTLPD_NS_PER_SEC

typedef struct fake_exp_cfg {
  char *endpoint;
  otlpd_exphelper_cfg helper;
} fake_exp_cfg;

static const otlpd_setting fake_exp_settings[] = {
    OTLPD_S_STRING(fake_exp_cfg, "endpoint", endpoint, NULL, "URL"),
    OTLPD_S_SQUASH(fake_exp_cfg, helper, otlpd_exphelper_settings),
    OTLPD_S_END,
};

static int apply(const char *yaml, fake_exp_cfg *c, otlpd_errors *errs) {
  otlpd_settings_defaults(fake_exp_settings, c);
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  int rc = otlpd_settings_apply(fake_exp_settings, c, n, "exporters::x", errs);
  otlpd_node_free(n);
  return rc;
}

static void test_defaults(void **state) {
  fake_exp_cfg c;
  memset(&c, 0xab, sizeof(c));
  otlpd_settings_defaults(fake_exp_settings, &c);
  const otlpd_exphelper_cfg *h = &c.helper;
  assert_int_equal(h->timeout, 5 * SEC);
  assert_true(h->retry.enabled);
  assert_int_equal(h->retry.initial_interval, 5 * SEC);
  assert_true(h->retry.randomization_factor == 0.5);
  assert_true(h->retry.multiplier == 1.5);
  assert_int_equal(h->retry.max_interval, 30 * SEC);
  assert_int_equal(h->retry.max_elapsed_time, 300 * SEC);
  assert_true(h->queue.enabled);
  assert_int_equal(h->queue.num_consumers, 10);
  assert_int_equal(h->queue.queue_size, 1000);
  assert_int_equal(h->queue.sizer, OTLPD_SIZER_REQUESTS);
  assert_false(h->queue.block_on_overflow);
  otlpd_errors errs = {0};
  assert_int_equal(otlpd_exphelper_validate(h, "exporters::x", &errs), 0);
  assert_int_equal(errs.n, 0);
  otlpd_settings_free(fake_exp_settings, &c);
}

static void test_keys(void **state) {
  fake_exp_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(apply("endpoint: http://x\ntimeout: 2s\n"
                         "retry_on_failure: {enabled: false, initial_interval: 1s, max_elapsed_time: 0}\n"
                         "sending_queue:\n  num_consumers: 3\n  queue_size: 5000\n  sizer: items\n"
                         "  block_on_overflow: true\n  storage: file_storage\n  wait_for_result: false\n"
                         "  batch: {flush_timeout: 1s}\n",
                         &c, &errs),
                   0);
  assert_int_equal(errs.n, 0);
  assert_int_equal(c.helper.timeout, 2 * SEC);
  assert_false(c.helper.retry.enabled);
  assert_int_equal(c.helper.retry.initial_interval, 1 * SEC);
  assert_int_equal(c.helper.retry.max_elapsed_time, 0);
  assert_int_equal(c.helper.queue.num_consumers, 3);
  assert_int_equal(c.helper.queue.queue_size, 5000);
  assert_int_equal(c.helper.queue.sizer, OTLPD_SIZER_ITEMS);
  assert_true(c.helper.queue.block_on_overflow);
  otlpd_settings_free(fake_exp_settings, &c);
  otlpd_errors_free(&errs); /* warnings too */
}

static void test_bad_values(void **state) {
  fake_exp_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(apply("retry_on_failure: {multiplier: 0.5, randomization_factor: 2}\n"
                         "sending_queue: {sizer: pages, num_consumers: 0}\n",
                         &c, &errs),
                   -EINVAL);
  assert_int_equal(errs.n, 4);
  otlpd_errors_free(&errs);
  otlpd_settings_free(fake_exp_settings, &c);

  otlpd_settings_defaults(fake_exp_settings, &c);
  c.helper.queue.queue_size = 0;
  c.helper.retry.max_interval = 1 * MS; /* below initial_interval */
  c.helper.retry.multiplier = 0.9;
  c.helper.timeout = -1;
  assert_int_equal(otlpd_exphelper_validate(&c.helper, "exporters::x", &errs), -EINVAL);
  assert_int_equal(errs.n, 4);
  assert_string_equal(errs.msgs[0], "exporters::x::timeout: must not be negative");
  assert_non_null(strstr(errs.msgs[1], "exporters::x::retry_on_failure::max_interval"));
  assert_non_null(strstr(errs.msgs[2], "exporters::x::retry_on_failure::multiplier"));
  assert_non_null(strstr(errs.msgs[3], "exporters::x::sending_queue::queue_size"));
  otlpd_errors_free(&errs);
  /* a disabled queue needs no size; disabled retries need no intervals */
  c.helper.timeout = 0;
  c.helper.queue.enabled = false;
  c.helper.retry.enabled = false;
  assert_int_equal(otlpd_exphelper_validate(&c.helper, "exporters::x", &errs), 0);
  otlpd_settings_free(fake_exp_settings, &c);
}

static const otlpd_retry_cfg sched = {
    .enabled = true,
    .initial_interval = 100 * MS,
    .randomization_factor = 0.5,
    .multiplier = 1.5,
    .max_interval = 1 * SEC,
    .max_elapsed_time = 3 * SEC,
};

static void test_delay_schedule(void **state) {
  /* u = 0.5 is the unrandomized value: 100, 150, 225, 337.5, 506.25, 759.375, then the cap */
  assert_int_equal(otlpd_backoff_delay(&sched, 0, 0.5), 100 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 1, 0.5), 150 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 2, 0.5), 225 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 3, 0.5), 337500000);
  assert_int_equal(otlpd_backoff_delay(&sched, 4, 0.5), 506250000);
  assert_int_equal(otlpd_backoff_delay(&sched, 5, 0.5), 759375000);
  assert_int_equal(otlpd_backoff_delay(&sched, 6, 0.5), 1 * SEC);
  assert_int_equal(otlpd_backoff_delay(&sched, 100000, 0.5), 1 * SEC); /* no overflow */
  /* ± randomization_factor around the (capped) value */
  assert_int_equal(otlpd_backoff_delay(&sched, 0, 0.0), 50 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 0, 0.75), 125 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 6, 0.0), 500 * MS);
  assert_int_equal(otlpd_backoff_delay(&sched, 6, 0.25), 750 * MS);
  otlpd_retry_cfg flat = sched;
  flat.randomization_factor = 0;
  assert_int_equal(otlpd_backoff_delay(&flat, 1, 0.0), 150 * MS);
  assert_int_equal(otlpd_backoff_delay(&flat, 1, 0.99), 150 * MS);
}

static void test_next(void **state) {
  /* within the elapsed limit: the schedule */
  assert_int_equal(otlpd_backoff_next(&sched, 2, 1 * SEC, 0, 0.5), 225 * MS);
  /* the limit is inclusive: elapsed + delay == max_elapsed_time still retries */
  assert_int_equal(otlpd_backoff_next(&sched, 6, 2 * SEC, 0, 0.5), 1 * SEC);
  assert_int_equal(otlpd_backoff_next(&sched, 6, 2 * SEC + 1, 0, 0.5), -1);
  /* a server's hint wins over the schedule ... */
  assert_int_equal(otlpd_backoff_next(&sched, 0, 0, 2 * SEC, 0.5), 2 * SEC);
  assert_int_equal(otlpd_backoff_next(&sched, 6, 0, 7 * MS, 0.0), 7 * MS);
  /* ... but not over max_elapsed_time */
  assert_int_equal(otlpd_backoff_next(&sched, 0, 1 * SEC, 2 * SEC + 1, 0.5), -1);
  /* 0 = retry forever */
  otlpd_retry_cfg forever = sched;
  forever.max_elapsed_time = 0;
  assert_int_equal(otlpd_backoff_next(&forever, 50, 100000 * SEC, 0, 0.5), 1 * SEC);
  assert_int_equal(otlpd_backoff_next(&forever, 0, 100000 * SEC, 3600 * SEC, 0.5), 3600 * SEC);
  /* disabled: never */
  otlpd_retry_cfg off = sched;
  off.enabled = false;
  assert_int_equal(otlpd_backoff_next(&off, 0, 0, 0, 0.5), -1);
  assert_int_equal(otlpd_backoff_next(&off, 0, 0, 1 * MS, 0.5), -1);
}

static void test_rng(void **state) {
  otlpd_rng a, b;
  otlpd_rng_seed(&a, 42);
  otlpd_rng_seed(&b, 42);
  double lo = 1, hi = 0;
  for (int i = 0; i < 10000; i++) {
    double x = otlpd_rng_unit(&a);
    assert_true(x == otlpd_rng_unit(&b)); /* same seed, same sequence */
    assert_true(x >= 0 && x < 1);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  assert_true(lo < 0.01 && hi > 0.99); /* spread over the range */
  otlpd_rng z;
  otlpd_rng_seed(&z, 0); /* a zero seed would stick at 0 */
  assert_true(otlpd_rng_unit(&z) != otlpd_rng_unit(&z));
}

/* Failure logs: the first at once, then at most one line per window
 * carrying everything counted since the last line. */
static void test_ratelimit(void **state) {
  send_ratelimit r = {0};
  uint64_t total = 0;
  assert_true(send_ratelimit_hit(&r, 1000, 5, &total));
  assert_int_equal(total, 5);
  assert_false(send_ratelimit_hit(&r, 1001, 3, &total));
  assert_false(send_ratelimit_hit(&r, 1000 + SEND_LOG_WINDOW_MS - 1, 4, &total));
  assert_true(send_ratelimit_hit(&r, 1000 + SEND_LOG_WINDOW_MS, 1, &total));
  assert_int_equal(total, 8);
  assert_int_equal(r.pending, 0);
  assert_false(send_ratelimit_hit(&r, 1000 + SEND_LOG_WINDOW_MS + 1, 2, &total));
  assert_int_equal(r.pending, 2); /* reported with the shutdown totals */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),  cmocka_unit_test(test_keys),
      cmocka_unit_test(test_bad_values), cmocka_unit_test(test_delay_schedule),
      cmocka_unit_test(test_next),      cmocka_unit_test(test_rng),
      cmocka_unit_test(test_ratelimit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
