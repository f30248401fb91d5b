/* health_check extension: lifecycle. Ready = every component started and
 * no shutdown begun; the daemon stops extensions last, so a probe sees
 * 503 for the whole drain. */
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
  char body[256];
} otlpd_hc;

static void answer(void *arg, const char *path, size_t len, otlpd_tserver_reply *r) {
  otlpd_hc *hc = arg;
  const char *want = hc->cfg->path ? hc->cfg->path : "/";
  if (len != strlen(want) || memcmp(path, want, len) != 0) return;
  bool ready = *hc->host->started && !*hc->host->shutting_down;
  uint64_t up = uv_now(hc->host->loop) - hc->start_ms;
  otlpd_hc_answer(hc->cfg, ready, hc->up_since, up, hc->body, sizeof(hc->body), r);
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
  free(hc);
}

const otlpd_factory otlpd_extension_health_check = {
    .type = "health_check",
    .kind = OTLPD_EXTENSION,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlpd_hc_settings,
    .config_size = sizeof(otlpd_hc_cfg),
    .doc = "HTTP health check: 200 while the pipelines run, 503 while starting or draining",
    .validate = otlpd_hc_validate,
    .create = hc_create,
    .start = hc_start,
    .shutdown = hc_shutdown,
    .destroy = hc_destroy,
};
