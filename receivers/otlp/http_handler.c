/* One OTLP/HTTP request: route, check, decompress, decode, hand off, reply.
 *
 * h2o has buffered the whole body (it answers 413 itself past
 * max_request_entity_size), and otlp_ingest() is synchronous on the loop,
 * so the reply is sent before the handler returns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_server.h"
#include "otlpd/codec.h"

#define DECODE_ERR_LEN 256
#define ARENA_FIRST_BLOCK_MAX ((size_t)32 * 1024 * 1024)
/* The inflater keeps a buffer this big between requests (charged while
 * held); a bigger one is dropped after its request. */
#define INFLATE_KEEP ((size_t)1024 * 1024)
#define BUDGET_MSG "collector memory budget is too low for this request now; retry later"

typedef struct otlp_http_handler {
  h2o_handler_t super;
  otlp_http *h;
} otlp_http_handler;

static bool method_is(const h2o_req_t *req, const char *m, size_t n) {
  return req->method.len == n && memcmp(req->method.base, m, n) == 0;
}

static int route(const otlp_http *h, const h2o_req_t *req, otlpd_signal *s) {
  size_t len = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (h->paths[i].len == len && memcmp(h->paths[i].base, req->path.base, len) == 0) {
      *s = (otlpd_signal)i;
      return 0;
    }
  }
  return -ENOENT;
}

/* "application/json; charset=utf-8" -> JSON; parameters are ignored. */
static otlp_http_content_type content_type(h2o_req_t *req) {
  ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
  if (i < 0) return OTLP_HTTP_CT_UNKNOWN;
  h2o_iovec_t v = req->headers.entries[i].value;
  size_t n = 0;
  while (n < v.len && v.base[n] != ';') n++;
  while (n && (v.base[n - 1] == ' ' || v.base[n - 1] == '\t')) n--;
  const char *p = v.base;
  while (n && (*p == ' ' || *p == '\t')) p++, n--;
  if (n == strlen("application/x-protobuf") && strncasecmp(p, "application/x-protobuf", n) == 0)
    return OTLP_HTTP_CT_PROTOBUF;
  if (n == strlen("application/json") && strncasecmp(p, "application/json", n) == 0) return OTLP_HTTP_CT_JSON;
  return OTLP_HTTP_CT_UNKNOWN;
}

static otlp_http_encoding content_encoding(h2o_req_t *req) {
  ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_ENCODING, -1);
  if (i < 0) return OTLP_HTTP_ENC_IDENTITY;
  h2o_iovec_t v = req->headers.entries[i].value;
  return otlp_http_encoding_parse(v.base, v.len);
}

static int send_retry_later(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, const char *why) {
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
  return otlp_http_send_status(h, req, ct, 503, "Service Unavailable", 14, why);
}

/* Decompresses if needed; *body and *len then describe the plain body. */
static int plain_body(otlp_http *h, h2o_req_t *req, otlp_http_content_type ct, const uint8_t **body,
                      size_t *len) {
  *body = req->entity.base ? (const uint8_t *)req->entity.base : (const uint8_t *)"";
  *len = req->entity.base ? req->entity.len : 0;
  otlp_http_encoding enc = content_encoding(req);
  if (enc == OTLP_HTTP_ENC_IDENTITY) return 0;
  if (enc == OTLP_HTTP_ENC_UNKNOWN) {
    otlp_http_send_status(h, req, ct, 415, "Unsupported Media Type", 3,
                     "unsupported Content-Encoding (supported: gzip, deflate, zstd)");
    return -1;
  }
  const char *why = "body cannot be decompressed";
  /* the output may take what is left of the memory budget, no more */
  otlp_decode_limit lim = otlp_decode_limit_for(h->r->host->mem, 0);
  size_t left = lim.by_budget ? lim.max : SIZE_MAX;
  size_t max = h->max_body < left ? h->max_body : left;
  int rc = otlp_http_inflate(&h->inflater, enc, *body, *len, max, &why);
  otlp_http_inflater_settle(&h->inflater, SIZE_MAX);
  if (rc == -E2BIG && max < h->max_body) {
    send_retry_later(h, req, ct, BUDGET_MSG);
    return -1;
  }
  if (rc == -E2BIG) {
    otlp_http_send_status(h, req, ct, 413, "Request Entity Too Large", 8,
                     "decompressed body is larger than max_request_body_size");
    return -1;
  }
  if (rc == -ENOMEM) {
    send_retry_later(h, req, ct, "out of memory");
    return -1;
  }
  if (rc != 0) {
    otlp_http_send_status(h, req, ct, 400, "Bad Request", 3, why);
    return -1;
  }
  *body = h->inflater.out.data ? h->inflater.out.data : (const uint8_t *)"";
  *len = h->inflater.out.len;
  return 0;
}

/* One block that fits avoids regrowth and the slack of a doubled last
 * block. Protobuf's expansion is learned; JSON text is bigger than what it
 * decodes to, so its length is a fair first guess. */
static size_t first_block(const otlp_http *h, otlp_http_content_type ct, size_t len) {
  size_t n = ct == OTLP_HTTP_CT_PROTOBUF ? otlpd_arena_sizer_guess(&h->sizer, len) : len + 4096;
  return n > ARENA_FIRST_BLOCK_MAX ? ARENA_FIRST_BLOCK_MAX : n;
}

/* Decodes body into a fresh arena bounded by lim. 0 with *out set, or an
 * answer already sent (returns 1). */
static int decode(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct, const uint8_t *body,
                  size_t len, otlpd_arena **arena_out, ProtobufCMessage **out, otlpd_raw *raw) {
  otlp_decode_limit lim = otlp_decode_limit_for(h->r->host->mem, len);
  otlpd_arena *arena = otlpd_arena_new(otlp_decode_first_block(first_block(h, ct, len), &lim));
  if (!arena) {
    send_retry_later(h, req, ct, "out of memory");
    return 1;
  }
  otlpd_arena_set_limit(arena, lim.max);
  char err[DECODE_ERR_LEN] = "";
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(s);
  ProtobufCMessage *m = ct == OTLP_HTTP_CT_PROTOBUF
                            ? otlp_decode_pb(h->r, s, body, len, arena, err, sizeof(err), raw)
                            : otlpd_json_decode(d, (const char *)body, len, arena, err, sizeof(err));
  if (!m) {
    bool too_big = otlpd_arena_hit_limit(arena);
    otlpd_arena_free(arena);
    if (too_big && lim.by_budget) send_retry_later(h, req, ct, BUDGET_MSG);
    else if (too_big)
      otlp_http_send_status(h, req, ct, 413, "Request Entity Too Large", 8,
                            "request decodes to more memory than allowed (32 times its size); send smaller batches");
    else
      otlp_http_send_status(h, req, ct, 400, "Bad Request", 3, err[0] ? err : "request body cannot be decoded");
    return 1;
  }
  if (ct == OTLP_HTTP_CT_PROTOBUF) otlpd_arena_sizer_learn(&h->sizer, len, arena);
  *arena_out = arena;
  *out = m;
  return 0;
}

/* A request whose OK waits for a persistent queue's write
 * (otlpd/durable.h). h2o keeps the request until it is answered; if the
 * client goes away first, h2o disposes it and `token` tells us. */
typedef struct http_wait {
  otlpd_durable d;
  otlp_http *h;
  h2o_req_t *req; /* NULL once h2o disposed it */
  struct http_wait **token;
  otlpd_signal s;
  otlp_http_content_type ct;
  size_t rejected;
  const char *message;
  size_t waiting; /* items counted once the writes are done, in: */
  otlpd_counters *counters;
} http_wait;

static void wait_free(otlpd_durable *d, int err) {
  (void)err;
  free(d);
}

static void on_wait_disposed(void *p) {
  http_wait **token = p;
  if (*token) (*token)->req = NULL;
}

static void wait_done(otlpd_durable *d, int err) {
  http_wait *w = (http_wait *)d;
  otlp_ingest_settle(w->counters, w->s, w->waiting, err);
  if (w->req) {
    *w->token = NULL;
    if (err) send_retry_later(w->h, w->req, w->ct, "the persistent queue could not store the data; retry later");
    else otlp_http_send_export_ok(w->h, w->req, w->ct, w->s, w->rejected, w->message);
  }
  free(w);
}

/* 0: the answer is sent by wait_done; else answer now. */
static int wait_for_write(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct, http_wait *w,
                          const otlp_ingest_result *res) {
  http_wait **token = h2o_mem_alloc_shared(&req->pool, sizeof(*token), on_wait_disposed);
  if (!token) return -ENOMEM;
  w->h = h;
  w->req = req;
  w->token = token;
  w->s = s;
  w->ct = ct;
  w->rejected = res->rejected;
  w->message = res->message;
  w->waiting = res->waiting;
  w->counters = h->r->host->counters;
  *token = w;
  w->d.done = wait_done;
  otlpd_durable_release(&w->d, 0);
  return 0;
}

static int export_body(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct) {
  const uint8_t *body;
  size_t len;
  if (plain_body(h, req, ct, &body, &len) != 0) return 0;
  otlpd_arena *arena;
  ProtobufCMessage *m;
  otlpd_raw raw = {NULL, 0};
  int rc = decode(h, req, s, ct, body, len, &arena, &m, &raw);
  otlp_http_inflater_settle(&h->inflater, INFLATE_KEEP); /* raw was copied into the arena */
  if (rc) return 0;
  const otlpd_client_info *ci = otlp_http_client_info(h, req, arena);
  http_wait *w = malloc(sizeof(*w));
  if (w) w->d = (otlpd_durable){1, 0, wait_free, NULL};
  otlp_ingest_result res = otlp_ingest_wait(h->r, s, arena, m, &raw, ci, w ? &w->d : NULL); /* takes the arena */
  if (w && res.status == OTLP_INGEST_OK && w->d.holds > 1 && wait_for_write(h, req, s, ct, w, &res) == 0) return 0;
  if (w) otlpd_durable_release(&w->d, 0);
  otlp_ingest_settle(h->r->host->counters, s, res.waiting, 0); /* answered OK now, whatever the writes do */
  switch (res.status) {
  case OTLP_INGEST_OK: return otlp_http_send_export_ok(h, req, ct, s, res.rejected, res.message);
  case OTLP_INGEST_RETRY: return send_retry_later(h, req, ct, res.message ? res.message : "retry later");
  default:
    return otlp_http_send_status(h, req, ct, 400, "Bad Request", 3, res.message ? res.message : "data refused");
  }
}

int otlp_http_export(otlp_http *h, h2o_req_t *req, otlpd_signal s, otlp_http_content_type ct) {
  if (h->draining) req->http1_is_persistent = 0;
  if (otlp_should_refuse(h->r))
    return send_retry_later(h, req, ct,
                            *h->r->host->shutting_down ? "collector is shutting down"
                                                       : "collector is over its memory limit");
  /* h2o's buffered body is counted while we work on it */
  size_t held = req->entity.base ? req->entity.len : 0;
  otlpd_memacct_charge(h->r->host->mem, held);
  int rc = export_body(h, req, s, ct);
  otlpd_memacct_release(h->r->host->mem, held);
  return rc;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
  otlp_http *h = ((otlp_http_handler *)self)->h;
  /* A draining server answers what is in flight, then closes. */
  if (h->draining) req->http1_is_persistent = 0;
  otlpd_signal s;
  if (route(h, req, &s) != 0)
    return otlp_http_send_status(h, req, OTLP_HTTP_CT_UNKNOWN, 404, "Not Found", 5, "unknown path");
  if (method_is(req, H2O_STRLIT("OPTIONS")) && h->cfg->cors.allowed_origins.n > 0)
    return otlp_http_send_preflight(h, req);
  if (!method_is(req, H2O_STRLIT("POST"))) {
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("POST, OPTIONS"));
    return otlp_http_send_status(h, req, OTLP_HTTP_CT_UNKNOWN, 405, "Method Not Allowed", 12,
                            "method not allowed, supported: POST");
  }
  otlp_http_content_type ct = content_type(req);
  if (ct == OTLP_HTTP_CT_UNKNOWN)
    return otlp_http_send_status(h, req, ct, 415, "Unsupported Media Type", 3,
                            "unsupported Content-Type, supported: application/x-protobuf, application/json");
  if (otlp_http_authenticate(h, req, s, ct) != 0) return 0; /* answered, or goes on after the check */
  return otlp_http_export(h, req, s, ct);
}

void otlp_http_handler_register(otlp_http *h, h2o_pathconf_t *pathconf) {
  otlp_http_handler *hd = (otlp_http_handler *)h2o_create_handler(pathconf, sizeof(*hd));
  hd->super.on_req = on_req;
  hd->h = h;
}
