/* health_check settings: otelcol-contrib's keys and defaults. */
#include <stddef.h>
#include <string.h>

#include "health_check.h"
#include "otlpd/config.h"

static const otlpd_setting bodies_tbl[] = {
    OTLPD_S_STRING(otlpd_hc_bodies, "healthy", healthy, NULL, "body of a 200 instead of the JSON status"),
    OTLPD_S_STRING(otlpd_hc_bodies, "unhealthy", unhealthy, NULL, "body of a 503 instead of the JSON status"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_hc_settings[] = {
    OTLPD_S_ENDPOINT(otlpd_hc_cfg, "endpoint", endpoint, "localhost:13133", "host:port to serve the health check on"),
    OTLPD_S_STRING(otlpd_hc_cfg, "path", path, "/", "path answering the health check"),
    OTLPD_S_SECTION(otlpd_hc_cfg, "response_body", response_body, bodies_tbl, "fixed bodies instead of JSON"),
    OTLPD_S_IGNORED("check_collector_pipeline", "ignored (deprecated in otelcol): exporter failures do not "
                                                "make the check fail"),
    OTLPD_S_END,
};

int otlpd_hc_validate(const void *config, const char *path, struct otlpd_errors *errs) {
  const otlpd_hc_cfg *c = config;
  if (c->path && c->path[0] != '/') {
    otlpd_errorf(errs, "%s::path: must start with \"/\", got \"%s\"", path, c->path);
    return -1;
  }
  if (c->endpoint && c->endpoint[0] == 'u' && !strncmp(c->endpoint, "unix:", 5)) {
    otlpd_errorf(errs, "%s::endpoint: unix sockets are not supported here", path);
    return -1;
  }
  return 0;
}
