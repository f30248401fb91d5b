/* elasticsearch exporter lifecycle: bulk URLs and the auth header, the
 * sender's retry settings from contrib's `retry`, the shared HTTP client,
 * one sender (queue + retries) whose consumer the pipelines feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/bytes_text.h"
#include "es.h"
#include "otlpd/auth.h"

static void exporter_free(es_exporter *e) {
  if (!e) return;
  es_setup_free(e);
  if (e->sender) otlpd_sender_free(e->sender);
  for (size_t i = 0; i < e->n_urls; i++) free(e->bulk_url[i]);
  free(e->bulk_url);
  free(e->auth_header);
  free(e);
}

static char *bulk_url(const char *base, const char *pipeline) {
  size_t n = strlen(base);
  while (n && base[n - 1] == '/') n--;
  bool pl = pipeline && *pipeline;
  size_t len = n + sizeof("/_bulk?pipeline=") + (pl ? strlen(pipeline) : 0);
  char *u = malloc(len);
  if (u) snprintf(u, len, "%.*s/_bulk%s%s", (int)n, base, pl ? "?pipeline=" : "", pl ? pipeline : "");
  return u;
}

static int make_urls(es_exporter *e) {
  const es_cfg *c = e->cfg;
  size_t n = c->endpoints.n ? c->endpoints.n : 1;
  if (!(e->bulk_url = calloc(n, sizeof(char *)))) return -ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const char *base = c->endpoints.n ? c->endpoints.v[i] : c->http.endpoint;
    if (!(e->bulk_url[i] = bulk_url(base, c->pipeline))) return -ENOMEM;
    e->n_urls++;
  }
  return 0;
}

static int make_auth(es_exporter *e) {
  const es_cfg *c = e->cfg;
  otlpd_buf b = {0};
  int rc = 0;
  if (c->api_key && *c->api_key) {
    rc = otlpd_buf_printf(&b, "Authorization: ApiKey %s", c->api_key);
  } else if (c->user && *c->user) {
    otlpd_buf cred = {0};
    rc = otlpd_buf_printf(&cred, "%s:%s", c->user, c->password ? c->password : "");
    if (!rc) rc = otlpd_buf_printf(&b, "Authorization: Basic ");
    if (!rc) rc = otlpd_base64_encode(&b, cred.data, cred.len);
    otlpd_buf_free(&cred);
  } else {
    return 0;
  }
  if (!rc) rc = otlpd_buf_append(&b, "", 1);
  if (rc) {
    otlpd_buf_free(&b);
    return rc;
  }
  e->auth_header = (char *)b.data;
  return 0;
}

/* contrib's retry -> the sender's: exponential backoff doubling from
 * initial_interval up to max_interval, no time limit (max_retries is
 * counted by es_send.c). */
static void helper_cfg(es_exporter *e) {
  const es_cfg *c = e->cfg;
  e->helper.timeout = c->timeout;
  e->helper.retry = (otlpd_retry_cfg){
      .enabled = c->retry.enabled,
      .initial_interval = c->retry.initial_interval,
      .randomization_factor = 0.5,
      .multiplier = 2.0,
      .max_interval = c->retry.max_interval,
      .max_elapsed_time = 0,
  };
  e->helper.queue = c->queue;
  if (c->num_workers > 0) e->helper.queue.num_consumers = c->num_workers;
  for (size_t i = 0; i < c->retry.retry_on_status.n && e->retry_on.n < ES_MAX_RETRY_STATUSES; i++)
    e->retry_on.v[e->retry_on.n++] = atoi(c->retry.retry_on_status.v[i]);
}

static int create(const otlpd_create_params *p, void **state) {
  const es_cfg *cfg = p->config;
  es_exporter *e = calloc(1, sizeof(*e));
  if (!e) return -ENOMEM;
  e->host = p->host;
  e->cfg = cfg;
  int rc = otlpd_http_compression_parse(cfg->http.compression, &e->compression);
  if (!rc) rc = make_urls(e);
  if (!rc) rc = make_auth(e);
  if (!rc) rc = otlpd_auth_client_resolve(p->host, cfg->http.auth.authenticator, &e->auth);
  if (rc) {
    exporter_free(e);
    return rc == -ENOMEM ? rc : -EINVAL;
  }
  size_t h = 0;
  e->headers[h++] = "Content-Type: application/x-ndjson";
  e->headers[h++] = "User-Agent: otlpd/" OTLPD_VERSION;
  if (e->auth_header) e->headers[h++] = e->auth_header;
  e->headers[h] = NULL;
  helper_cfg(e);
  rc = otlpd_sender_create(p->host, &e->helper, &es_sender_ops, e,
                           p->signals & OTLPD_ALL_SIGNALS,
                           &e->sender);
  if (rc < 0) {
    exporter_free(e);
    return rc;
  }
  *state = e;
  return 0;
}

static otlpd_consumer *consumer(void *state) {
  return otlpd_sender_consumer(((es_exporter *)state)->sender);
}

static int start(void *state) {
  es_exporter *e = state;
  if (e->auth) { /* the extension started before us: its header is known now */
    char *line;
    int rc = otlpd_auth_client_line(e->host, e->auth, &line);
    if (rc < 0) return rc;
    free(e->auth_header);
    e->auth_header = line;
    e->headers[2] = line;
    e->headers[3] = NULL;
  }
  e->client = otlpd_http_shared(e->host);
  if (!e->client) {
    otlpd_error(&e->host->log, "cannot start the HTTP client");
    return -ENOMEM;
  }
  int rc = es_setup_start(e);
  if (rc < 0) /* setup is a convenience: never fatal */
    otlpd_warn(&e->host->log, "elasticsearch setup: cannot start (%s); ILM policy and templates not created",
               strerror(-rc));
  return otlpd_sender_start(e->sender);
}

static int validate_refs(const void *config, const char *path, const struct otlpd_config *c,
                         struct otlpd_errors *errs) {
  otlpd_exphelper_cfg h = {.queue = ((const es_cfg *)config)->queue};
  int rc = otlpd_exphelper_validate_refs(&h, path, c, errs);
  if (otlpd_auth_validate_ref(((const es_cfg *)config)->http.auth.authenticator, path, "auth::authenticator", c,
                              errs) != 0)
    rc = -EINVAL;
  return rc;
}

static void drained(void *arg) { (void)arg; }

static void shutdown_(void *state) {
  es_exporter *e = state;
  es_setup_stop(e);
  otlpd_sender_shutdown(e->sender, drained, e, otlpd_sender_drain_ms(e->host));
}

static void destroy(void *state) { exporter_free(state); }

/* Metrics: documents in mapping modes otel and ecs (es_doc_metrics.c); in
 * the others a metrics batch is refused as a permanent error. */
const otlpd_factory otlpd_exporter_elasticsearch = {
    .type = "elasticsearch",
    .kind = OTLPD_EXPORTER,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = es_settings,
    .config_size = sizeof(es_cfg),
    .doc = "logs, spans and metrics to Elasticsearch (_bulk, data streams, otel/ecs/raw/none mappings); queue and retries",
    .validate = es_validate,
    .validate_refs = validate_refs,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
