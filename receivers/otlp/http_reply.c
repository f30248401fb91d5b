/* OTLP/HTTP responses: Export*ServiceResponse, google.rpc.Status, CORS.
 *
 * Bodies are encoded into one reused buffer and copied into the request's
 * h2o pool by h2o_send_inline, so a response costs no malloc of its own. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "http_server.h"
#include "otlpd/codec.h"
#include "otlpd/otlp.h"

#define CT_PROTOBUF "application/x-protobuf"
#define CT_JSON "application/json"
#define WARNINGS_PER_SECOND 5

static h2o_iovec_t find_header(h2o_req_t *req, const char *name, size_t len) {
  ssize_t i = h2o_find_header_by_str(&req->headers, name, len, -1);
  if (i < 0) return h2o_iovec_init(NULL, 0);
  return req->headers.entries[i].value;
}

static void add_header(h2o_req_t *req, const char *name, size_t nlen, const char *v, size_t vlen) {
  h2o_add_header_by_str(&req->pool, &req->res.headers, name, nlen, 0, NULL, v, vlen);
}

/* Browsers read a response only when it names their origin. */
static void add_cors(otlp_http *h, h2o_req_t *req) {
  const otlpd_strings *allowed = &h->cfg->cors.allowed_origins;
  if (allowed->n == 0) return;
  h2o_iovec_t origin = find_header(req, H2O_STRLIT("origin"));
  if (!otlp_http_cors_origin_allowed(allowed, origin.base, origin.len)) return;
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, origin.base,
                 origin.len);
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Origin"));
}

int otlp_http_send(otlp_http *h, h2o_req_t *req, int status, const char *reason, const char *ctype,
              const void *body, size_t len) {
  req->res.status = status;
  req->res.reason = reason;
  if (ctype) h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
  add_cors(h, req);
  req->res.content_length = len;
  h2o_send_inline(req, len ? body : "", len);
  return 0;
}

static int encode(const ProtobufCMessage *m, otlp_http_content_type ct, otlpd_buf *out) {
  otlpd_buf_clear(out);
  return ct == OTLP_HTTP_CT_PROTOBUF ? otlpd_pb_encode(m, out) : otlpd_json_encode(m, out);
}

static const char *ctype_of(otlp_http_content_type ct) { return ct == OTLP_HTTP_CT_PROTOBUF ? CT_PROTOBUF : CT_JSON; }

static void peer_name(h2o_req_t *req, char *out, size_t n) {
  struct sockaddr_storage ss;
  snprintf(out, n, "?");
  if (!req->conn->callbacks->get_peername) return;
  socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
  if (sl == 0) return;
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    snprintf(out, n, "%s:%u", ip, ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    snprintf(out, n, "[%s]:%u", ip, ntohs(a->sin6_port));
  }
}

void otlp_http_log_rejected(otlp_http *h, h2o_req_t *req, int status, const char *message) {
  uint64_t second = uv_now(h->loop) / 1000;
  if (second != h->warn_window) {
    if (h->warn_dropped)
      otlpd_warn(h->log, "%u more rejected HTTP requests not logged", h->warn_dropped);
    h->warn_window = second;
    h->warn_count = h->warn_dropped = 0;
  }
  if (h->warn_count >= WARNINGS_PER_SECOND) {
    h->warn_dropped++;
    return;
  }
  h->warn_count++;
  char peer[INET6_ADDRSTRLEN + 16];
  peer_name(req, peer, sizeof(peer));
  otlpd_warn(h->log, "%.*s %.*s from %s: %d %s", (int)req->method.len, req->method.base,
             (int)(req->query_at == SIZE_MAX ? req->path.len : req->query_at), req->path.base, peer, status,
             message);
}

int otlp_http_send_status(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, int http_status,
                     const char *reason, int rpc_code, const char *message) {
  otlp_http_log_rejected(h, req, http_status, message);
  if (ct == OTLP_HTTP_CT_UNKNOWN) ct = OTLP_HTTP_CT_JSON; /* otelcol's fallback */
  Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
  st.code = rpc_code;
  st.message = (char *)message;
  if (encode(&st.base, ct, &h->out) != 0)
    return otlp_http_send(h, req, http_status, reason, "text/plain; charset=utf-8", message, strlen(message));
  return otlp_http_send(h, req, http_status, reason, ctype_of(ct), h->out.data, h->out.len);
}

int otlp_http_send_export_ok(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, otlpd_signal s,
                        size_t rejected, const char *message) {
  otlp_response resp;
  int rc = encode(otlp_response_build(&resp, s, rejected, message), ct, &h->out);
  if (rc != 0)
    return otlp_http_send_status(h, req, ct, 500, "Internal Server Error", 13, "cannot encode the response");
  return otlp_http_send(h, req, 200, "OK", ctype_of(ct), h->out.data, h->out.len);
}

/* Headers a preflight asks for: echoed when allowed_headers has "*". */
static bool any_header_allowed(const otlpd_strings *hs) {
  for (size_t i = 0; i < hs->n; i++)
    if (hs->v[i] && strcmp(hs->v[i], "*") == 0) return true;
  return false;
}

int otlp_http_send_preflight(otlp_http *h, h2o_req_t *req) {
  const otlp_cors_cfg *c = &h->cfg->cors;
  h2o_iovec_t origin = find_header(req, H2O_STRLIT("origin"));
  req->res.status = 204;
  req->res.reason = "No Content";
  if (otlp_http_cors_origin_allowed(&c->allowed_origins, origin.base, origin.len)) {
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, origin.base,
                   origin.len);
    add_header(req, H2O_STRLIT("access-control-allow-methods"), H2O_STRLIT("POST, OPTIONS"));
    h2o_iovec_t asked = find_header(req, H2O_STRLIT("access-control-request-headers"));
    if (asked.len && any_header_allowed(&c->allowed_headers))
      add_header(req, H2O_STRLIT("access-control-allow-headers"), asked.base, asked.len);
    else if (h->cors_allow_headers)
      add_header(req, H2O_STRLIT("access-control-allow-headers"), h->cors_allow_headers,
                 strlen(h->cors_allow_headers));
    if (c->max_age > 0) {
      char *age = h2o_mem_alloc_pool(&req->pool, 24);
      int n = snprintf(age, 24, "%lld", (long long)c->max_age);
      add_header(req, H2O_STRLIT("access-control-max-age"), age, (size_t)n);
    }
  } else {
    otlp_http_log_rejected(h, req, 204, "CORS preflight from an origin that is not allowed");
  }
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Origin"));
  req->res.content_length = 0;
  h2o_send_inline(req, "", 0);
  return 0;
}
