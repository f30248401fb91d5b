/* cpu scraper: system.cpu.time per logical CPU and state from the cpuN
 * lines of /proc/stat (ticks / USER_HZ, as gopsutil), utilization from
 * the difference to the previous scrape over the elapsed wall time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostmetrics.h"

/* otelcol's Linux states, and the /proc/stat column each comes from. */
enum { NSTATES = 8 };
static const char *const states[NSTATES] = {"user", "nice", "system", "idle", "wait", "interrupt", "softirq", "steal"};
/* columns: user nice system idle iowait irq softirq steal */

typedef struct cpu_line {
  char name[16];
  double t[NSTATES];
} cpu_line;

/* The cpuN lines of buf into *out (malloc'ed); count or -errno. */
static int parse_stat(const char *buf, cpu_line **out) {
  size_t n = 0, cap = 0;
  cpu_line *v = NULL;
  double hz = (double)sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    if (strncmp(p, "cpu", 3) != 0 || p[3] < '0' || p[3] > '9') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      cpu_line *b = realloc(v, cap * sizeof(*v));
      if (!b) {
        free(v);
        return -ENOMEM;
      }
      v = b;
    }
    cpu_line *c = &v[n];
    size_t len = strcspn(p, " ");
    if (len >= sizeof(c->name)) len = sizeof(c->name) - 1;
    memcpy(c->name, p, len);
    c->name[len] = '\0';
    char *q = (char *)p + len;
    for (int i = 0; i < NSTATES; i++) c->t[i] = (double)strtoull(q, &q, 10) / hz;
    n++;
  }
  *out = v;
  return (int)n;
}

static int emit_utilization(hm_scrape *s, otlp_scope_metrics *sc, const cpu_line *cpus, size_t n) {
  hm_state *st = s->state;
  int rc = 0;
  if (st->prev_cpu && st->prev_ncpu == n && s->now_ns > st->prev_ns) {
    double elapsed = (double)(s->now_ns - st->prev_ns) / 1e9;
    otlp_metric *m = hm_metric(s, sc, &hm_cpu_defs[HM_CPU_UTILIZATION]);
    if (!m) return -ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
      for (int k = 0; k < NSTATES && rc == 0; k++) {
        hm_attr a[2] = {{"cpu", cpus[i].name}, {"state", states[k]}};
        rc = hm_point_d(s, m, (cpus[i].t[k] - st->prev_cpu[i * NSTATES + k]) / elapsed, a, 2);
      }
  }
  double *prev = realloc(st->prev_cpu, (n ? n : 1) * NSTATES * sizeof(double));
  if (!prev) return -ENOMEM;
  for (size_t i = 0; i < n; i++) memcpy(&prev[i * NSTATES], cpus[i].t, sizeof(cpus[i].t));
  st->prev_cpu = prev;
  st->prev_ncpu = n;
  st->prev_ns = s->now_ns;
  return rc;
}

int hm_scrape_cpu(hm_scrape *s) {
  const hm_metric_cfg *on = s->cfg->scrapers.cpu.metrics;
  ssize_t len = hm_read(s, s->proc, "stat");
  if (len < 0) {
    hm_errorf(s, "cpu: reading %s/stat: %s", s->proc, strerror((int)-len));
    return (int)len;
  }
  cpu_line *cpus = NULL;
  int n = parse_stat(s->buf, &cpus);
  if (n < 0) return n;
  int rc = -ENOMEM;
  otlp_scope_metrics *sc = hm_scope(s, "cpu");
  if (!sc) goto out;
  rc = 0;
  if (on[HM_CPU_TIME].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_cpu_defs[HM_CPU_TIME]);
    if (!m) rc = -ENOMEM;
    for (int i = 0; i < n && rc == 0; i++)
      for (int k = 0; k < NSTATES && rc == 0; k++) {
        hm_attr a[2] = {{"cpu", cpus[i].name}, {"state", states[k]}};
        rc = hm_point_d(s, m, cpus[i].t[k], a, 2);
      }
  }
  if (rc == 0 && on[HM_CPU_UTILIZATION].enabled) rc = emit_utilization(s, sc, cpus, (size_t)n);
  if (rc == 0 && on[HM_CPU_LOGICAL_COUNT].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_cpu_defs[HM_CPU_LOGICAL_COUNT]);
    rc = m ? hm_point_i(s, m, n, NULL, 0) : -ENOMEM;
  }
out:
  free(cpus);
  return rc;
}
