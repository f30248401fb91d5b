/* OTLP/HTTP: auth::authenticator checked on the request's headers before
 * the body is decompressed or decoded (slow checks on the threadpool), and
 * the client info of a request. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "http_server.h"

static const char *find_header(const void *ctx, const char *name, size_t *len) {
  const h2o_req_t *req = ctx;
  size_t nl = strlen(name);
  for (size_t i = 0; i < req->headers.size; i++) {
    const h2o_header_t *hd = &req->headers.entries[i];
    if (hd->name->len == nl && strncasecmp(hd->name->base, name, nl) == 0) {
      *len = hd->value.len;
      return hd->value.base;
    }
  }
  return NULL;
}

static int send_401(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct) {
  otlpd_auth *a = h->r->auth.ext[OTLP_TRANSPORT_HTTP];
  const char *ch = a->challenge ? a->challenge : "Bearer";
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL, ch, strlen(ch));
  /* send_status logs the refusal (rate-limited, peer and path only) */
  return otlp_http_send_status(h, req, ct, 401, "Unauthorized", 16, "missing or wrong credentials");
}

/* A request waiting for its slow credential check (otlp_auth_async.c).
 * h2o keeps the request (and its buffered body) until it is answered; if
 * the client goes away first, h2o disposes the request and the pool chunk
 * `token` tells us, so the answer is not sent to a freed request. */
typedef struct http_auth_wait {
  otlp_http *h;
  h2o_req_t *req; /* NULL once h2o disposed it */
  struct http_auth_wait **token;
  otlpd_signal s;
  otlp_http_content_type ct;
} http_auth_wait;

static void on_req_disposed(void *p) {
  http_auth_wait **token = p;
  if (*token) (*token)->req = NULL;
}

static void on_checked(otlp_auth_job *j) {
  http_auth_wait *w = j->user;
  otlp_http *h = w->h;
  h2o_req_t *req = w->req;
  otlpd_signal s = w->s;
  otlp_http_content_type ct = w->ct;
  h->auth_waiting--;
  if (req) *w->token = NULL;
  free(w);
  if (!req) return; /* the client is gone: nothing to answer */
  if (j->rc != 0) {
    send_401(h, req, ct);
    return;
  }
  snprintf(h->auth_subject, sizeof(h->auth_subject), "%s", j->subject);
  otlp_http_export(h, req, s, ct);
}

static int wait_for_check(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct, void *work) {
  http_auth_wait *w = malloc(sizeof(*w));
  http_auth_wait **token = w ? h2o_mem_alloc_shared(&req->pool, sizeof(*token), on_req_disposed) : NULL;
  int rc = -ENOMEM;
  if (token) {
    *w = (http_auth_wait){.h = h, .req = req, .token = token, .s = s, .ct = ct};
    *token = w;
    rc = otlp_auth_queue(h->r, OTLP_TRANSPORT_HTTP, work, NULL, NULL, on_checked, w);
    work = NULL; /* taken */
  }
  if (rc == 0) {
    h->auth_waiting++;
    return 1;
  }
  otlp_auth_abandon(h->r, OTLP_TRANSPORT_HTTP, work);
  if (token) *token = NULL;
  free(w);
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
  otlp_http_send_status(h, req, ct, 503, "Service Unavailable", 14,
                        rc == -EBUSY ? "too many credential checks in progress; retry later" : "out of memory");
  return 1;
}

int otlp_http_authenticate(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct) {
  h->auth_subject[0] = 0;
  otlpd_auth *a = h->r->auth.ext[OTLP_TRANSPORT_HTTP];
  if (!a) return 0;
  otlpd_auth_src src = {find_header, req};
  void *work = NULL;
  int rc = otlp_auth_begin(h->r, OTLP_TRANSPORT_HTTP, &src, NULL, h->auth_subject, sizeof(h->auth_subject), &work);
  if (rc == 0) return 0;
  if (rc == OTLPD_AUTH_SLOW) return wait_for_check(h, req, s, ct, work);
  h->auth_subject[0] = 0;
  send_401(h, req, ct);
  return 1;
}

static void peer_ip(h2o_req_t *req, char *out, size_t n) {
  struct sockaddr_storage ss;
  out[0] = 0;
  if (!req->conn->callbacks->get_peername) return;
  if (req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss) == 0) return;
  if (ss.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)n);
  else if (ss.ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)n);
}

static void header_kv(void *ctx, size_t i, otlp_meta_kv *kv) {
  const h2o_header_t *hd = &((const h2o_req_t *)ctx)->headers.entries[i];
  kv->k = hd->name->base;
  kv->kl = hd->name->len;
  kv->v = hd->value.base;
  kv->vl = hd->value.len;
}

const otlpd_client_info *otlp_http_client_info(otlp_http *h, h2o_req_t *req, otlpd_arena *arena) {
  char ip[INET6_ADDRSTRLEN];
  peer_ip(req, ip, sizeof(ip));
  size_t nmeta = h->cfg->include_metadata ? req->headers.size : 0;
  return otlp_client_info_build(arena, ip, h->auth_subject, nmeta, header_kv, req);
}
