/* OTLP/HTTP: auth::authenticator checked on the request's headers before
 * the body is decompressed or decoded, and the client info of a request. */
#include <arpa/inet.h>
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

int otlp_http_authenticate(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct) {
  h->auth_subject[0] = 0;
  otlpd_auth *a = h->r->auth.ext[OTLP_TRANSPORT_HTTP];
  if (!a) return 0;
  otlpd_auth_src src = {find_header, req};
  if (a->authenticate(a, &src, h->auth_subject, sizeof(h->auth_subject)) == 0) return 0;
  h->auth_subject[0] = 0;
  const char *ch = a->challenge ? a->challenge : "Bearer";
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL, ch, strlen(ch));
  /* send_status logs the refusal (rate-limited, peer and path only) */
  otlp_http_send_status(h, req, ct, 401, "Unauthorized", 16, "missing or wrong credentials");
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
