/* otlphttp exporter lifecycle: URLs per signal, the shared HTTP client,
 * one sender (queue + retries) whose consumer the pipelines feed. */
#include <stdlib.h>
#include <string.h>

#include "otlphttp.h"
#include "otlpd/auth.h"

static void exporter_free(otlphttp_exporter *e) {
  if (!e) return;
  if (e->sender) otlpd_sender_free(e->sender);
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) free(e->url[s]);
  if (e->auth_line) explicit_bzero(e->auth_line, OTLPD_AUTH_LINE_MAX);
  free(e->auth_line);
  free(e);
}

static int create(const otlpd_create_params *p, void **state) {
  const otlphttp_cfg *cfg = p->config;
  otlphttp_exporter *e = calloc(1, sizeof(*e));
  if (!e) return -ENOMEM;
  e->host = p->host;
  e->cfg = cfg;
  e->headers[0] = cfg->encoding == OTLPHTTP_JSON ? "Content-Type: application/json"
                                                 : "Content-Type: application/x-protobuf";
  e->headers[1] = "User-Agent: otlpd/" OTLPD_VERSION;
  int arc = otlpd_auth_client_resolve(p->host, cfg->http.auth.authenticator, &e->auth);
  if (arc == 0 && e->auth && !(e->auth_line = calloc(1, OTLPD_AUTH_LINE_MAX))) arc = -ENOMEM;
  if (arc < 0) {
    exporter_free(e);
    return arc;
  }
  if (otlpd_http_compression_parse(cfg->http.compression, &e->compression) < 0) {
    exporter_free(e);
    return -EINVAL;
  }
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    if (!(p->signals & OTLPD_SIGNAL_BIT(s))) continue;
    if (!(e->url[s] = otlphttp_signal_url(cfg, (otlpd_signal)s))) {
      otlpd_error(&p->host->log, "no endpoint for %s: set endpoint or %s_endpoint",
                  otlpd_signal_name((otlpd_signal)s), otlpd_signal_name((otlpd_signal)s));
      exporter_free(e);
      return -EINVAL;
    }
  }
  int rc = otlpd_sender_create(p->host, &cfg->helper, &otlphttp_sender_ops, e, p->signals, &e->sender);
  if (rc < 0) {
    exporter_free(e);
    return rc;
  }
  *state = e;
  return 0;
}

static otlpd_consumer *consumer(void *state) {
  return otlpd_sender_consumer(((otlphttp_exporter *)state)->sender);
}

static int start(void *state) {
  otlphttp_exporter *e = state;
  e->client = otlpd_http_shared(e->host);
  if (!e->client) {
    otlpd_error(&e->host->log, "cannot start the HTTP client");
    return -ENOMEM;
  }
  return otlpd_sender_start(e->sender);
}

static int validate_refs(const void *config, const char *path, const struct otlpd_config *c,
                         struct otlpd_errors *errs) {
  const otlphttp_cfg *cfg = config;
  int rc = otlpd_exphelper_validate_refs(&cfg->helper, path, c, errs);
  if (otlpd_auth_validate_ref(cfg->http.auth.authenticator, path, "auth::authenticator", c, errs) != 0) rc = -EINVAL;
  return rc;
}

static void drained(void *arg) { (void)arg; }

static void shutdown_(void *state) {
  otlphttp_exporter *e = state;
  otlpd_sender_shutdown(e->sender, drained, e, otlpd_sender_drain_ms(e->host));
}

static void destroy(void *state) { exporter_free(state); }

/* protobuf bodies are the clients' bytes; JSON needs every item decoded */
static bool wire_only(const void *config) {
  return ((const otlphttp_cfg *)config)->encoding == OTLPHTTP_PROTO;
}

#define OTLPHTTP_FACTORY(type_)                                                                   \
  {                                                                                               \
    .type = type_, .kind = OTLPD_EXPORTER, .signals = OTLPD_ALL_SIGNALS,                          \
    .settings = otlphttp_settings, .config_size = sizeof(otlphttp_cfg),                           \
    .doc = "OTLP over HTTP (protobuf or JSON) to a collector or backend; queue and retries",      \
    .wire_only = wire_only,                                                                       \
    .validate = otlphttp_validate, .validate_refs = validate_refs, .create = create, .consumer = consumer, .start = start,        \
    .shutdown = shutdown_, .destroy = destroy,                                                    \
  }

const otlpd_factory otlpd_exporter_otlphttp = OTLPHTTP_FACTORY("otlphttp");
/* otelcol's newer name for the same exporter. */
const otlpd_factory otlpd_exporter_otlp_http = OTLPHTTP_FACTORY("otlp_http");
