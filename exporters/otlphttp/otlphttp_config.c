/* otlphttp settings: otelcol's keys; the HTTP client's and the exporter
 * helper's tables are squashed in as otelcol squashes confighttp and
 * exporterhelper into its config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlphttp.h"
#include "otlpd/config.h"

static const char *const encodings[] = {"proto", "json", NULL};

const otlpd_setting otlphttp_settings[] = {
    /* confighttp's timeout (30s) is the one otlphttp users set; it is the
     * per-attempt timeout of the helper's. */
    OTLPD_S_DURATION(otlphttp_cfg, "timeout", helper.timeout, "30s",
                     "time limit of one HTTP request (each attempt)"),
    OTLPD_S_STRING(otlphttp_cfg, "traces_endpoint", signal_endpoint[OTLPD_TRACES], NULL,
                   "URL for traces; without it, endpoint + /v1/traces"),
    OTLPD_S_STRING(otlphttp_cfg, "metrics_endpoint", signal_endpoint[OTLPD_METRICS], NULL,
                   "URL for metrics; without it, endpoint + /v1/metrics"),
    OTLPD_S_STRING(otlphttp_cfg, "logs_endpoint", signal_endpoint[OTLPD_LOGS], NULL,
                   "URL for logs; without it, endpoint + /v1/logs"),
    OTLPD_S_ENUM(otlphttp_cfg, "encoding", encoding, "proto", encodings,
                 "request body: proto (application/x-protobuf) or json (OTLP-JSON)"),
    OTLPD_S_IGNORED("profiles_endpoint", "accepted; otlpd carries no profiles"),
    OTLPD_S_SQUASH(otlphttp_cfg, http, otlpd_http_client_settings),
    OTLPD_S_SQUASH(otlphttp_cfg, helper, otlpd_exphelper_settings),
    OTLPD_S_END,
};

static bool is_url(const char *s) {
  return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

int otlphttp_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlphttp_cfg *c = config;
  size_t before = errs->n;
  bool any = c->http.endpoint && *c->http.endpoint;
  static const char *const keys[] = {"traces_endpoint", "metrics_endpoint", "logs_endpoint"};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    const char *e = c->signal_endpoint[s];
    if (!e || !*e) continue;
    any = true;
    if (!is_url(e))
      otlpd_errorf(errs, "%s::%s: \"%s\" must start with http:// or https://", path, keys[s], e);
  }
  if (!any)
    otlpd_errorf(errs, "%s::endpoint: must be set (or traces_endpoint, metrics_endpoint, "
                 "logs_endpoint)", path);
  otlpd_http_client_cfg_validate(&c->http, path, errs);
  otlpd_exphelper_validate(&c->helper, path, errs);
  return errs->n > before ? -EINVAL : 0;
}

char *otlphttp_signal_url(const otlphttp_cfg *c, otlpd_signal s) {
  const char *own = c->signal_endpoint[s];
  if (own && *own) return strdup(own);
  const char *base = c->http.endpoint;
  if (!base || !*base) return NULL;
  size_t n = strlen(base);
  while (n && base[n - 1] == '/') n--; /* "http://gw:4318/" + "/v1/traces" */
  size_t len = n + sizeof("/v1/metrics");
  char *url = malloc(len);
  if (url) snprintf(url, len, "%.*s/v1/%s", (int)n, base, otlpd_signal_name(s));
  return url;
}
