/* hostmetrics configuration: otelcol's defaults, and the errors a user
 * sees (unknown scraper, unknown metric, bad regexp, missing match_type). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostmetrics_fixtures.h"

/* The config's first error contains want. */
static void expect_error(const char *yaml, const char *want) {
  hm_cfg c;
  otlpd_errors errs = {0};
  int rc = hm_test_config(&c, yaml, &errs);
  assert_int_not_equal(rc, 0);
  assert_true(errs.n >= 1);
  if (!strstr(errs.msgs[0], want)) fail_msg("error \"%s\" lacks \"%s\"", errs.msgs[0], want);
  otlpd_errors_free(&errs);
  otlpd_settings_free(hm_settings, &c);
}

static void test_defaults(void **st) {
  (void)st;
  hm_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(hm_test_config(&c, "scrapers: {cpu: , memory: , filesystem: , network: , paging: }", &errs), 0);
  assert_int_equal(c.collection_interval, 60 * OTLPD_NS_PER_SEC);
  assert_int_equal(c.initial_delay, OTLPD_NS_PER_SEC);
  assert_null(c.root_path);
  assert_true(c.scrapers.has_cpu && c.scrapers.has_memory && !c.scrapers.has_load && !c.scrapers.has_disk);
  assert_true(c.scrapers.cpu.metrics[HM_CPU_TIME].enabled);
  assert_false(c.scrapers.cpu.metrics[HM_CPU_UTILIZATION].enabled);
  assert_true(c.scrapers.memory.metrics[HM_MEM_USAGE].enabled);
  assert_false(c.scrapers.memory.metrics[HM_MEM_UTILIZATION].enabled);
  assert_true(c.scrapers.filesystem.metrics[HM_FS_INODES].enabled);
  assert_false(c.scrapers.filesystem.metrics[HM_FS_UTILIZATION].enabled);
  assert_false(c.scrapers.filesystem.include_virtual_filesystems);
  assert_true(c.scrapers.network.metrics[HM_NET_CONNECTIONS].enabled);
  assert_false(c.scrapers.paging.metrics[HM_PAGING_UTILIZATION].enabled);
  otlpd_errors_free(&errs);
  otlpd_settings_free(hm_settings, &c);
}

/* The settings table's default per metric agrees with the metric
 * definitions (the README's "default" column) for every metric. */
static void check_defaults(const hm_metric_cfg *cfg, const hm_metric_def *defs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_non_null(defs[i].name);
    if (cfg[i].enabled != defs[i].on) fail_msg("%s: settings default %d, definition %d", defs[i].name, cfg[i].enabled, defs[i].on);
  }
}

static void test_metric_defaults_agree(void **st) {
  (void)st;
  hm_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(hm_test_config(&c, "scrapers: {cpu: }", &errs), 0);
  const hm_scrapers_cfg *s = &c.scrapers;
  check_defaults(s->cpu.metrics, hm_cpu_defs, HM_CPU_N);
  check_defaults(s->memory.metrics, hm_mem_defs, HM_MEM_N);
  check_defaults(s->load.metrics, hm_load_defs, HM_LOAD_N);
  check_defaults(s->disk.metrics, hm_disk_defs, HM_DISK_N);
  check_defaults(s->filesystem.metrics, hm_fs_defs, HM_FS_N);
  check_defaults(s->network.metrics, hm_net_defs, HM_NET_N);
  check_defaults(s->paging.metrics, hm_paging_defs, HM_PAGING_N);
  check_defaults(s->processes.metrics, hm_procs_defs, HM_PROCS_N);
  otlpd_errors_free(&errs);
  otlpd_settings_free(hm_settings, &c);
}

static void test_metric_toggle(void **st) {
  (void)st;
  hm_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(hm_test_config(&c, "collection_interval: 10s\nscrapers:\n  cpu:\n    metrics:\n"
                                      "      system.cpu.time: {enabled: false}\n"
                                      "      system.cpu.utilization: {enabled: true}\n", &errs),
                   0);
  assert_int_equal(c.collection_interval, 10 * OTLPD_NS_PER_SEC);
  assert_false(c.scrapers.cpu.metrics[HM_CPU_TIME].enabled);
  assert_true(c.scrapers.cpu.metrics[HM_CPU_UTILIZATION].enabled);
  otlpd_errors_free(&errs);
  otlpd_settings_free(hm_settings, &c);
}

static void test_errors(void **st) {
  (void)st;
  expect_error("scrapers: {cpux: }", "receivers::hostmetrics::scrapers::cpux: unknown key (did you mean \"cpu\"?)");
  expect_error("scrapers: {cpu: {metrics: {system.cpu.tme: {enabled: true}}}}",
               "receivers::hostmetrics::scrapers::cpu::metrics::system.cpu.tme: unknown key");
  expect_error("scrapers: {memory: {metrics: {system.cpu.time: {enabled: true}}}}",
               "scrapers::memory::metrics::system.cpu.time: unknown key");
  expect_error("scrapers: {disk: {include: {devices: ['sd(a'], match_type: regexp}}}",
               "receivers::hostmetrics::scrapers::disk::include: bad regexp \"sd(a\"");
  expect_error("scrapers: {filesystem: {exclude_mount_points: {mount_points: ['[/'], match_type: regexp}}}",
               "scrapers::filesystem::exclude_mount_points: bad regexp");
  expect_error("scrapers: {network: {include: {interfaces: [eth0]}}}",
               "scrapers::network::include::match_type: must be strict or regexp");
  expect_error("scrapers: {network: {include: {interfaces: [eth0], match_type: glob}}}", "match_type");
  expect_error("collection_interval: 10s", "receivers::hostmetrics::scrapers: must specify at least one scraper");
  expect_error("root_path: hostfs\nscrapers: {cpu: }", "receivers::hostmetrics::root_path: must be an absolute path");
  expect_error("collection_interval: 0s\nscrapers: {cpu: }", "collection_interval: must be greater than zero");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_metric_toggle),
      cmocka_unit_test(test_metric_defaults_agree),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
