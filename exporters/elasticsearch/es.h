/* elasticsearch exporter: logs, spans and metrics to Elasticsearch
 * through the _bulk API, with otelcol-contrib's elasticsearchexporter keys.
 *
 * Files of this folder:
 *   es_config.c          settings table and validation
 *   es_exporter.c        the factory and lifecycle
 *   es_route.c           index / data-stream name of each document
 *   es_doc_value.c       attribute values, ids and timestamps as JSON
 *   es_doc_otel.c        documents in mapping mode otel
 *   es_doc_raw.c         documents in mapping modes none and raw
 *   es_bulk.c            one batch as ndjson action/document pairs
 *   es_bulk_response.c   scanning the _bulk answer item by item
 *   es_send.c            one attempt: chunks, endpoints, item retries
 *   es_doc_ecs.c         documents in mapping mode ecs
 *   es_doc_metrics.c     metrics documents (otel mode), grouped
 *   es_setup.c           ILM policy, index templates, write indices at start
 *
 * A further mapping is one more es_doc_*.c file plus a case in
 * es_bulk.c's dispatch.
 *
 * Threads: all on the loop. The sending queue and the retry schedule are
 * the exporter helper's (collector/exporterhelper), the transport the
 * shared HTTP client's (collector/httpclient). */
#ifndef OTLPD_ES_H
#define OTLPD_ES_H

#include <stdbool.h>
#include <stdint.h>

#include "otlpd/component.h"
#include "otlpd/exporterhelper.h"
#include "otlpd/http_client.h"

typedef enum {
  ES_MAPPING_OTEL = 0,
  ES_MAPPING_ECS,
  ES_MAPPING_RAW,
  ES_MAPPING_NONE,
  ES_MAPPING_BODYMAP,
} es_mapping_mode;

typedef struct es_retry_cfg {
  bool enabled;
  int64_t max_retries;
  int64_t initial_interval; /* ns */
  int64_t max_interval;     /* ns */
  otlpd_strings retry_on_status;
} es_retry_cfg;

typedef struct es_flush_cfg {
  int64_t bytes;    /* bulk body cap before compression */
  int64_t interval; /* accepted; batching is the batch processor's */
} es_flush_cfg;

/* confighttp's compression_params; contrib's default for this exporter
 * is gzip at level 1 (BestSpeed). */
typedef struct es_compression_params {
  int64_t level;
} es_compression_params;

typedef struct es_mapping_cfg {
  int mode; /* es_mapping_mode */
} es_mapping_cfg;

/* setup (otlpd's own: contrib has no such key): an ILM policy and an
 * index template per plain index, created at start when absent. */
typedef struct es_ilm_cfg {
  bool enabled;
  char *policy_name;
  char *rollover_max_age;  /* Elasticsearch time units, e.g. "7d" */
  char *rollover_max_size; /* max_primary_shard_size, e.g. "50gb" */
  char *warm_after;        /* "" = no warm phase */
  char *delete_after;      /* "" = never deleted */
} es_ilm_cfg;

typedef struct es_setup_cfg {
  bool enabled;
  es_ilm_cfg ilm;
  int64_t initial_interval; /* ns, first wait after a failed step */
  int64_t max_interval;     /* ns */
} es_setup_cfg;

typedef struct es_cfg {
  otlpd_http_client_cfg http; /* endpoint, headers, compression, tls */
  es_compression_params compression_params;
  otlpd_strings endpoints;
  char *index[OTLPD_SIGNAL_COUNT]; /* traces_index, metrics_index, logs_index */
  char *pipeline;
  char *user, *password, *api_key;
  es_mapping_cfg mapping;
  es_retry_cfg retry;
  es_flush_cfg flush;
  int64_t num_workers;
  int64_t timeout;          /* ns per HTTP request */
  otlpd_queue_cfg queue;    /* sending_queue */
  es_setup_cfg setup;
} es_cfg;

extern const otlpd_setting es_settings[];
int es_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* Statuses of a whole request or an item that are retried: 429 always,
 * plus retry::retry_on_status. */
#define ES_MAX_RETRY_STATUSES 16
typedef struct es_retry_set {
  int v[ES_MAX_RETRY_STATUSES];
  int n;
} es_retry_set;
bool es_retry_set_has(const es_retry_set *s, int status);

typedef struct es_exporter {
  const otlpd_host *host;
  const es_cfg *cfg;
  otlpd_exphelper_cfg helper; /* built from timeout, retry, sending_queue */
  otlpd_http_client *client;
  otlpd_sender *sender;
  char **bulk_url;            /* one per endpoint: <endpoint>/_bulk[?pipeline=] */
  size_t n_urls;
  size_t next_url;            /* round robin */
  size_t bytes_per_item;      /* of the last body built: presizes the next one */
  otlpd_http_compression compression;
  char *auth_header;          /* "Authorization: ..." or NULL */
  struct otlpd_auth *auth;    /* auth::authenticator (replaces user/password, api_key at start), or NULL */
  const char *headers[4];     /* Content-Type, User-Agent, auth, NULL */
  es_retry_set retry_on;
  struct es_setup *setup;     /* es_setup.c; NULL unless setup::enabled */
} es_exporter;

/* setup (es_setup.c): runs in the background on the loop from start;
 * never fails the exporter, never holds data back. */
int es_setup_start(es_exporter *e);
void es_setup_stop(es_exporter *e);
void es_setup_free(es_exporter *e);
/* Every step in place (true when setup is off): until then documents
 * to a bootstrapped alias answered 404 are held, not dropped. */
bool es_setup_done(const es_exporter *e);
/* The wait before setup's next try after a failure (its backoff). */
int64_t es_setup_wait_ns(const es_exporter *e);
/* Whether setup bootstraps the explicit index of signal sig as a
 * rollover alias (bulk actions to it carry require_alias). */
bool es_setup_manages(const es_cfg *c, int sig);

/* otlpd_sender_ops of this exporter (es_send.c). */
extern const otlpd_sender_ops es_sender_ops;

#endif
