/* disk scraper: /proc/diskstats (512-byte sectors, times in ms), as
 * gopsutil reads it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

typedef struct disk_row {
  char name[64];
  /* reads merged sectors read_ms writes merged sectors write_ms inprogress io_ms weighted_ms */
  unsigned long long f[11];
} disk_row;

static int emit_rw(hm_scrape *s, otlp_metric *m, const char *dev, int64_t r, int64_t w, bool dbl, double scale) {
  hm_attr a[2][2] = {{{"device", dev}, {"direction", "read"}}, {{"device", dev}, {"direction", "write"}}};
  if (dbl) {
    if (hm_point_d(s, m, (double)r * scale, a[0], 2) < 0) return -ENOMEM;
    return hm_point_d(s, m, (double)w * scale, a[1], 2);
  }
  if (hm_point_i(s, m, r, a[0], 2) < 0) return -ENOMEM;
  return hm_point_i(s, m, w, a[1], 2);
}

static int emit_row(hm_scrape *s, otlp_metric *const *ms, const disk_row *d) {
  const unsigned long long *f = d->f;
  const char *dev = d->name;
  hm_attr a = {"device", dev};
  int rc = 0;
  if (ms[HM_DISK_IO]) rc = emit_rw(s, ms[HM_DISK_IO], dev, (int64_t)f[2] * 512, (int64_t)f[6] * 512, false, 1);
  if (!rc && ms[HM_DISK_OPERATIONS]) rc = emit_rw(s, ms[HM_DISK_OPERATIONS], dev, (int64_t)f[0], (int64_t)f[4], false, 1);
  if (!rc && ms[HM_DISK_MERGED]) rc = emit_rw(s, ms[HM_DISK_MERGED], dev, (int64_t)f[1], (int64_t)f[5], false, 1);
  if (!rc && ms[HM_DISK_OPERATION_TIME])
    rc = emit_rw(s, ms[HM_DISK_OPERATION_TIME], dev, (int64_t)f[3], (int64_t)f[7], true, 1e-3);
  if (!rc && ms[HM_DISK_IO_TIME]) rc = hm_point_d(s, ms[HM_DISK_IO_TIME], (double)f[9] / 1e3, &a, 1);
  if (!rc && ms[HM_DISK_WEIGHTED_IO_TIME]) rc = hm_point_d(s, ms[HM_DISK_WEIGHTED_IO_TIME], (double)f[10] / 1e3, &a, 1);
  if (!rc && ms[HM_DISK_PENDING]) rc = hm_point_i(s, ms[HM_DISK_PENDING], (int64_t)f[8], &a, 1);
  return rc;
}

int hm_scrape_disk(hm_scrape *s) {
  const hm_disk_cfg *c = &s->cfg->scrapers.disk;
  ssize_t len = hm_read(s, s->proc, "diskstats");
  if (len < 0) {
    hm_errorf(s, "disk: reading %s/diskstats: %s", s->proc, strerror((int)-len));
    return (int)len;
  }
  otlp_scope_metrics *sc = hm_scope(s, "disk");
  if (!sc) return -ENOMEM;
  /* metrics in otelcol's order; NULL when disabled */
  static const int order[] = {HM_DISK_IO, HM_DISK_IO_TIME, HM_DISK_MERGED, HM_DISK_OPERATION_TIME,
                              HM_DISK_OPERATIONS, HM_DISK_PENDING, HM_DISK_WEIGHTED_IO_TIME};
  otlp_metric *ms[HM_DISK_N] = {0};
  for (size_t i = 0; i < HM_DISK_N; i++) {
    int k = order[i];
    if (c->metrics[k].enabled && !(ms[k] = hm_metric(s, sc, &hm_disk_defs[k]))) return -ENOMEM;
  }
  for (char *line = s->buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    disk_row d;
    unsigned maj, min;
    int n = sscanf(line, "%u %u %63s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &maj, &min, d.name, &d.f[0],
                   &d.f[1], &d.f[2], &d.f[3], &d.f[4], &d.f[5], &d.f[6], &d.f[7], &d.f[8], &d.f[9], &d.f[10]);
    line = nl ? nl + 1 : NULL;
    if (n < 14 || !hm_filter_keep(&s->filters->disk_inc, &s->filters->disk_exc, d.name)) continue;
    if (emit_row(s, ms, &d) < 0) return -ENOMEM;
  }
  hm_scope_trim(sc);
  return 0;
}
