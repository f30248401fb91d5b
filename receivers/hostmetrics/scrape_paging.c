/* paging scraper: swap devices of /proc/swaps (KiB) and the page counters
 * of /proc/vmstat. otelcol takes the counters from gopsutil, which
 * multiplies each by 4096; they are emitted the same way so dashboards
 * built on otelcol read the same numbers (README, "Differences"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

#define GOPSUTIL_PAGE_FACTOR 4096

static uint64_t vmstat(const char *buf, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, key, kl) == 0 && p[kl] == ' ') return strtoull(p + kl + 1, NULL, 10);
  return 0;
}

static int emit_swaps(hm_scrape *s, otlp_metric *usage, otlp_metric *util) {
  ssize_t len = hm_read(s, s->proc, "swaps");
  if (len < 0) {
    hm_errorf(s, "paging: reading %s/swaps: %s", s->proc, strerror((int)-len));
    return 0;
  }
  char *line = strchr(s->buf, '\n'); /* header */
  while (line && *++line) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char name[1024], type[64];
    unsigned long long size, used;
    int n = sscanf(line, "%1023s %63s %llu %llu", name, type, &size, &used);
    line = nl;
    if (n < 4 || used > size) continue;
    hm_attr a[2][2] = {{{"device", name}, {"state", "used"}}, {{"device", name}, {"state", "free"}}};
    if (usage && (hm_point_i(s, usage, (int64_t)(used * 1024), a[0], 2) < 0 ||
                  hm_point_i(s, usage, (int64_t)((size - used) * 1024), a[1], 2) < 0))
      return -ENOMEM;
    if (util && size && (hm_point_d(s, util, (double)used / (double)size, a[0], 2) < 0 ||
                         hm_point_d(s, util, (double)(size - used) / (double)size, a[1], 2) < 0))
      return -ENOMEM;
  }
  return 0;
}

static int emit_vmstat(hm_scrape *s, otlp_metric *ops, otlp_metric *faults) {
  ssize_t len = hm_read(s, s->proc, "vmstat");
  if (len < 0) {
    hm_errorf(s, "paging: reading %s/vmstat: %s", s->proc, strerror((int)-len));
    return 0;
  }
  const char *b = s->buf;
  int64_t f = GOPSUTIL_PAGE_FACTOR;
  if (ops) {
    struct {
      const char *key, *dir, *type;
    } rows[4] = {{"pswpin", "page_in", "major"}, {"pswpout", "page_out", "major"},
                 {"pgpgin", "page_in", "minor"}, {"pgpgout", "page_out", "minor"}};
    for (int i = 0; i < 4; i++) {
      hm_attr a[2] = {{"direction", rows[i].dir}, {"type", rows[i].type}};
      if (hm_point_i(s, ops, (int64_t)vmstat(b, rows[i].key) * f, a, 2) < 0) return -ENOMEM;
    }
  }
  if (faults) {
    int64_t all = (int64_t)vmstat(b, "pgfault") * f, major = (int64_t)vmstat(b, "pgmajfault") * f;
    hm_attr mj = {"type", "major"}, mn = {"type", "minor"};
    if (hm_point_i(s, faults, major, &mj, 1) < 0 || hm_point_i(s, faults, all - major, &mn, 1) < 0) return -ENOMEM;
  }
  return 0;
}

int hm_scrape_paging(hm_scrape *s) {
  const hm_metric_cfg *on = s->cfg->scrapers.paging.metrics;
  otlp_scope_metrics *sc = hm_scope(s, "paging");
  if (!sc) return -ENOMEM;
  otlp_metric *ms[HM_PAGING_N] = {0};
  static const int order[] = {HM_PAGING_USAGE, HM_PAGING_UTILIZATION, HM_PAGING_OPERATIONS, HM_PAGING_FAULTS};
  for (size_t i = 0; i < HM_PAGING_N; i++) {
    int k = order[i];
    if (on[k].enabled && !(ms[k] = hm_metric(s, sc, &hm_paging_defs[k]))) return -ENOMEM;
  }
  if ((ms[HM_PAGING_USAGE] || ms[HM_PAGING_UTILIZATION]) &&
      emit_swaps(s, ms[HM_PAGING_USAGE], ms[HM_PAGING_UTILIZATION]) < 0)
    return -ENOMEM;
  if ((ms[HM_PAGING_OPERATIONS] || ms[HM_PAGING_FAULTS]) &&
      emit_vmstat(s, ms[HM_PAGING_OPERATIONS], ms[HM_PAGING_FAULTS]) < 0)
    return -ENOMEM;
  hm_scope_trim(sc);
  return 0;
}
