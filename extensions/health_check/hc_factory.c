/* health_check extension: lifecycle. Healthy = every component started,
 * no shutdown begun and none failed permanently; the daemon stops
 * extensions last, so a probe sees 503 for the whole drain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health_check.h"

typedef struct otlpd_hc {
  const otlpd_hc_cfg *cfg;
  const otlpd_host *host;
  otlpd_tserver *srv;
  time_t up_since;
  uint64_t start_ms;  /* uv_now at start */
  otlpd_buf body;     /* the last answer (reused) */
  otlpd_buf comps;    /* the components object being built */
  bool first, failed;
} otlpd_hc;

static void one_component(void *arg, otlpd_kind kind, const char *name, otlpd_status st, const char *why) {
  otlpd_hc *hc = arg;
  if (kind == OTLPD_EXTENSION && strcmp(name, hc->host->id) == 0) return; /* ourselves */
  otlpd_hc_component(&hc->comps, hc->first, otlpd_kind_name(kind), name, otlpd_status_name(st), why);
  hc->first = false;
  hc->failed = hc->failed || st == OTLPD_STATUS_PERMANENT;
}

static void answer(void *arg, const char *path, size_t len, otlpd_tserver_reply *r) {
  otlpd_hc *hc = arg;
  const char *want = hc->cfg->path ? hc->cfg->path : "/";
  if (len != strlen(want) || memcmp(path, want, len) != 0) return;
  otlpd_buf_clear(&hc->comps);
  hc->first = true;
  hc->failed = false;
  if (hc->host->each_status) hc->host->each_status(hc->host, one_component, hc);
  otlpd_buf_append(&hc->comps, "", 1); /* NUL: used as a C string */
  otlpd_hc_state st = {
      .ready = *hc->host->started && !*hc->host->shutting_down,
      .failed = hc->failed,
      .up_since = hc->up_since,
      .uptime_ms = uv_now(hc->host->loop) - hc->start_ms,
      .components = hc->host->each_status ? (const char *)hc->comps.data : NULL,
  };
  if (otlpd_hc_answer(hc->cfg, &st, &hc->body, r)) {
    r->status = 500;
    r->reason = "Internal Server Error";
    r->body = "";
    r->len = 0;
  }
}

static int hc_create(const otlpd_create_params *p, void **state) {
  otlpd_hc *hc = calloc(1, sizeof(*hc));
  if (!hc) return -ENOMEM;
  hc->cfg = p->config;
  hc->host = p->host;
  *state = hc;
  return 0;
}

static int hc_start(void *state) {
  otlpd_hc *hc = state;
  hc->up_since = time(NULL);
  hc->start_ms = uv_now(hc->host->loop);
  const char *ep = hc->cfg->endpoint ? hc->cfg->endpoint : "localhost:13133";
  int rc = otlpd_tserver_start(&hc->srv, hc->host->loop, &hc->host->log, "health_check", ep, answer, hc);
  if (rc == 0) otlpd_info(&hc->host->log, "health check on http://%s%s", hc->srv->addr, hc->cfg->path);
  return rc;
}

static void hc_shutdown(void *state) {
  otlpd_hc *hc = state;
  otlpd_tserver_shutdown(hc->srv);
}

static void hc_destroy(void *state) {
  otlpd_hc *hc = state;
  otlpd_tserver_destroy(hc->srv);
  otlpd_buf_free(&hc->body);
  otlpd_buf_free(&hc->comps);
  free(hc);
}

const otlpd_factory otlpd_extension_health_check = {
    .type = "health_check",
    .kind = OTLPD_EXTENSION,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlpd_hc_settings,
    .config_size = sizeof(otlpd_hc_cfg),
    .doc = "HTTP health check: 200 while the pipelines run, 503 while starting, draining or failed",
    .validate = otlpd_hc_validate,
    .create = hc_create,
    .start = hc_start,
    .shutdown = hc_shutdown,
    .destroy = hc_destroy,
};
