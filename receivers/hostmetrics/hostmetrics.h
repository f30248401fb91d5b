/* hostmetrics receiver: otelcol-contrib's host scrapers reading /proc,
 * /sys and mounts (optionally under root_path), building
 * ExportMetricsServiceRequest structs in a payload arena.
 *
 * Threads: a scrape runs in the libuv threadpool (hm_receiver.c). The
 * worker reads the immutable config, the paths and compiled filters, and
 * the scraper state (hm_state: previous CPU times) which only one scrape
 * at a time touches; `busy` is set on the loop before uv_queue_work and
 * cleared in its completion callback, and libuv's queue orders the two. */
#ifndef OTLPD_HOSTMETRICS_H
#define OTLPD_HOSTMETRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <uv.h>

#include "otlpd/component.h"

/* ---- configuration (hm_config.c) ---- */

typedef struct hm_metric_cfg {
  bool enabled;
} hm_metric_cfg;

enum { HM_MATCH_UNSET = 0, HM_MATCH_STRICT = 1, HM_MATCH_REGEXP = 2 };

/* One filterset: `{devices|interfaces|fs_types|mount_points: [..], match_type: ..}`. */
typedef struct hm_match_cfg {
  otlpd_strings items;
  int match_type;
} hm_match_cfg;

enum { HM_CPU_TIME, HM_CPU_UTILIZATION, HM_CPU_LOGICAL_COUNT, HM_CPU_N };
enum { HM_MEM_USAGE, HM_MEM_UTILIZATION, HM_MEM_LIMIT, HM_MEM_AVAILABLE, HM_MEM_N };
enum { HM_LOAD_1M, HM_LOAD_5M, HM_LOAD_15M, HM_LOAD_N };
enum {
  HM_DISK_IO, HM_DISK_IO_TIME, HM_DISK_MERGED, HM_DISK_OPERATION_TIME, HM_DISK_OPERATIONS,
  HM_DISK_PENDING, HM_DISK_WEIGHTED_IO_TIME, HM_DISK_N
};
enum { HM_FS_USAGE, HM_FS_INODES, HM_FS_UTILIZATION, HM_FS_N };
enum { HM_NET_CONNECTIONS, HM_NET_DROPPED, HM_NET_ERRORS, HM_NET_IO, HM_NET_PACKETS, HM_NET_N };
enum { HM_PAGING_FAULTS, HM_PAGING_OPERATIONS, HM_PAGING_USAGE, HM_PAGING_UTILIZATION, HM_PAGING_N };
enum { HM_PROCS_COUNT, HM_PROCS_CREATED, HM_PROCS_N };

typedef struct hm_cpu_cfg { hm_metric_cfg metrics[HM_CPU_N]; } hm_cpu_cfg;
typedef struct hm_memory_cfg { hm_metric_cfg metrics[HM_MEM_N]; } hm_memory_cfg;
typedef struct hm_load_cfg {
  hm_metric_cfg metrics[HM_LOAD_N];
  bool cpu_average;
} hm_load_cfg;
typedef struct hm_disk_cfg {
  hm_metric_cfg metrics[HM_DISK_N];
  hm_match_cfg include, exclude; /* devices */
} hm_disk_cfg;
typedef struct hm_fs_cfg {
  hm_metric_cfg metrics[HM_FS_N];
  hm_match_cfg include_devices, exclude_devices;
  hm_match_cfg include_fs_types, exclude_fs_types;
  hm_match_cfg include_mount_points, exclude_mount_points;
  bool include_virtual_filesystems;
} hm_fs_cfg;
typedef struct hm_network_cfg {
  hm_metric_cfg metrics[HM_NET_N];
  hm_match_cfg include, exclude; /* interfaces */
} hm_network_cfg;
typedef struct hm_paging_cfg { hm_metric_cfg metrics[HM_PAGING_N]; } hm_paging_cfg;
typedef struct hm_processes_cfg { hm_metric_cfg metrics[HM_PROCS_N]; } hm_processes_cfg;

typedef struct hm_scrapers_cfg {
  bool has_cpu, has_memory, has_load, has_disk, has_filesystem, has_network, has_paging, has_processes;
  hm_cpu_cfg cpu;
  hm_memory_cfg memory;
  hm_load_cfg load;
  hm_disk_cfg disk;
  hm_fs_cfg filesystem;
  hm_network_cfg network;
  hm_paging_cfg paging;
  hm_processes_cfg processes;
} hm_scrapers_cfg;

typedef struct hm_cfg {
  int64_t collection_interval; /* ns */
  int64_t initial_delay;       /* ns */
  char *root_path;
  hm_scrapers_cfg scrapers;
} hm_cfg;

extern const otlpd_setting hm_settings[];
int hm_validate(const void *config, const char *path, struct otlpd_errors *errs);

/* ---- metric descriptions (hm_metrics.c) ---- */

typedef enum { HM_GAUGE, HM_SUM, HM_SUM_MONOTONIC } hm_metric_kind;

typedef struct hm_metric_def {
  const char *name;
  const char *unit;
  const char *desc;
  hm_metric_kind kind;
  bool is_double;
  bool on; /* otelcol's default */
  const char *attrs; /* for docs: "cpu, state" */
} hm_metric_def;

extern const hm_metric_def hm_cpu_defs[HM_CPU_N], hm_mem_defs[HM_MEM_N], hm_load_defs[HM_LOAD_N],
    hm_disk_defs[HM_DISK_N], hm_fs_defs[HM_FS_N], hm_net_defs[HM_NET_N], hm_paging_defs[HM_PAGING_N],
    hm_procs_defs[HM_PROCS_N];

/* ---- filters (hm_filter.c) ---- */

typedef struct hm_filter {
  const hm_match_cfg *cfg;
  void **re; /* pcre2_code * per item when regexp */
} hm_filter;

/* Compile cfg (regexps); 0, or -EINVAL with *err_item set to the bad one. */
int hm_filter_init(hm_filter *f, const hm_match_cfg *cfg, size_t *err_item, char *msg, size_t msglen);
void hm_filter_free(hm_filter *f);
/* Whether s matches any item (an empty filter matches nothing). */
bool hm_filter_match(const hm_filter *f, const char *s);
/* include empty or matching, and exclude empty or not matching. */
bool hm_filter_keep(const hm_filter *inc, const hm_filter *exc, const char *s);

/* ---- one scrape (hm_out.c) ---- */

typedef struct hm_state {
  /* previous per-CPU times for system.cpu.utilization */
  double *prev_cpu; /* ncpu * 8 states */
  size_t prev_ncpu;
  uint64_t prev_ns;
} hm_state;

typedef struct hm_filters {
  hm_filter disk_inc, disk_exc, net_inc, net_exc;
  hm_filter fs_dev_inc, fs_dev_exc, fs_type_inc, fs_type_exc, fs_mp_inc, fs_mp_exc;
} hm_filters;

typedef struct hm_scrape {
  const hm_cfg *cfg;
  const hm_filters *filters;
  hm_state *state;
  const char *proc;   /* "/proc" or root_path/proc or $HOST_PROC */
  const char *root;   /* "" or root_path: prefix of mount points for statvfs */
  int (*statvfs)(const char *path, struct statvfs *out); /* injectable for tests */
  otlpd_arena *arena;
  uint64_t now_ns;
  uint64_t boot_ns;   /* start time of cumulative sums (proc/stat btime) */
  const char *host_name; /* resource host.name (in the arena), NULL if unknown */
  char *buf;          /* file reading buffer (hm_read) */
  size_t buf_cap;
  /* output */
  otlp_resource_metrics **rm;
  size_t nrm, caprm;
  size_t points;
  otlp_metrics_request *req; /* the scrape's result, handed to the loop */
  char err[256];      /* first scraper error, for the log */
} hm_scrape;

/* The scope metrics of a new ResourceMetrics for scraper `name` (cpu...). */
otlp_scope_metrics *hm_scope(hm_scrape *s, const char *name);
/* A new metric of def in sc; NULL on ENOMEM. */
otlp_metric *hm_metric(hm_scrape *s, otlp_scope_metrics *sc, const hm_metric_def *def);

typedef struct hm_attr {
  const char *key; /* static */
  const char *val; /* copied into the arena */
} hm_attr;

/* Append a point to m: int or double per its def; start time for sums is
 * boot time. 0 or -ENOMEM. */
int hm_point_i(hm_scrape *s, otlp_metric *m, int64_t v, const hm_attr *a, size_t na);
int hm_point_d(hm_scrape *s, otlp_metric *m, double v, const hm_attr *a, size_t na);
/* Drop metrics with no points from sc (a filter may have excluded all). */
void hm_scope_trim(otlp_scope_metrics *sc);
/* First error wins, for the log. */
void hm_errorf(hm_scrape *s, const char *fmt, ...) OTLPD_PRINTF(2, 3);

/* ---- /proc reading (hm_read.c) ---- */

/* Read proc/<rel> (or an absolute path when rel starts with '/') into
 * s->buf, NUL-terminated. Length or negative errno. */
ssize_t hm_read(hm_scrape *s, const char *dir, const char *rel);
/* The host's name: <proc>/sys/kernel/hostname under a root_path, else
 * uname(); in s->arena, NULL when unknown. */
const char *hm_host_name(hm_scrape *s);
/* Boot time (seconds) from proc/stat btime. 0 or negative errno. */
int hm_boot_time(hm_scrape *s, uint64_t *btime);

/* ---- scrapers (scrape_*.c): 0 or negative errno ---- */

int hm_scrape_cpu(hm_scrape *s);
int hm_scrape_memory(hm_scrape *s);
int hm_scrape_load(hm_scrape *s);
int hm_scrape_disk(hm_scrape *s);
int hm_scrape_filesystem(hm_scrape *s);
int hm_scrape_network(hm_scrape *s);
int hm_scrape_paging(hm_scrape *s);
int hm_scrape_processes(hm_scrape *s);

/* Every enabled scraper into s (arena set); builds the request. Returns
 * the request (in s->arena) or NULL on ENOMEM. */
otlp_metrics_request *hm_scrape_all(hm_scrape *s);
/* Per-scrape buffers freed (the arena is not). */
void hm_scrape_release(hm_scrape *s);
void hm_state_free(hm_state *st);

#endif
