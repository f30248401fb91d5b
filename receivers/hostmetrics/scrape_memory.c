/* memory scraper: /proc/meminfo with gopsutil's arithmetic (cached
 * includes SReclaimable; used = total - free - buffers - cached). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

/* "Key:   123 kB" -> bytes; 0 when absent. */
static uint64_t meminfo(const char *buf, const char *key, bool *found) {
  size_t kl = strlen(key);
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
      if (found) *found = true;
      return strtoull(p + kl + 1, NULL, 10) * 1024;
    }
  }
  return 0;
}

int hm_scrape_memory(hm_scrape *s) {
  const hm_metric_cfg *on = s->cfg->scrapers.memory.metrics;
  ssize_t len = hm_read(s, s->proc, "meminfo");
  if (len < 0) {
    hm_errorf(s, "memory: reading %s/meminfo: %s", s->proc, strerror((int)-len));
    return (int)len;
  }
  const char *b = s->buf;
  uint64_t total = meminfo(b, "MemTotal", NULL), free_ = meminfo(b, "MemFree", NULL);
  uint64_t buffers = meminfo(b, "Buffers", NULL), sreclaim = meminfo(b, "SReclaimable", NULL);
  uint64_t cached = meminfo(b, "Cached", NULL) + sreclaim, sunreclaim = meminfo(b, "SUnreclaim", NULL);
  bool has_avail = false;
  uint64_t avail = meminfo(b, "MemAvailable", &has_avail);
  if (!has_avail) avail = cached + free_;
  uint64_t used = total - free_ - buffers - cached;
  struct {
    const char *state;
    uint64_t v;
  } rows[] = {{"used", used}, {"free", free_}, {"buffered", buffers}, {"cached", cached},
              {"slab_reclaimable", sreclaim}, {"slab_unreclaimable", sunreclaim}};
  size_t nrows = sizeof(rows) / sizeof(rows[0]);
  otlp_scope_metrics *sc = hm_scope(s, "memory");
  if (!sc) return -ENOMEM;
  int rc = 0;
  if (on[HM_MEM_USAGE].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_mem_defs[HM_MEM_USAGE]);
    if (!m) return -ENOMEM;
    for (size_t i = 0; i < nrows && rc == 0; i++) {
      hm_attr a = {"state", rows[i].state};
      rc = hm_point_i(s, m, (int64_t)rows[i].v, &a, 1);
    }
  }
  if (rc == 0 && on[HM_MEM_UTILIZATION].enabled && total) {
    otlp_metric *m = hm_metric(s, sc, &hm_mem_defs[HM_MEM_UTILIZATION]);
    if (!m) return -ENOMEM;
    for (size_t i = 0; i < nrows && rc == 0; i++) {
      hm_attr a = {"state", rows[i].state};
      rc = hm_point_d(s, m, (double)rows[i].v / (double)total, &a, 1);
    }
  }
  if (rc == 0 && on[HM_MEM_LIMIT].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_mem_defs[HM_MEM_LIMIT]);
    rc = m ? hm_point_i(s, m, (int64_t)total, NULL, 0) : -ENOMEM;
  }
  if (rc == 0 && on[HM_MEM_AVAILABLE].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_mem_defs[HM_MEM_AVAILABLE]);
    rc = m ? hm_point_i(s, m, (int64_t)avail, NULL, 0) : -ENOMEM;
  }
  return rc;
}
