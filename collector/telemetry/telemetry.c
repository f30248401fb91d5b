/* /metrics: a snapshot of every instance's counters rendered per scrape
 * into one reused buffer; / and /status.json: the live status page. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_render.h"
#include "status_json.h"
#include "telemetry.h"
#include "tserver.h"

typedef struct otlpd_telemetry {
  otlpd_daemon *d;
  otlpd_tserver *srv;
  otlpd_buf out;
  otlpd_metrics_source *src;
  size_t n_src;
  uint64_t start_ns;
} otlpd_telemetry;

static const otlpd_tserver_reply no_memory = {
    .status = 503, .reason = "Service Unavailable", .ctype = "text/plain", .body = "out of memory\n", .len = 14};

static void answer_status(otlpd_telemetry *t, otlpd_tserver_reply *r) {
  otlpd_status_process p = {.uptime_s = (double)(uv_hrtime() - t->start_ns) / 1e9,
                            .rss_bytes = otlpd_process_rss_bytes()};
  if (otlpd_status_render(&t->out, t->d, &p) < 0) {
    *r = no_memory;
    return;
  }
  *r = (otlpd_tserver_reply){.status = 200, .reason = "OK", .ctype = "application/json",
                             .body = (const char *)t->out.data, .len = t->out.len};
}

static void answer(void *arg, const char *path, size_t len, otlpd_tserver_reply *r) {
  otlpd_telemetry *t = arg;
  if (len == 1 && path[0] == '/') {
    *r = (otlpd_tserver_reply){.status = 200, .reason = "OK", .ctype = "text/html; charset=utf-8",
                               .body = otlpd_status_page_html, .len = otlpd_status_page_html_len};
    return;
  }
  if (len == 12 && memcmp(path, "/status.json", 12) == 0) {
    answer_status(t, r);
    return;
  }
  if (!(len == 8 && memcmp(path, "/metrics", 8) == 0)) return;
  otlpd_metrics_process p = {
      .uptime_s = (double)(uv_hrtime() - t->start_ns) / 1e9,
      .rss_bytes = otlpd_process_rss_bytes(),
      .cpu_s = otlpd_process_cpu_seconds(),
      .mem_limit = t->d->mem.limit,
      .mem_held = otlpd_memacct_used(&t->d->mem),
  };
  if (otlpd_metrics_render(&t->out, t->src, t->n_src, &p) < 0) {
    *r = no_memory;
    return;
  }
  *r = (otlpd_tserver_reply){.status = 200, .reason = "OK", .ctype = "text/plain; version=0.0.4; charset=utf-8",
                             .body = (const char *)t->out.data, .len = t->out.len};
}

static int snapshot_sources(otlpd_telemetry *t) {
  otlpd_daemon *d = t->d;
  t->src = calloc(d->n_inst ? d->n_inst : 1, sizeof(*t->src));
  if (!t->src) return -ENOMEM;
  for (size_t i = 0; i < d->n_inst; i++) {
    otlpd_instance *in = &d->inst[i];
    if (in->cc->kind == OTLPD_EXTENSION) continue;
    t->src[t->n_src++] = (otlpd_metrics_source){in->cc->kind, in->cc->id, in->cc->signals_used, &in->counters};
  }
  return 0;
}

int otlpd_telemetry_start(otlpd_daemon *d) {
  if (d->cfg.metrics_level == OTLPD_METRICS_NONE) return 0;
  otlpd_telemetry *t = calloc(1, sizeof(*t));
  if (!t) return -ENOMEM;
  d->telemetry = t;
  t->d = d;
  t->start_ns = uv_hrtime();
  int rc = snapshot_sources(t);
  if (rc < 0) return rc;
  rc = otlpd_tserver_start(&t->srv, &d->loop, &d->log, "metrics", d->cfg.metrics_endpoint, answer, t);
  if (rc < 0 && !d->cfg.metrics_endpoint_set) {
    otlpd_warn(&d->log, "own metrics not served (service::telemetry::metrics::level: none hides this)");
    otlpd_tserver_destroy(t->srv);
    t->srv = NULL;
    return 0;
  }
  if (rc == 0) otlpd_info(&d->log, "own metrics on http://%s/metrics", t->srv->addr);
  return rc;
}

void otlpd_telemetry_shutdown(otlpd_daemon *d) {
  if (d->telemetry) otlpd_tserver_shutdown(d->telemetry->srv);
}

void otlpd_telemetry_destroy(otlpd_daemon *d) {
  otlpd_telemetry *t = d->telemetry;
  if (!t) return;
  otlpd_tserver_destroy(t->srv);
  otlpd_buf_free(&t->out);
  free(t->src);
  free(t);
  d->telemetry = NULL;
}
