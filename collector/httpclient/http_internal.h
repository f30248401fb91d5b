/* Internals shared by the http client's files. Loop thread only. */
#ifndef OTLPD_HTTP_INTERNAL_H
#define OTLPD_HTTP_INTERNAL_H

#include <curl/curl.h>

#include "otlpd/http_client.h"

/* One uv_poll_t per socket libcurl asks us to watch. */
typedef struct otlpd_http_sock {
  uv_poll_t poll;
  curl_socket_t fd;
  struct otlpd_http_client *c;
  struct otlpd_http_sock *prev, *next;
} otlpd_http_sock;

/* One transfer: an easy handle and its buffers, reused from a free list. */
typedef struct otlpd_http_xfer {
  CURL *easy;
  struct otlpd_http_client *c;
  otlpd_http_req *req;            /* NULL while on the free list */
  struct curl_slist *hdrs;
  otlpd_buf body;                 /* collected response body */
  otlpd_buf resp_hdrs;            /* "name: value\0" entries of the last response */
  size_t body_limit;
  bool body_truncated;
  int abort_err;                  /* on_body's refusal */
  char *url_override;             /* server_name_override rewrote the URL */
  struct curl_slist *connect_to;
  char errbuf[CURL_ERROR_SIZE];
  struct otlpd_http_xfer *prev, *next;
} otlpd_http_xfer;

struct otlpd_http_client {
  uv_loop_t *loop;
  otlpd_logger log;
  CURLM *multi;
  uv_timer_t timer;
  otlpd_http_sock *socks;
  otlpd_http_xfer *active, *idle;
  size_t n_active, n_idle;
  bool closing;
  int pending_closes;             /* uv handles still closing */
  void (*closed)(void *);
  void *closed_arg;
};

/* Keep at most this many easy handles for reuse. */
#define OTLPD_HTTP_IDLE_XFERS 16

/* http_transfer.c */
otlpd_http_xfer *otlpd_http_xfer_take(otlpd_http_client *c);
void otlpd_http_xfer_put(otlpd_http_client *c, otlpd_http_xfer *x);
void otlpd_http_xfer_free(otlpd_http_xfer *x);
int otlpd_http_xfer_setup(otlpd_http_xfer *x, otlpd_http_req *req);
/* Detach from the multi handle and call done with res. */
void otlpd_http_xfer_finish(otlpd_http_xfer *x, CURLcode code);
void otlpd_http_xfer_fail(otlpd_http_xfer *x, int err, const char *text);
int otlpd_http_error_from_curl(CURLcode code);

/* http_client.c */
void otlpd_http_client_check_done(otlpd_http_client *c);
void otlpd_http_client_refs(otlpd_http_client *c);

/* http_compress.c: req->packed_ holds the compressed body afterwards. */
int otlpd_http_compress(otlpd_http_req *req);

/* tls_config.c: "1.2" -> 12, "" -> 0, unknown -> -1. */
int otlpd_tls_version_parse(const char *s);

#endif
