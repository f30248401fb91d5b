/* otlp receiver: shared state of the HTTP and gRPC servers.
 *
 * otlp_config.c holds the settings tables (otelcol key names), otlp_factory.c
 * the lifecycle, ingest.c the hand-off of decoded requests to the pipelines.
 * http_*.c and grpc_*.c are the two protocol servers. */
#ifndef OTLPD_OTLP_RECEIVER_H
#define OTLPD_OTLP_RECEIVER_H

#include "otlpd/durable.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/codec.h"
#include "otlpd/component.h"
#include "otlpd/auth.h"
#include "otlpd/settings.h"

typedef struct otlp_tls_cfg {
  char *cert_file, *key_file, *client_ca_file, *ca_file;
  char *min_version, *max_version;
  otlpd_strings cipher_suites;
  int64_t reload_interval; /* ns; 0: the files are read at start only */
} otlp_tls_cfg;

/* tls_ciphers.c: apply tls::cipher_suites (IANA names, TLS <= 1.2) to an
 * OpenSSL context; who ("http", "grpc") prefixes the logged error. */
typedef struct ssl_ctx_st SSL_CTX;
int otlp_tls_set_ciphers(SSL_CTX *ctx, const otlpd_strings *suites, const otlpd_logger *log, const char *who);

typedef struct otlp_cors_cfg {
  otlpd_strings allowed_origins, allowed_headers;
  int64_t max_age;
} otlp_cors_cfg;

/* auth: (configauth): the authenticator extension's id, or NULL. */
typedef struct otlp_auth_cfg {
  char *authenticator;
} otlp_auth_cfg;

typedef struct otlp_http_cfg {
  char *endpoint;
  int64_t max_request_body_size;
  char *traces_url_path, *metrics_url_path, *logs_url_path;
  otlp_cors_cfg cors;
  bool has_tls;
  otlp_tls_cfg tls;
  otlp_auth_cfg auth;
  bool include_metadata;
  /* confighttp server timeouts (ns; 0 = none), mapped onto h2o's in
   * http_timeouts.c; max_connections: otlpd-only, 0 = unlimited */
  int64_t read_header_timeout, read_timeout, write_timeout, idle_timeout;
  int64_t max_connections;
} otlp_http_cfg;

typedef struct otlp_keepalive_server_cfg {
  int64_t max_connection_idle, max_connection_age, max_connection_age_grace, time, timeout;
} otlp_keepalive_server_cfg;

typedef struct otlp_keepalive_enforcement_cfg {
  int64_t min_time;
  bool permit_without_stream;
} otlp_keepalive_enforcement_cfg;

typedef struct otlp_keepalive_cfg {
  otlp_keepalive_server_cfg server_parameters;
  otlp_keepalive_enforcement_cfg enforcement_policy;
} otlp_keepalive_cfg;

typedef struct otlp_grpc_cfg {
  char *endpoint;
  char *transport;
  int64_t max_recv_msg_size_mib;
  int64_t max_concurrent_streams;
  int64_t read_buffer_size, write_buffer_size;
  otlp_keepalive_cfg keepalive;
  bool has_tls;
  otlp_tls_cfg tls;
  otlp_auth_cfg auth;
  bool include_metadata;
  int64_t max_connections; /* otlpd-only, 0 = unlimited */
} otlp_grpc_cfg;

typedef struct otlp_receiver_cfg {
  struct {
    bool has_grpc, has_http;
    otlp_grpc_cfg grpc;
    otlp_http_cfg http;
  } protocols;
} otlp_receiver_cfg;

extern const otlpd_setting otlp_receiver_settings[];
int otlp_receiver_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
int otlp_receiver_validate_refs(const void *cfg, const char *path, const struct otlpd_config *c,
                                struct otlpd_errors *errs);

struct otlp_http;
struct otlp_grpc;
struct otlpd_auth;

/* Authentication of both transports (otlp_auth.c). Refusals are logged at
 * most a few a second, from either thread, without credentials. */
typedef enum { OTLP_TRANSPORT_HTTP = 0, OTLP_TRANSPORT_GRPC = 1 } otlp_transport;
typedef struct otlp_auth {
  struct otlpd_auth *ext[2]; /* per transport; NULL = no auth:: configured */
  _Atomic uint64_t log_second;
  atomic_uint log_count, log_dropped;
  atomic_uint pending; /* slow checks queued or running (otlp_auth_async.c) */
} otlp_auth;

typedef struct otlp_receiver {
  const otlpd_host *host;
  const otlp_receiver_cfg *cfg;
  otlpd_consumer *next[OTLPD_SIGNAL_COUNT];
  /* no component downstream of signal s reads items (set at create, read
   * on the gRPC thread too) */
  bool shallow[OTLPD_SIGNAL_COUNT];
  struct otlp_http *http;
  struct otlp_grpc *grpc;
  otlp_auth auth; /* otlp_auth.c */
} otlp_receiver;

/* Protobuf decode of a request body of signal s keeping its wire bytes:
 * shallow when no component downstream reads items. Any thread. */
static inline ProtobufCMessage *otlp_decode_pb(const otlp_receiver *r, otlpd_signal s, const uint8_t *buf,
                                               size_t len, otlpd_arena *a, char *err, size_t errlen,
                                               otlpd_raw *raw) {
  if (r->shallow[s]) return otlpd_pb_decode_shallow_keep(s, buf, len, a, err, errlen, raw);
  return otlpd_pb_decode_keep(otlpd_request_descriptor(s), buf, len, a, err, errlen, raw);
}

/* Outcome of handing one decoded request to the pipelines. */
typedef enum {
  OTLP_INGEST_OK = 0,        /* accepted (rejected > 0 means partial success) */
  OTLP_INGEST_RETRY,         /* refused for now: memory pressure, queue full, shutdown */
  OTLP_INGEST_INVALID,       /* the data was refused as bad: do not retry */
} otlp_ingest_status;

typedef struct otlp_ingest_result {
  otlp_ingest_status status;
  size_t rejected;           /* items not accepted (partial success) */
  const char *message;       /* static text for the client */
  /* OK, but durable exporters hold the wait: these items are counted by
   * otlp_ingest_settle once the writes' outcome is known (0: counted). */
  size_t waiting;
} otlp_ingest_result;

/* Loop thread only. Takes ownership of arena (and req and raw inside it)
 * whatever the outcome. raw: the request's wire bytes per resource, from
 * otlpd_pb_decode_keep (NULL for JSON). Delivers to r->next[s]; a request
 * for a signal no pipeline takes is accepted and dropped (as otelcol). */
otlp_ingest_result otlp_ingest(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena,
                               ProtobufCMessage *req, const otlpd_raw *raw);

/* The same, with what is known of the client (in arena, or NULL). */
otlp_ingest_result otlp_ingest_client(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena, ProtobufCMessage *req,
                                      const otlpd_raw *raw, const otlpd_client_info *client);

/* The same, with the request's wait for durable writes (otlpd/durable.h;
 * NULL: none). When wait->holds is above 1 after the call, durable
 * exporters hold it: the answer is due only once they release it, and
 * with an OK result, res.waiting items are not counted yet. */
otlp_ingest_result otlp_ingest_wait(otlp_receiver *r, otlpd_signal s, otlpd_arena *arena, ProtobufCMessage *req,
                                    const otlpd_raw *raw, const otlpd_client_info *client, otlpd_durable *wait);

/* A waited request's outcome is known (err from the wait's done: 0 or
 * the writes' error): count res.waiting items as accepted or refused in
 * the receiver's counters (r->host->counters; they outlive the receiver,
 * so a write finishing after it is destroyed is still counted). */
void otlp_ingest_settle(otlpd_counters *c, otlpd_signal s, size_t waiting, int err);

/* otlp_auth.c. Resolve the auth:: ids at create: 0, or -EINVAL (logged)
 * when an id names no server authenticator. */
int otlp_auth_resolve(otlp_receiver *r);
/* Log one refusal (rate-limited; peer only). Any thread. */
void otlp_auth_log_refusal(otlp_receiver *r, otlp_transport t, const char *peer, int rc);

/* otlp_auth_async.c: checks too slow for the loop or the gRPC thread.
 * otlp_auth_begin (any thread): 0 / -EACCES (logged unless peer is NULL),
 * or OTLPD_AUTH_SLOW with *work to pass to otlp_auth_queue (or to
 * otlp_auth_abandon). otlp_auth_queue (loop thread) takes work whatever
 * it returns: 0 queued, -EBUSY too many checks pending, -ENOMEM. peer
 * NULL: refusals are not logged here (the caller logs them). Then
 * in_worker (if set) runs on a threadpool thread with the result, and
 * on_loop (if set) on the loop; the job is freed after on_loop. */
#define OTLP_AUTH_MAX_PENDING 256
typedef struct otlp_auth_job otlp_auth_job;
typedef void (*otlp_auth_cb)(otlp_auth_job *j);
struct otlp_auth_job {
  uv_work_t req;
  otlp_receiver *r;
  otlp_transport t;
  void *work;  /* the extension's, until finished */
  int rc;      /* 0 or -EACCES */
  char subject[OTLPD_AUTH_SUBJECT_MAX];
  char peer[64];
  bool log;    /* log a refusal (peer given); HTTP logs its 401s itself */
  otlp_auth_cb in_worker, on_loop;
  void *user;
};
int otlp_auth_begin(otlp_receiver *r, otlp_transport t, const otlpd_auth_src *src, const char *peer, char *subject,
                    size_t n, void **work);
int otlp_auth_queue(otlp_receiver *r, otlp_transport t, void *work, const char *peer, otlp_auth_cb in_worker,
                    otlp_auth_cb on_loop, void *user);
void otlp_auth_abandon(otlp_receiver *r, otlp_transport t, void *work);

/* otlp_meta.c: the client info of one request, built in its arena (after
 * decoding, with the arena's limit lifted: it is a few small strings).
 * addr: the peer IP without port (NULL: unknown); subject: NULL or "" when
 * not authenticated; the include_metadata headers come through get(i)
 * for i < nmeta (keys are lower-cased here; ":pseudo" keys skipped).
 * NULL only on ENOMEM. */
typedef struct otlp_meta_kv {
  const char *k, *v;
  size_t kl, vl;
} otlp_meta_kv;
const otlpd_client_info *otlp_client_info_build(otlpd_arena *a, const char *addr, const char *subject,
                                                size_t nmeta, void (*get)(void *ctx, size_t i, otlp_meta_kv *kv),
                                                void *ctx);
/* "ipv4:10.0.0.1:5000", "ipv6:[::1]:5000" (gRPC peers) -> the IP into out;
 * false for other forms (unix sockets). */
bool otlp_peer_ip_from_uri(const char *peer, char *out, size_t n);

/* Storage for one Export*ServiceResponse (response.c). */
typedef struct otlp_response {
  otlp_trace_response traces;
  Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess traces_ps;
  otlp_metrics_response metrics;
  Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsPartialSuccess metrics_ps;
  otlp_logs_response logs;
  Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess logs_ps;
} otlp_response;

/* The response for signal s, in r: partial_success only when something
 * was rejected (an empty response means full success). Valid while r and
 * why live. */
ProtobufCMessage *otlp_response_build(otlp_response *r, otlpd_signal s, size_t rejected, const char *why);

/* What decoding a request of len wire bytes may allocate (decode_limit.c):
 * 32 times its size plus 1 MiB, and never more than what is left of the
 * daemon's memory budget (host->mem: limit - used). by_budget says the
 * budget, not the request, set max: a refusal then is retryable (503 /
 * UNAVAILABLE), not 413. Any thread (reads an atomic). */
typedef struct otlp_decode_limit {
  size_t max;
  bool by_budget;
} otlp_decode_limit;
otlp_decode_limit otlp_decode_limit_for(const otlpd_memacct *m, size_t len);
/* The first arena block for a decode: the sizer's guess, cut to fit d. */
size_t otlp_decode_first_block(size_t guess, const otlp_decode_limit *d);

/* True when new data should be refused before it is even decoded. */
bool otlp_should_refuse(const otlp_receiver *r);

/* Protocol servers (http_server.c, grpc_server.c). */
int otlp_http_start(otlp_receiver *r);
void otlp_http_shutdown(otlp_receiver *r);
void otlp_http_destroy(otlp_receiver *r);
int otlp_grpc_start(otlp_receiver *r);
void otlp_grpc_shutdown(otlp_receiver *r);
void otlp_grpc_destroy(otlp_receiver *r);

#endif
