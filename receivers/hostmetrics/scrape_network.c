/* network scraper: per-interface counters of /proc/net/dev and TCP
 * connections by state from /proc/net/tcp and tcp6 (every state otelcol
 * lists, zeros included). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

/* otelcol's state list; index = kernel state code - 1 where one exists. */
enum { NTCP = 12 };
static const char *const tcp_states[NTCP] = {
    "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT",
    "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",   "CLOSING",    "DELETE",
};

static void count_tcp(hm_scrape *s, const char *file, int64_t *counts) {
  if (hm_read(s, s->proc, file) < 0) return;
  char *line = strchr(s->buf, '\n'); /* header */
  while (line && *++line) {
    /* "  0: 0100007F:0277 00000000:0000 0A ..." : the 4th field */
    char *p = line;
    for (int f = 0; f < 3; f++) {
      p += strspn(p, " ");
      p += strcspn(p, " ");
    }
    unsigned long st = strtoul(p, NULL, 16);
    if (st >= 1 && st <= 11) counts[st - 1]++;
    line = strchr(line, '\n');
  }
}

static int emit_connections(hm_scrape *s, otlp_scope_metrics *sc) {
  int64_t counts[NTCP] = {0};
  count_tcp(s, "net/tcp", counts);
  count_tcp(s, "net/tcp6", counts);
  otlp_metric *m = hm_metric(s, sc, &hm_net_defs[HM_NET_CONNECTIONS]);
  if (!m) return -ENOMEM;
  for (int i = 0; i < NTCP; i++) {
    hm_attr a[2] = {{"protocol", "tcp"}, {"state", tcp_states[i]}};
    if (hm_point_i(s, m, counts[i], a, 2) < 0) return -ENOMEM;
  }
  return 0;
}

/* rx: bytes packets errs drop ...(8 columns) tx: bytes packets errs drop */
static int emit_dev(hm_scrape *s, otlp_metric *const *ms, const char *dev, const unsigned long long *f) {
  static const int metric[4] = {HM_NET_IO, HM_NET_PACKETS, HM_NET_ERRORS, HM_NET_DROPPED};
  for (int k = 0; k < 4; k++) {
    otlp_metric *m = ms[metric[k]];
    if (!m) continue;
    hm_attr a[2][2] = {{{"device", dev}, {"direction", "receive"}}, {{"device", dev}, {"direction", "transmit"}}};
    if (hm_point_i(s, m, (int64_t)f[k], a[0], 2) < 0 || hm_point_i(s, m, (int64_t)f[8 + k], a[1], 2) < 0)
      return -ENOMEM;
  }
  return 0;
}

int hm_scrape_network(hm_scrape *s) {
  const hm_network_cfg *c = &s->cfg->scrapers.network;
  otlp_scope_metrics *sc = hm_scope(s, "network");
  if (!sc) return -ENOMEM;
  if (c->metrics[HM_NET_CONNECTIONS].enabled && emit_connections(s, sc) < 0) return -ENOMEM;
  static const int order[] = {HM_NET_DROPPED, HM_NET_ERRORS, HM_NET_IO, HM_NET_PACKETS};
  otlp_metric *ms[HM_NET_N] = {0};
  for (size_t i = 0; i < 4; i++) {
    int k = order[i];
    if (c->metrics[k].enabled && !(ms[k] = hm_metric(s, sc, &hm_net_defs[k]))) return -ENOMEM;
  }
  ssize_t len = hm_read(s, s->proc, "net/dev");
  if (len < 0) {
    hm_errorf(s, "network: reading %s/net/dev: %s", s->proc, strerror((int)-len));
    hm_scope_trim(sc);
    return (int)len;
  }
  for (char *line = s->buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char *colon = strchr(line, ':');
    line = nl ? nl + 1 : NULL;
    if (!colon) continue; /* the two header lines */
    *colon = '\0';
    char *dev = colon - 1;
    while (dev > s->buf && dev[-1] != ' ' && dev[-1] != '\n' && dev[-1] != '\0') dev--;
    unsigned long long f[16] = {0};
    char *p = colon + 1;
    for (int i = 0; i < 16; i++) f[i] = strtoull(p, &p, 10);
    if (!hm_filter_keep(&s->filters->net_inc, &s->filters->net_exc, dev)) continue;
    if (emit_dev(s, ms, dev, f) < 0) return -ENOMEM;
  }
  hm_scope_trim(sc);
  return 0;
}
