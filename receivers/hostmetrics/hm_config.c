/* hostmetrics settings: otelcol-contrib's keys and defaults. Each metric of
 * a scraper is a `metrics::<name>::enabled` section whose default is
 * otelcol's; a name not in the table is an unknown key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostmetrics.h"
#include "otlpd/config.h"

static const otlpd_setting on_tbl[] = {
    OTLPD_S_BOOL(hm_metric_cfg, "enabled", enabled, "true", "emit this metric"),
    OTLPD_S_END,
};
static const otlpd_setting off_tbl[] = {
    OTLPD_S_BOOL(hm_metric_cfg, "enabled", enabled, "false", "emit this metric"),
    OTLPD_S_END,
};

#define ON(T, name, idx) \
  {name, OTLPD_SET_SECTION, offsetof(T, metrics) + (idx) * sizeof(hm_metric_cfg), NULL, "enabled by default", on_tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0}
#define OFF(T, name, idx) \
  {name, OTLPD_SET_SECTION, offsetof(T, metrics) + (idx) * sizeof(hm_metric_cfg), NULL, "disabled by default", off_tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0}

static const char *const match_types[] = {"", "strict", "regexp", NULL};

#define MATCH_TBL(var, listkey)                                                          \
  static const otlpd_setting var[] = {                                                   \
      OTLPD_S_STRINGS(hm_match_cfg, listkey, items, "names to match"),                   \
      OTLPD_S_ENUM(hm_match_cfg, "match_type", match_type, "", match_types,              \
                   "strict (whole name) or regexp (PCRE2, matches anywhere); required"), \
      OTLPD_S_END,                                                                       \
  }
MATCH_TBL(devices_tbl, "devices");
MATCH_TBL(interfaces_tbl, "interfaces");
MATCH_TBL(fs_types_tbl, "fs_types");
MATCH_TBL(mount_points_tbl, "mount_points");

static const otlpd_setting cpu_metrics[] = {
    ON(hm_cpu_cfg, "system.cpu.time", HM_CPU_TIME),
    OFF(hm_cpu_cfg, "system.cpu.utilization", HM_CPU_UTILIZATION),
    OFF(hm_cpu_cfg, "system.cpu.logical.count", HM_CPU_LOGICAL_COUNT),
    OTLPD_S_END,
};
static const otlpd_setting mem_metrics[] = {
    ON(hm_memory_cfg, "system.memory.usage", HM_MEM_USAGE),
    OFF(hm_memory_cfg, "system.memory.utilization", HM_MEM_UTILIZATION),
    OFF(hm_memory_cfg, "system.memory.limit", HM_MEM_LIMIT),
    OFF(hm_memory_cfg, "system.linux.memory.available", HM_MEM_AVAILABLE),
    OTLPD_S_END,
};
static const otlpd_setting load_metrics[] = {
    ON(hm_load_cfg, "system.cpu.load_average.1m", HM_LOAD_1M),
    ON(hm_load_cfg, "system.cpu.load_average.5m", HM_LOAD_5M),
    ON(hm_load_cfg, "system.cpu.load_average.15m", HM_LOAD_15M),
    OTLPD_S_END,
};
static const otlpd_setting disk_metrics[] = {
    ON(hm_disk_cfg, "system.disk.io", HM_DISK_IO),
    ON(hm_disk_cfg, "system.disk.io_time", HM_DISK_IO_TIME),
    ON(hm_disk_cfg, "system.disk.merged", HM_DISK_MERGED),
    ON(hm_disk_cfg, "system.disk.operation_time", HM_DISK_OPERATION_TIME),
    ON(hm_disk_cfg, "system.disk.operations", HM_DISK_OPERATIONS),
    ON(hm_disk_cfg, "system.disk.pending_operations", HM_DISK_PENDING),
    ON(hm_disk_cfg, "system.disk.weighted_io_time", HM_DISK_WEIGHTED_IO_TIME),
    OTLPD_S_END,
};
static const otlpd_setting fs_metrics[] = {
    ON(hm_fs_cfg, "system.filesystem.usage", HM_FS_USAGE),
    ON(hm_fs_cfg, "system.filesystem.inodes.usage", HM_FS_INODES),
    OFF(hm_fs_cfg, "system.filesystem.utilization", HM_FS_UTILIZATION),
    OTLPD_S_END,
};
static const otlpd_setting net_metrics[] = {
    ON(hm_network_cfg, "system.network.connections", HM_NET_CONNECTIONS),
    ON(hm_network_cfg, "system.network.dropped", HM_NET_DROPPED),
    ON(hm_network_cfg, "system.network.errors", HM_NET_ERRORS),
    ON(hm_network_cfg, "system.network.io", HM_NET_IO),
    ON(hm_network_cfg, "system.network.packets", HM_NET_PACKETS),
    OTLPD_S_END,
};
static const otlpd_setting paging_metrics[] = {
    ON(hm_paging_cfg, "system.paging.faults", HM_PAGING_FAULTS),
    ON(hm_paging_cfg, "system.paging.operations", HM_PAGING_OPERATIONS),
    ON(hm_paging_cfg, "system.paging.usage", HM_PAGING_USAGE),
    OFF(hm_paging_cfg, "system.paging.utilization", HM_PAGING_UTILIZATION),
    OTLPD_S_END,
};
static const otlpd_setting procs_metrics[] = {
    ON(hm_processes_cfg, "system.processes.count", HM_PROCS_COUNT),
    ON(hm_processes_cfg, "system.processes.created", HM_PROCS_CREATED),
    OTLPD_S_END,
};

/* A `metrics:` section over the struct itself (offsets above are from it). */
#define METRICS(T, tbl) {"metrics", OTLPD_SET_SECTION, 0, NULL, "per-metric `enabled` toggles", tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0}

static const otlpd_setting cpu_tbl[] = {METRICS(hm_cpu_cfg, cpu_metrics), OTLPD_S_END};
static const otlpd_setting mem_tbl[] = {METRICS(hm_memory_cfg, mem_metrics), OTLPD_S_END};
static const otlpd_setting load_tbl[] = {
    METRICS(hm_load_cfg, load_metrics),
    OTLPD_S_BOOL(hm_load_cfg, "cpu_average", cpu_average, "false", "divide the load averages by the number of logical CPUs"),
    OTLPD_S_END,
};
static const otlpd_setting disk_tbl[] = {
    METRICS(hm_disk_cfg, disk_metrics),
    OTLPD_S_SECTION(hm_disk_cfg, "include", include, devices_tbl, "only these devices"),
    OTLPD_S_SECTION(hm_disk_cfg, "exclude", exclude, devices_tbl, "not these devices"),
    OTLPD_S_END,
};
static const otlpd_setting fs_tbl[] = {
    METRICS(hm_fs_cfg, fs_metrics),
    OTLPD_S_SECTION(hm_fs_cfg, "include_devices", include_devices, devices_tbl, "only these devices"),
    OTLPD_S_SECTION(hm_fs_cfg, "exclude_devices", exclude_devices, devices_tbl, "not these devices"),
    OTLPD_S_SECTION(hm_fs_cfg, "include_fs_types", include_fs_types, fs_types_tbl, "only these filesystem types"),
    OTLPD_S_SECTION(hm_fs_cfg, "exclude_fs_types", exclude_fs_types, fs_types_tbl, "not these filesystem types"),
    OTLPD_S_SECTION(hm_fs_cfg, "include_mount_points", include_mount_points, mount_points_tbl, "only these mount points"),
    OTLPD_S_SECTION(hm_fs_cfg, "exclude_mount_points", exclude_mount_points, mount_points_tbl, "not these mount points"),
    OTLPD_S_BOOL(hm_fs_cfg, "include_virtual_filesystems", include_virtual_filesystems, "false",
                 "also filesystems /proc/filesystems marks nodev (tmpfs, proc, ...)"),
    OTLPD_S_END,
};
static const otlpd_setting net_tbl[] = {
    METRICS(hm_network_cfg, net_metrics),
    OTLPD_S_SECTION(hm_network_cfg, "include", include, interfaces_tbl, "only these interfaces"),
    OTLPD_S_SECTION(hm_network_cfg, "exclude", exclude, interfaces_tbl, "not these interfaces"),
    OTLPD_S_END,
};
static const otlpd_setting paging_tbl[] = {METRICS(hm_paging_cfg, paging_metrics), OTLPD_S_END};
static const otlpd_setting procs_tbl[] = {METRICS(hm_processes_cfg, procs_metrics), OTLPD_S_END};

static const otlpd_setting scrapers_tbl[] = {
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "cpu", cpu, has_cpu, cpu_tbl, "system.cpu.* per CPU (/proc/stat)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "memory", memory, has_memory, mem_tbl, "system.memory.* (/proc/meminfo)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "load", load, has_load, load_tbl, "system.cpu.load_average.* (/proc/loadavg)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "disk", disk, has_disk, disk_tbl, "system.disk.* (/proc/diskstats)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "filesystem", filesystem, has_filesystem, fs_tbl,
                      "system.filesystem.* (mounts of /proc/1, statvfs)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "network", network, has_network, net_tbl,
                      "system.network.* (/proc/net/dev, /proc/net/tcp*)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "paging", paging, has_paging, paging_tbl,
                      "system.paging.* (/proc/vmstat, /proc/swaps)"),
    OTLPD_S_SECTION_P(hm_scrapers_cfg, "processes", processes, has_processes, procs_tbl,
                      "system.processes.* (/proc/stat, /proc/<pid>/stat)"),
    OTLPD_S_END,
};

const otlpd_setting hm_settings[] = {
    OTLPD_S_DURATION(hm_cfg, "collection_interval", collection_interval, "1m", "time between scrapes"),
    OTLPD_S_DURATION(hm_cfg, "initial_delay", initial_delay, "1s", "time from start to the first scrape"),
    OTLPD_S_STRING(hm_cfg, "root_path", root_path, NULL,
                   "host filesystem root when running in a container (reads <root_path>/proc, mounts under it)"),
    OTLPD_S_SECTION(hm_cfg, "scrapers", scrapers, scrapers_tbl, "the scrapers to run (at least one)"),
    OTLPD_S_IGNORED("timeout", "accepted for otelcol compatibility; a scrape is not cancelled"),
    OTLPD_S_END,
};

static int check_filter(const hm_match_cfg *m, const char *path, const char *key, otlpd_errors *errs) {
  if (m->items.n == 0) return 0;
  if (m->match_type == HM_MATCH_UNSET) {
    otlpd_errorf(errs, "%s::%s::match_type: must be strict or regexp", path, key);
    return -EINVAL;
  }
  hm_filter f;
  size_t bad = 0;
  char msg[160];
  if (hm_filter_init(&f, m, &bad, msg, sizeof(msg)) < 0) {
    otlpd_errorf(errs, "%s::%s: bad regexp \"%s\": %s", path, key, m->items.v[bad], msg);
    return -EINVAL;
  }
  hm_filter_free(&f);
  return 0;
}

int hm_validate(const void *config, const char *path, otlpd_errors *errs) {
  const hm_cfg *c = config;
  const hm_scrapers_cfg *s = &c->scrapers;
  size_t before = errs->n;
  if (c->collection_interval <= 0)
    otlpd_errorf(errs, "%s::collection_interval: must be greater than zero", path);
  if (c->initial_delay < 0) otlpd_errorf(errs, "%s::initial_delay: must not be negative", path);
  if (!(s->has_cpu || s->has_memory || s->has_load || s->has_disk || s->has_filesystem || s->has_network ||
        s->has_paging || s->has_processes))
    otlpd_errorf(errs, "%s::scrapers: must specify at least one scraper", path);
  if (c->root_path && c->root_path[0] && c->root_path[0] != '/')
    otlpd_errorf(errs, "%s::root_path: must be an absolute path", path);
  char p[512];
  snprintf(p, sizeof(p), "%s::scrapers::disk", path);
  check_filter(&s->disk.include, p, "include", errs);
  check_filter(&s->disk.exclude, p, "exclude", errs);
  snprintf(p, sizeof(p), "%s::scrapers::network", path);
  check_filter(&s->network.include, p, "include", errs);
  check_filter(&s->network.exclude, p, "exclude", errs);
  snprintf(p, sizeof(p), "%s::scrapers::filesystem", path);
  const hm_fs_cfg *fs = &s->filesystem;
  check_filter(&fs->include_devices, p, "include_devices", errs);
  check_filter(&fs->exclude_devices, p, "exclude_devices", errs);
  check_filter(&fs->include_fs_types, p, "include_fs_types", errs);
  check_filter(&fs->exclude_fs_types, p, "exclude_fs_types", errs);
  check_filter(&fs->include_mount_points, p, "include_mount_points", errs);
  check_filter(&fs->exclude_mount_points, p, "exclude_mount_points", errs);
  return errs->n > before ? -EINVAL : 0;
}
