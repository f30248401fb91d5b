/* OTLP/HTTP server internals (h2o 2.2.5 on the daemon's libuv loop).
 *
 * http_server.c   listen/accept, h2o setup, graceful shutdown
 * http_handler.c  routing, content types, decode and hand-off
 * http_reply.c    responses: Export*ServiceResponse, google.rpc.Status, CORS
 * http_body.c     gzip/deflate/zstd decompression with bounded output
 * http_cors.c     origin matching
 * Everything runs on the loop thread. */
#ifndef OTLPD_HTTP_SERVER_H
#define OTLPD_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "otlp_receiver.h"
#include "otlpd/buf.h"
#include "body_inflate.h"
#include "tls_server.h"

/* True when origin (not NUL-terminated) matches one of the allowed
 * patterns: exact, "*", or with '*' wildcards (https://<star>.example.com).
 * Case-insensitive. */
bool otlp_http_cors_origin_allowed(const otlpd_strings *allowed, const char *origin, size_t len);
/* "Accept, Content-Type, ..." for Access-Control-Allow-Headers: the
 * headers otelcol always allows plus the configured ones. NULL on ENOMEM. */
char *otlp_http_cors_allow_headers(const otlpd_strings *configured);

typedef enum {
  OTLP_HTTP_CT_UNKNOWN = 0,
  OTLP_HTTP_CT_PROTOBUF,
  OTLP_HTTP_CT_JSON,
} otlp_http_content_type;

/* A listener or connection handle: TCP, or a unix socket (unix:/path). */
typedef union otlp_http_stream {
  uv_tcp_t tcp;
  uv_pipe_t pipe;
} otlp_http_stream;

typedef struct otlp_http {
  otlp_receiver *r;
  const otlp_http_cfg *cfg;
  const otlpd_logger *log;
  uv_loop_t *loop;

  h2o_globalconf_t gconf;
  h2o_context_t ctx;
  h2o_accept_ctx_t accept;
  otlp_tls_reload *tls;  /* NULL: plain HTTP; else the context in force */
  otlp_http_stream listener;
  uv_timer_t drain_timer;
  /* A connection that cannot get memory is still accepted (into spare) and
   * closed: libuv stops polling a listener whose callback did not accept. */
  otlp_http_stream spare;
  uv_timer_t accept_retry; /* spare still closing: accept again shortly */

  bool gconf_ready, ctx_ready, listener_open, drain_timer_open;
  bool spare_busy, accept_retry_open;
  bool draining;
  bool is_unix;          /* endpoint unix:/path */
  size_t conns;          /* accepted sockets not yet closed */
  size_t pending_closes; /* our own uv handles still closing */
  size_t auth_waiting;   /* requests whose credentials are being checked */
  uint64_t cap_refused, cap_logged_ms; /* closed for max_connections; last log */

  size_t max_body;
  char addr[128];        /* "127.0.0.1:4318" or "unix:/path", for logs */
  h2o_iovec_t paths[OTLPD_SIGNAL_COUNT];
  char *cors_allow_headers;

  otlp_http_inflater inflater;
  otlpd_buf out;         /* response encoding scratch */
  otlpd_arena_sizer sizer; /* protobuf request bytes -> arena bytes */

  /* the request being handled: who authenticated it (http_auth.c) */
  char auth_subject[OTLPD_AUTH_SUBJECT_MAX];

  /* warn-level logging of rejected requests, at most a few a second */
  uint64_t warn_window;  /* uv_now() second of the current window */
  unsigned warn_count, warn_dropped;
} otlp_http;

/* http_timeouts.c: confighttp's timeouts onto h->gconf (before the
 * context is made); logs what is applied and what h2o cannot honour. */
void otlp_http_timeouts_apply(otlp_http *h);

/* http_handler.c: the h2o handler for every path of the host. */
void otlp_http_handler_register(otlp_http *h, h2o_pathconf_t *pathconf);

/* http_auth.c. With auth:: configured: 0 when the request's headers
 * authenticate it now (h->auth_subject set); else 1: a 401 with
 * WWW-Authenticate (or a 503) was sent, or the check went to the
 * threadpool and the request goes on later through otlp_http_export (or
 * gets its 401 then). Without: 0 and an empty subject. */
int otlp_http_authenticate(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct);
/* http_handler.c: an authenticated export request (h->auth_subject set):
 * decompress, decode, hand off, answer. Returns 0 (h2o: handled). */
int otlp_http_export(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct);
/* The request's client info in arena (peer IP, h->auth_subject, headers
 * with include_metadata). NULL on ENOMEM. */
const otlpd_client_info *otlp_http_client_info(otlp_http *h, h2o_req_t *req, otlpd_arena *arena);

/* http_reply.c */
/* Sends body with status and content type; adds CORS headers when the
 * request's Origin is allowed. Always returns 0 (h2o: handled). */
int otlp_http_send(otlp_http *h, h2o_req_t *req, int status, const char *reason, const char *ctype,
              const void *body, size_t len);
/* An error with a google.rpc.Status body (code, message) in the request's
 * encoding (JSON when it has none we know). Logs the rejection. */
int otlp_http_send_status(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, int http_status,
                     const char *reason, int rpc_code, const char *message);
/* 200 with an Export*ServiceResponse, partial_success set when rejected > 0. */
int otlp_http_send_export_ok(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, otlpd_signal s,
                        size_t rejected, const char *message);
/* Answers a CORS preflight. */
int otlp_http_send_preflight(otlp_http *h, h2o_req_t *req);
/* Warn about a rejected request (rate limited). */
void otlp_http_log_rejected(otlp_http *h, h2o_req_t *req, int status, const char *message);

#endif
