/* hostmetrics scrapers against the fixture tree tests/hostmetrics/fixture:
 * exact values, units, attributes, start times and defaults per scraper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostmetrics_fixtures.h"

#define NOW 1800000000000000000ull
#define BOOT 1700000000000000000ull

static const hm_test_point *pt(const otlp_metrics_request *r, const char *name, const char *attrs) {
  const hm_test_point *p = hm_test_point_of(r, name, attrs);
  if (!p) fail_msg("no point %s{%s}", name, attrs);
  return p;
}

static int64_t ival(const otlp_metrics_request *r, const char *name, const char *attrs) {
  const hm_test_point *p = pt(r, name, attrs);
  assert_int_equal(p->value_case, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
  return p->as_int;
}

static double dval(const otlp_metrics_request *r, const char *name, const char *attrs) {
  const hm_test_point *p = pt(r, name, attrs);
  assert_int_equal(p->value_case, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
  return p->as_double;
}

static void assert_sum(const otlp_metrics_request *r, const char *name, const char *unit, bool monotonic) {
  const otlp_metric *m = hm_test_metric(r, name);
  assert_non_null(m);
  assert_string_equal(m->unit, unit);
  assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
  assert_int_equal(m->sum->aggregation_temporality,
                   OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
  assert_int_equal(!!m->sum->is_monotonic, monotonic);
  for (size_t i = 0; i < m->sum->n_data_points; i++) {
    assert_int_equal(m->sum->data_points[i]->start_time_unix_nano, BOOT);
    assert_int_equal(m->sum->data_points[i]->time_unix_nano, NOW);
  }
}

static void assert_gauge(const otlp_metrics_request *r, const char *name, const char *unit) {
  const otlp_metric *m = hm_test_metric(r, name);
  assert_non_null(m);
  assert_string_equal(m->unit, unit);
  assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
}

static void test_cpu(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {cpu: {metrics: {system.cpu.utilization: {enabled: true}}}}"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_non_null(r);
  assert_int_equal(r->n_resource_metrics, 1);
  /* resource: os.type, and host.name from root_path's proc/sys/kernel/hostname */
  const otlp_resource *res = r->resource_metrics[0]->resource;
  assert_int_equal(res->n_attributes, 2);
  assert_string_equal(res->attributes[0]->key, "os.type");
  assert_string_equal(res->attributes[0]->value->string_value, "linux");
  assert_string_equal(res->attributes[1]->key, "host.name");
  assert_string_equal(res->attributes[1]->value->string_value, "fixture-node");
  assert_string_equal(r->resource_metrics[0]->scope_metrics[0]->scope->name,
                      "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/"
                      "internal/scraper/cpuscraper");
  assert_sum(r, "system.cpu.time", "s", true);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.cpu.time")), 16); /* 2 CPUs x 8 states */
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=user"), 6.0, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=nice"), 1.0, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=system"), 2.0, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=idle"), 20.0, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=wait"), 0.25, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=interrupt"), 0.03, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu0,state=softirq"), 0.04, 1e-9);
  assert_float_equal(dval(r, "system.cpu.time", "cpu=cpu1,state=steal"), 0.03, 1e-9);
  /* utilization needs a previous scrape; the second sees no change */
  assert_null(hm_test_metric(r, "system.cpu.utilization"));
  assert_null(hm_test_metric(r, "system.cpu.logical.count")); /* off by default */
  r = hm_test_scrape(&t, NOW + 10ull * 1000000000ull);
  assert_gauge(r, "system.cpu.utilization", "1");
  assert_float_equal(dval(r, "system.cpu.utilization", "cpu=cpu1,state=idle"), 0.0, 1e-12);
  /* a changed idle time over 10 s of wall time */
  t.state.prev_cpu[1 * 8 + 3] -= 5.0; /* cpu1 idle 5 s less last time */
  r = hm_test_scrape(&t, NOW + 20ull * 1000000000ull);
  assert_float_equal(dval(r, "system.cpu.utilization", "cpu=cpu1,state=idle"), 0.5, 1e-9);
  hm_test_end(&t);
}

static void test_cpu_disabled_time(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {cpu: {metrics: {system.cpu.time: {enabled: false}, "
                                     "system.cpu.logical.count: {enabled: true}}}}"),
                   0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_null(hm_test_metric(r, "system.cpu.time"));
  assert_int_equal(ival(r, "system.cpu.logical.count", ""), 2);
  hm_test_end(&t);
}

static void test_memory(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {memory: {metrics: {system.memory.utilization: {enabled: true}, "
                                     "system.memory.limit: {enabled: true}, system.linux.memory.available: {enabled: true}}}}"),
                   0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.memory.usage", "By", false);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.memory.usage")), 6);
  assert_int_equal(ival(r, "system.memory.usage", "state=used"), 8300000ll * 1024);
  assert_int_equal(ival(r, "system.memory.usage", "state=free"), 4000000ll * 1024);
  assert_int_equal(ival(r, "system.memory.usage", "state=buffered"), 500000ll * 1024);
  assert_int_equal(ival(r, "system.memory.usage", "state=cached"), 3200000ll * 1024);
  assert_int_equal(ival(r, "system.memory.usage", "state=slab_reclaimable"), 200000ll * 1024);
  assert_int_equal(ival(r, "system.memory.usage", "state=slab_unreclaimable"), 100000ll * 1024);
  assert_float_equal(dval(r, "system.memory.utilization", "state=free"), 0.25, 1e-12);
  assert_int_equal(ival(r, "system.memory.limit", ""), 16000000ll * 1024);
  assert_int_equal(ival(r, "system.linux.memory.available", ""), 9000000ll * 1024);
  hm_test_end(&t);
}

static void test_load(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {load: }"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_gauge(r, "system.cpu.load_average.1m", "{thread}");
  assert_float_equal(dval(r, "system.cpu.load_average.1m", ""), 0.5, 1e-12);
  assert_float_equal(dval(r, "system.cpu.load_average.5m", ""), 1.25, 1e-12);
  assert_float_equal(dval(r, "system.cpu.load_average.15m", ""), 2.0, 1e-12);
  hm_test_end(&t);
  assert_int_equal(hm_test_start(&t, "scrapers: {load: {cpu_average: true}}"), 0);
  r = hm_test_scrape(&t, NOW);
  assert_float_equal(dval(r, "system.cpu.load_average.15m", ""), 1.0, 1e-12); /* 2 CPUs */
  hm_test_end(&t);
}

static void test_disk(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {disk: {exclude: {devices: ['^loop'], match_type: regexp}}}"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.disk.io", "By", true);
  assert_int_equal(ival(r, "system.disk.io", "device=sda,direction=read"), 2000 * 512);
  assert_int_equal(ival(r, "system.disk.io", "device=sda,direction=write"), 4000 * 512);
  assert_sum(r, "system.disk.operations", "{operations}", true);
  assert_int_equal(ival(r, "system.disk.operations", "device=sda,direction=read"), 100);
  assert_int_equal(ival(r, "system.disk.operations", "device=sda1,direction=write"), 100);
  assert_sum(r, "system.disk.merged", "{operations}", true);
  assert_int_equal(ival(r, "system.disk.merged", "device=sda,direction=write"), 20);
  assert_sum(r, "system.disk.operation_time", "s", true);
  assert_float_equal(dval(r, "system.disk.operation_time", "device=sda,direction=read"), 0.3, 1e-12);
  assert_float_equal(dval(r, "system.disk.operation_time", "device=sda,direction=write"), 0.5, 1e-12);
  assert_sum(r, "system.disk.io_time", "s", true);
  assert_float_equal(dval(r, "system.disk.io_time", "device=sda"), 0.6, 1e-12);
  assert_sum(r, "system.disk.weighted_io_time", "s", true);
  assert_float_equal(dval(r, "system.disk.weighted_io_time", "device=sda"), 0.8, 1e-12);
  assert_sum(r, "system.disk.pending_operations", "{operations}", false);
  assert_int_equal(ival(r, "system.disk.pending_operations", "device=sda"), 2);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.disk.io")), 4); /* loop0 excluded */
  hm_test_end(&t);
  assert_int_equal(hm_test_start(&t, "scrapers: {disk: {include: {devices: [sda], match_type: strict}}}"), 0);
  r = hm_test_scrape(&t, NOW);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.disk.io")), 2);
  hm_test_end(&t);
}

static void test_filesystem(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {filesystem: }"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.filesystem.usage", "By", false);
  /* physical filesystems only: /, /data, "/mnt/with space" */
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.filesystem.usage")), 9);
  const char *root = "device=/dev/sda1,mode=rw,mountpoint=/,type=ext4";
  char a[256];
  snprintf(a, sizeof(a), "%s,state=used", root);
  assert_int_equal(ival(r, "system.filesystem.usage", a), 700 * 4096);
  snprintf(a, sizeof(a), "%s,state=free", root);
  assert_int_equal(ival(r, "system.filesystem.usage", a), 200 * 4096);
  snprintf(a, sizeof(a), "%s,state=reserved", root);
  assert_int_equal(ival(r, "system.filesystem.usage", a), 100 * 4096);
  assert_int_equal(ival(r, "system.filesystem.usage",
                        "device=/dev/sdb1,mode=ro,mountpoint=/data,type=xfs,state=used"),
                   700 * 4096);
  assert_int_equal(ival(r, "system.filesystem.usage",
                        "device=/dev/sdc1,mode=rw,mountpoint=/mnt/with space,type=ext4,state=free"),
                   200 * 4096);
  assert_sum(r, "system.filesystem.inodes.usage", "{inodes}", false);
  assert_int_equal(ival(r, "system.filesystem.inodes.usage",
                        "device=/dev/sdb1,mode=ro,mountpoint=/data,type=xfs,state=used"),
                   400);
  assert_int_equal(ival(r, "system.filesystem.inodes.usage",
                        "device=/dev/sdb1,mode=ro,mountpoint=/data,type=xfs,state=free"),
                   100);
  assert_null(hm_test_metric(r, "system.filesystem.utilization"));
  hm_test_end(&t);

  assert_int_equal(hm_test_start(&t, "scrapers: {filesystem: {include_virtual_filesystems: true,"
                                     " exclude_fs_types: {fs_types: [proc], match_type: strict},"
                                     " exclude_mount_points: {mount_points: ['^/mnt/'], match_type: regexp},"
                                     " metrics: {system.filesystem.utilization: {enabled: true}}}}"),
                   0);
  r = hm_test_scrape(&t, NOW);
  /* /, /run (tmpfs), /data */
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.filesystem.usage")), 9);
  assert_non_null(hm_test_point_of(r, "system.filesystem.usage",
                                   "device=tmpfs,mode=rw,mountpoint=/run,type=tmpfs,state=used"));
  assert_float_equal(dval(r, "system.filesystem.utilization", "device=/dev/sda1,mode=rw,mountpoint=/,type=ext4"),
                     700.0 / 900.0, 1e-12);
  hm_test_end(&t);

  assert_int_equal(hm_test_start(&t, "scrapers: {filesystem: {include_mount_points: {mount_points: [/data], match_type: strict}}}"), 0);
  r = hm_test_scrape(&t, NOW);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.filesystem.usage")), 3);
  hm_test_end(&t);
}

static void test_network(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {network: {exclude: {interfaces: [lo], match_type: strict}}}"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.network.io", "By", true);
  assert_int_equal(ival(r, "system.network.io", "device=eth0,direction=receive"), 123456);
  assert_int_equal(ival(r, "system.network.io", "device=eth0,direction=transmit"), 654321);
  assert_sum(r, "system.network.packets", "{packets}", true);
  assert_int_equal(ival(r, "system.network.packets", "device=eth0,direction=receive"), 789);
  assert_int_equal(ival(r, "system.network.packets", "device=eth0,direction=transmit"), 987);
  assert_sum(r, "system.network.errors", "{errors}", true);
  assert_int_equal(ival(r, "system.network.errors", "device=eth0,direction=receive"), 1);
  assert_int_equal(ival(r, "system.network.errors", "device=eth0,direction=transmit"), 3);
  assert_sum(r, "system.network.dropped", "{packets}", true);
  assert_int_equal(ival(r, "system.network.dropped", "device=eth0,direction=receive"), 2);
  assert_int_equal(ival(r, "system.network.dropped", "device=eth0,direction=transmit"), 4);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.network.io")), 2); /* lo excluded */
  assert_sum(r, "system.network.connections", "{connections}", false);
  assert_int_equal(hm_test_npoints(hm_test_metric(r, "system.network.connections")), 12);
  assert_int_equal(ival(r, "system.network.connections", "protocol=tcp,state=LISTEN"), 2);
  assert_int_equal(ival(r, "system.network.connections", "protocol=tcp,state=ESTABLISHED"), 1);
  assert_int_equal(ival(r, "system.network.connections", "protocol=tcp,state=TIME_WAIT"), 1);
  assert_int_equal(ival(r, "system.network.connections", "protocol=tcp,state=CLOSE_WAIT"), 0);
  hm_test_end(&t);
}

static void test_paging(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {paging: {metrics: {system.paging.utilization: {enabled: true}}}}"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.paging.usage", "By", false);
  assert_int_equal(ival(r, "system.paging.usage", "device=/dev/sda2,state=used"), 250000ll * 1024);
  assert_int_equal(ival(r, "system.paging.usage", "device=/dev/sda2,state=free"), 750000ll * 1024);
  assert_float_equal(dval(r, "system.paging.utilization", "device=/dev/sda2,state=used"), 0.25, 1e-12);
  /* gopsutil's (and so otelcol's) counters are the kernel's times 4096 */
  assert_sum(r, "system.paging.operations", "{operations}", true);
  assert_int_equal(ival(r, "system.paging.operations", "direction=page_in,type=major"), 1 * 4096);
  assert_int_equal(ival(r, "system.paging.operations", "direction=page_out,type=major"), 2 * 4096);
  assert_int_equal(ival(r, "system.paging.operations", "direction=page_in,type=minor"), 10 * 4096);
  assert_int_equal(ival(r, "system.paging.operations", "direction=page_out,type=minor"), 20 * 4096);
  assert_sum(r, "system.paging.faults", "{faults}", true);
  assert_int_equal(ival(r, "system.paging.faults", "type=major"), 7 * 4096);
  assert_int_equal(ival(r, "system.paging.faults", "type=minor"), 993 * 4096);
  hm_test_end(&t);
}

static void test_processes(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {processes: }"), 0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_sum(r, "system.processes.count", "{processes}", false);
  assert_int_equal(ival(r, "system.processes.count", "status=running"), 3); /* procs_running */
  assert_int_equal(ival(r, "system.processes.count", "status=blocked"), 1); /* procs_blocked */
  assert_int_equal(ival(r, "system.processes.count", "status=sleeping"), 2);
  assert_int_equal(ival(r, "system.processes.count", "status=zombies"), 1); /* "(my (weird) proc) Z" */
  assert_int_equal(ival(r, "system.processes.count", "status=idle"), 1);
  assert_int_equal(ival(r, "system.processes.count", "status=stopped"), 1);
  assert_int_equal(ival(r, "system.processes.count", "status=unknown"), 250 - 9);
  assert_null(hm_test_point_of(r, "system.processes.count", "status=paging"));
  assert_sum(r, "system.processes.created", "{processes}", true);
  assert_int_equal(ival(r, "system.processes.created", ""), 4242);
  hm_test_end(&t);
}

static void test_all_scrapers_one_request(void **st) {
  (void)st;
  hm_test_run t;
  assert_int_equal(hm_test_start(&t, "scrapers: {cpu: , memory: , load: , disk: , filesystem: , network: ,"
                                     " paging: , processes: }"),
                   0);
  otlp_metrics_request *r = hm_test_scrape(&t, NOW);
  assert_int_equal(r->n_resource_metrics, 8); /* one per scraper, as otelcol */
  assert_int_equal(otlpd_request_items(OTLPD_METRICS, &r->base), t.s.points);
  /* the request encodes (what exporters do with it) */
  size_t n = protobuf_c_message_get_packed_size(&r->base);
  assert_true(n > 1000);
  hm_test_end(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cpu),        cmocka_unit_test(test_cpu_disabled_time),
      cmocka_unit_test(test_memory),     cmocka_unit_test(test_load),
      cmocka_unit_test(test_disk),       cmocka_unit_test(test_filesystem),
      cmocka_unit_test(test_network),    cmocka_unit_test(test_paging),
      cmocka_unit_test(test_processes),  cmocka_unit_test(test_all_scrapers_one_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
