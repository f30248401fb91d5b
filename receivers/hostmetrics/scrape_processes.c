/* processes scraper: every /proc/<pid>/stat's state letter counted as
 * gopsutil names it; running and blocked then replaced by /proc/stat's
 * procs_running / procs_blocked, and what /proc/loadavg's entity total
 * leaves unexplained counted as unknown (as otelcol). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

enum { ST_BLOCKED, ST_RUNNING, ST_SLEEPING, ST_STOPPED, ST_IDLE, ST_ZOMBIES, ST_PAGING, ST_LOCKED, ST_UNKNOWN, ST_N };
static const char *const status_names[ST_N] = {"blocked", "running", "sleeping", "stopped", "idle",
                                               "zombies", "paging",  "locked",   "unknown"};

static int status_of(char c) {
  switch (c) {
  case 'R': return ST_RUNNING;
  case 'S': return ST_SLEEPING;
  case 'D': return ST_BLOCKED;
  case 'T': case 't': return ST_STOPPED;
  case 'I': return ST_IDLE;
  case 'Z': return ST_ZOMBIES;
  case 'W': return ST_PAGING;
  case 'L': return ST_LOCKED;
  default: return -1;
  }
}

static uint64_t stat_field(const char *buf, const char *key) {
  const char *p = strstr(buf, key);
  return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void count_pids(hm_scrape *s, int64_t *counts, bool *seen) {
  DIR *d = opendir(s->proc);
  if (!d) return;
  struct dirent *e;
  char rel[300];
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    snprintf(rel, sizeof(rel), "%s/stat", e->d_name);
    if (hm_read(s, s->proc, rel) < 0) continue; /* exited meanwhile */
    const char *close = strrchr(s->buf, ')'); /* the command may hold spaces and parens */
    if (!close || close[1] != ' ') continue;
    int st = status_of(close[2]);
    if (st < 0) continue;
    counts[st]++;
    seen[st] = true;
  }
  closedir(d);
}

int hm_scrape_processes(hm_scrape *s) {
  const hm_metric_cfg *on = s->cfg->scrapers.processes.metrics;
  int64_t counts[ST_N] = {0};
  bool seen[ST_N] = {0};
  if (on[HM_PROCS_COUNT].enabled) count_pids(s, counts, seen);
  ssize_t len = hm_read(s, s->proc, "stat");
  if (len < 0) {
    hm_errorf(s, "processes: reading %s/stat: %s", s->proc, strerror((int)-len));
    return (int)len;
  }
  uint64_t created = stat_field(s->buf, "\nprocesses ");
  counts[ST_RUNNING] = (int64_t)stat_field(s->buf, "\nprocs_running ");
  counts[ST_BLOCKED] = (int64_t)stat_field(s->buf, "\nprocs_blocked ");
  seen[ST_RUNNING] = seen[ST_BLOCKED] = true;
  if (hm_read(s, s->proc, "loadavg") >= 0) {
    const char *slash = strchr(s->buf, '/');
    int64_t total = slash ? strtoll(slash + 1, NULL, 10) : 0, known = 0;
    for (int i = 0; i < ST_N; i++) known += counts[i];
    if (total > known) {
      counts[ST_UNKNOWN] = total - known;
      seen[ST_UNKNOWN] = true;
    }
  }
  otlp_scope_metrics *sc = hm_scope(s, "processes");
  if (!sc) return -ENOMEM;
  if (on[HM_PROCS_COUNT].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_procs_defs[HM_PROCS_COUNT]);
    if (!m) return -ENOMEM;
    for (int i = 0; i < ST_N; i++) {
      hm_attr a = {"status", status_names[i]};
      if (seen[i] && hm_point_i(s, m, counts[i], &a, 1) < 0) return -ENOMEM;
    }
  }
  if (on[HM_PROCS_CREATED].enabled) {
    otlp_metric *m = hm_metric(s, sc, &hm_procs_defs[HM_PROCS_CREATED]);
    if (!m || hm_point_i(s, m, (int64_t)created, NULL, 0) < 0) return -ENOMEM;
  }
  return 0;
}
