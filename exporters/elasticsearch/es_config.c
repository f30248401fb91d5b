/* elasticsearch settings: otelcol-contrib elasticsearchexporter's keys and
 * defaults. confighttp's client keys are squashed in as contrib squashes
 * them; `retry` is contrib's own section (not exporterhelper's
 * retry_on_failure) and is mapped onto the sender's retry in
 * es_exporter.c. Keys accepted without effect say so in their doc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es.h"
#include "otlpd/config.h"

static const char *const modes[] = {"otel", "ecs", "raw", "none", "bodymap", NULL};

static const otlpd_setting retry_settings[] = {
    OTLPD_S_BOOL(es_retry_cfg, "enabled", enabled, "true",
                 "retry failed requests and retryable documents with exponential backoff"),
    OTLPD_S_INT(es_retry_cfg, "max_retries", max_retries, "2", 0, 1000000,
                "retries of one batch before its remaining documents are dropped"),
    OTLPD_S_IGNORED("max_requests", "deprecated in contrib (use max_retries); accepted, no effect"),
    OTLPD_S_DURATION(es_retry_cfg, "initial_interval", initial_interval, "100ms",
                     "wait before the first retry"),
    OTLPD_S_DURATION(es_retry_cfg, "max_interval", max_interval, "1m",
                     "longest wait between retries"),
    OTLPD_S_STRINGS(es_retry_cfg, "retry_on_status", retry_on_status,
                    "HTTP statuses (of the request or of a document) that are retried; default [429]"),
    OTLPD_S_END,
};

static const otlpd_setting flush_settings[] = {
    OTLPD_S_SIZE(es_flush_cfg, "bytes", bytes, "5000000",
                 "largest bulk request body (uncompressed); a batch is split into several requests"),
    OTLPD_S_DURATION(es_flush_cfg, "interval", interval, "10s",
                     "accepted, no effect: batching is the batch processor's job"),
    OTLPD_S_END,
};

static const otlpd_setting mapping_settings[] = {
    OTLPD_S_ENUM(es_mapping_cfg, "mode", mode, "otel", modes,
                 "document layout: otel, ecs, raw, none or bodymap (logs only: the map body is the document)"),
    OTLPD_S_IGNORED("dedot", "accepted, no effect: dotted keys are written as they are"),
    OTLPD_S_IGNORED("dedup", "accepted, no effect (deprecated in contrib)"),
    OTLPD_S_END,
};

static const otlpd_setting ilm_settings[] = {
    OTLPD_S_BOOL(es_ilm_cfg, "enabled", enabled, "true", "create the ILM policy (and name it in the templates)"),
    OTLPD_S_STRING(es_ilm_cfg, "policy_name", policy_name, "otlpd", "name of the ILM policy"),
    OTLPD_S_STRING(es_ilm_cfg, "rollover_max_age", rollover_max_age, "7d",
                   "hot phase: roll over at this age (Elasticsearch time units)"),
    OTLPD_S_STRING(es_ilm_cfg, "rollover_max_size", rollover_max_size, "50gb",
                   "hot phase: roll over at this primary shard size"),
    OTLPD_S_STRING(es_ilm_cfg, "warm_after", warm_after, NULL, "age of the warm phase; empty: no warm phase"),
    OTLPD_S_STRING(es_ilm_cfg, "delete_after", delete_after, "30d", "age at which indices are deleted; empty: never"),
    OTLPD_S_END,
};

static const otlpd_setting setup_settings[] = {
    OTLPD_S_BOOL(es_setup_cfg, "enabled", enabled, "false",
                 "at start, create the ILM policy and an index template per plain index when absent"),
    OTLPD_S_SECTION(es_setup_cfg, "ilm", ilm, ilm_settings, "the ILM policy"),
    OTLPD_S_DURATION(es_setup_cfg, "initial_interval", initial_interval, "1s", "first wait after a failed step"),
    OTLPD_S_DURATION(es_setup_cfg, "max_interval", max_interval, "5m", "longest wait between setup retries"),
    OTLPD_S_END,
};

static const otlpd_setting compression_params_settings[] = {
    OTLPD_S_INT(es_compression_params, "level", level, "1", -1, 22,
                "compression level: gzip 1 (fastest) to 9, -1 zlib's default (6); zstd 1 to 22"),
    OTLPD_S_END,
};

const otlpd_setting es_settings[] = {
    OTLPD_S_STRINGS(es_cfg, "endpoints", endpoints,
                    "Elasticsearch URLs used round robin, the next one on connection errors"),
    OTLPD_S_STRING(es_cfg, "logs_index", index[OTLPD_LOGS], NULL,
                   "index for logs; empty: data stream logs-<dataset>-<namespace>"),
    OTLPD_S_STRING(es_cfg, "traces_index", index[OTLPD_TRACES], NULL,
                   "index for spans; empty: data stream traces-<dataset>-<namespace>"),
    OTLPD_S_STRING(es_cfg, "metrics_index", index[OTLPD_METRICS], NULL,
                   "index for metrics; empty: data stream metrics-<dataset>-<namespace>"),
    OTLPD_S_IGNORED("logs_dynamic_index", "accepted, no effect (deprecated in contrib; routing is always dynamic)"),
    OTLPD_S_IGNORED("traces_dynamic_index", "accepted, no effect (deprecated in contrib)"),
    OTLPD_S_IGNORED("metrics_dynamic_index", "accepted, no effect (deprecated in contrib)"),
    OTLPD_S_STRING(es_cfg, "pipeline", pipeline, NULL, "ingest pipeline for every document"),
    OTLPD_S_STRING(es_cfg, "user", user, NULL, "HTTP basic authentication user"),
    OTLPD_S_STRING(es_cfg, "password", password, NULL, "HTTP basic authentication password"),
    OTLPD_S_STRING(es_cfg, "api_key", api_key, NULL,
                   "Elasticsearch API key (encoded form), sent as Authorization: ApiKey"),
    OTLPD_S_SECTION(es_cfg, "mapping", mapping, mapping_settings, "document mapping"),
    OTLPD_S_SECTION(es_cfg, "retry", retry, retry_settings, "request and document retries"),
    OTLPD_S_SECTION(es_cfg, "flush", flush, flush_settings, "bulk request size"),
    OTLPD_S_INT(es_cfg, "num_workers", num_workers, "0", 0, 10000,
                "bulk requests in flight at once; 0: sending_queue::num_consumers"),
    OTLPD_S_DURATION(es_cfg, "timeout", timeout, "90s", "time limit of one HTTP request"),
    OTLPD_S_SECTION(es_cfg, "sending_queue", queue, otlpd_queue_settings,
                    "bounded in-memory queue drained by num_consumers concurrent requests"),
    OTLPD_S_SECTION(es_cfg, "setup", setup, setup_settings,
                    "otlpd's own: ILM policy and index templates created at start (off by default)"),
    OTLPD_S_IGNORED("cloudid", "not supported: set endpoint or endpoints"),
    OTLPD_S_IGNORED("discover", "accepted, no effect: nodes are only those configured"),
    OTLPD_S_IGNORED("logstash_format", "accepted, no effect: not supported yet"),
    OTLPD_S_IGNORED("telemetry", "accepted, no effect"),
    OTLPD_S_IGNORED("batcher", "accepted, no effect: batching is the batch processor's job"),
    OTLPD_S_IGNORED("include_source_on_error", "accepted, no effect"),
    OTLPD_S_IGNORED("metadata_keys", "accepted, no effect"),
    OTLPD_S_IGNORED("logs_dynamic_pipeline", "accepted, no effect"),
    OTLPD_S_SECTION(es_cfg, "compression_params", compression_params, compression_params_settings,
                    "request compression settings (contrib's default level: 1)"),
    OTLPD_S_SQUASH(es_cfg, http, otlpd_http_client_settings),
    OTLPD_S_END,
};

bool es_retry_set_has(const es_retry_set *s, int status) {
  if (status == 429) return true;
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == status) return true;
  return false;
}

static bool is_url(const char *s) {
  return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static void check_statuses(const es_cfg *c, const char *path, otlpd_errors *errs) {
  if (c->retry.retry_on_status.n > ES_MAX_RETRY_STATUSES)
    otlpd_errorf(errs, "%s::retry::retry_on_status: at most %d statuses", path, ES_MAX_RETRY_STATUSES);
  for (size_t i = 0; i < c->retry.retry_on_status.n; i++) {
    const char *s = c->retry.retry_on_status.v[i];
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 100 || v > 599)
      otlpd_errorf(errs, "%s::retry::retry_on_status: \"%s\" is not an HTTP status", path, s);
  }
}

int es_validate(const void *config, const char *path, otlpd_errors *errs) {
  const es_cfg *c = config;
  size_t before = errs->n;
  bool one = c->http.endpoint && *c->http.endpoint;
  if (one && c->endpoints.n)
    otlpd_errorf(errs, "%s: set endpoint or endpoints, not both", path);
  if (!one && !c->endpoints.n)
    otlpd_errorf(errs, "%s::endpoints: must be set (or endpoint)", path);
  for (size_t i = 0; i < c->endpoints.n; i++)
    if (!is_url(c->endpoints.v[i]))
      otlpd_errorf(errs, "%s::endpoints: \"%s\" must start with http:// or https://", path,
                   c->endpoints.v[i]);
  if ((c->user && *c->user) != (c->password && *c->password))
    otlpd_errorf(errs, "%s::user: user and password go together", path);
  if (c->user && *c->user && c->api_key && *c->api_key)
    otlpd_errorf(errs, "%s::api_key: set api_key or user/password, not both", path);
  if (c->flush.bytes < 1024)
    otlpd_errorf(errs, "%s::flush::bytes: must be at least 1024", path);
  if (c->retry.enabled && c->retry.initial_interval <= 0)
    otlpd_errorf(errs, "%s::retry::initial_interval: must be positive", path);
  if (c->retry.enabled && c->retry.max_interval < c->retry.initial_interval)
    otlpd_errorf(errs, "%s::retry::max_interval: must not be less than initial_interval", path);
  check_statuses(c, path, errs);
  if (c->compression_params.level == 0 || (c->http.compression && strcmp(c->http.compression, "gzip") == 0 &&
                                           c->compression_params.level > 9))
    otlpd_errorf(errs, "%s::compression_params::level: %lld is not a level of %s", path,
                 (long long)c->compression_params.level, c->http.compression ? c->http.compression : "gzip");
  if (c->setup.enabled && (c->setup.initial_interval <= 0 || c->setup.max_interval < c->setup.initial_interval))
    otlpd_errorf(errs, "%s::setup: initial_interval must be positive and not above max_interval", path);
  if (c->setup.enabled && c->setup.ilm.enabled && (!c->setup.ilm.policy_name || !*c->setup.ilm.policy_name))
    otlpd_errorf(errs, "%s::setup::ilm::policy_name: must be set", path);
  otlpd_http_client_cfg_validate(&c->http, path, errs);
  otlpd_exphelper_cfg h = {.timeout = c->timeout, .queue = c->queue};
  otlpd_exphelper_validate(&h, path, errs);
  return errs->n > before ? -EINVAL : 0;
}
