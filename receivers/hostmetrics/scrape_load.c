/* load scraper: /proc/loadavg, optionally per logical CPU (cpu_average). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

static int count_cpus(hm_scrape *s) {
  if (hm_read(s, s->proc, "stat") < 0) return 1;
  int n = 0;
  for (const char *p = s->buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9') n++;
  return n ? n : 1;
}

int hm_scrape_load(hm_scrape *s) {
  const hm_load_cfg *c = &s->cfg->scrapers.load;
  int ncpu = c->cpu_average ? count_cpus(s) : 1;
  ssize_t len = hm_read(s, s->proc, "loadavg");
  if (len < 0) {
    hm_errorf(s, "load: reading %s/loadavg: %s", s->proc, strerror((int)-len));
    return (int)len;
  }
  char *p = s->buf;
  double v[HM_LOAD_N];
  for (int i = 0; i < HM_LOAD_N; i++) v[i] = strtod(p, &p) / ncpu;
  otlp_scope_metrics *sc = hm_scope(s, "load");
  if (!sc) return -ENOMEM;
  for (int i = 0; i < HM_LOAD_N; i++) {
    if (!c->metrics[i].enabled) continue;
    otlp_metric *m = hm_metric(s, sc, &hm_load_defs[i]);
    if (!m || hm_point_d(s, m, v[i], NULL, 0) < 0) return -ENOMEM;
  }
  return 0;
}
