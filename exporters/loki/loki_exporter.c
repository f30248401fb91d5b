/* loki exporter lifecycle: the auth header, the shared HTTP client and one
 * sender (queue + retries) whose consumer the logs pipelines feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loki.h"
#include "otlpd/auth.h"

static void exporter_free(loki_exporter *e) {
  if (!e) return;
  if (e->sender) otlpd_sender_free(e->sender);
  loki_work_free(&e->work);
  free(e->auth_header);
  free(e);
}

static char *basic_auth(const char *user, const char *pass) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t ul = strlen(user), pl = pass ? strlen(pass) : 0, n = ul + 1 + pl;
  char *plain = malloc(n + 1);
  char *out = malloc(sizeof("Authorization: Basic ") + (n + 2) / 3 * 4);
  if (!plain || !out) {
    free(plain);
    free(out);
    return NULL;
  }
  snprintf(plain, n + 1, "%s:%s", user, pass ? pass : "");
  char *o = out + sprintf(out, "Authorization: Basic ");
  const uint8_t *p = (const uint8_t *)plain;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    *o++ = tbl[v >> 18];
    *o++ = tbl[(v >> 12) & 63];
    *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
    *o++ = i + 2 < n ? tbl[v & 63] : '=';
  }
  *o = 0;
  free(plain);
  return out;
}

static int auth_header(const loki_cfg *c, char **out) {
  *out = NULL;
  if (c->auth.bearer_token && *c->auth.bearer_token) {
    size_t n = sizeof("Authorization: Bearer ") + strlen(c->auth.bearer_token);
    if (!(*out = malloc(n))) return -ENOMEM;
    snprintf(*out, n, "Authorization: Bearer %s", c->auth.bearer_token);
  } else if (c->auth.basic.username && *c->auth.basic.username) {
    if (!(*out = basic_auth(c->auth.basic.username, c->auth.basic.password))) return -ENOMEM;
  }
  return 0;
}

static int create(const otlpd_create_params *p, void **state) {
  const loki_cfg *cfg = p->config;
  if (p->signals & ~OTLPD_SIGNAL_BIT(OTLPD_LOGS)) {
    otlpd_error(&p->host->log, "the loki exporter exports logs only: remove it from the "
                "traces and metrics pipelines");
    return -EINVAL;
  }
  loki_exporter *e = calloc(1, sizeof(*e));
  if (!e) return -ENOMEM;
  e->host = p->host;
  e->cfg = cfg;
  const char *comp = cfg->http.compression && *cfg->http.compression ? cfg->http.compression : "none";
  int rc = otlpd_http_compression_parse(comp, &e->compression);
  if (rc == 0) rc = auth_header(cfg, &e->auth_header);
  if (rc == 0) rc = otlpd_auth_client_resolve(p->host, cfg->http.auth.authenticator, &e->auth);
  if (rc == 0)
    rc = otlpd_sender_create(p->host, &cfg->helper, &loki_sender_ops, e, p->signals, &e->sender);
  if (rc < 0) {
    exporter_free(e);
    return rc;
  }
  *state = e;
  return 0;
}

static otlpd_consumer *consumer(void *state) {
  return otlpd_sender_consumer(((loki_exporter *)state)->sender);
}

static int start(void *state) {
  loki_exporter *e = state;
  if (e->auth) { /* the extension started before us: its header is known now */
    int rc = otlpd_auth_client_line(e->host, e->auth, &e->auth_header);
    if (rc < 0) return rc;
  }
  e->client = otlpd_http_shared(e->host);
  if (!e->client) {
    otlpd_error(&e->host->log, "cannot start the HTTP client");
    return -ENOMEM;
  }
  return otlpd_sender_start(e->sender);
}

static int validate_refs(const void *config, const char *path, const struct otlpd_config *c,
                         struct otlpd_errors *errs) {
  const loki_cfg *cfg = config;
  int rc = otlpd_exphelper_validate_refs(&cfg->helper, path, c, errs);
  if (otlpd_auth_validate_ref(cfg->http.auth.authenticator, path, "auth::authenticator", c, errs) != 0) rc = -EINVAL;
  return rc;
}

static void drained(void *arg) { (void)arg; }

static void shutdown_(void *state) {
  loki_exporter *e = state;
  otlpd_sender_shutdown(e->sender, drained, e, otlpd_sender_drain_ms(e->host));
}

static void destroy(void *state) { exporter_free(state); }

const otlpd_factory otlpd_exporter_loki = {
    .type = "loki",
    .kind = OTLPD_EXPORTER,
    .signals = OTLPD_SIGNAL_BIT(OTLPD_LOGS),
    .settings = loki_settings,
    .config_size = sizeof(loki_cfg),
    .doc = "logs to Grafana Loki's push API (protobuf+snappy or JSON), client-side labels",
    .validate = loki_validate,
    .validate_refs = validate_refs,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
