/* One attempt of one queued batch: encode it once (kept on the request
 * across retries), POST it through the shared client, and tell the sender
 * what the answer means. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlphttp.h"
#include "otlpd/auth.h"
#include "otlphttp_response.h"
#include "otlpd/codec.h"

/* req->user: the HTTP request that carries this batch, kept across
 * retries so its compressed body is made once too. */
typedef struct attempt {
  otlpd_http_req http;
  otlpd_send_req *sreq;
} attempt;

static void finish(otlpd_send_req *sreq, otlpd_send_status st, int64_t retry_after_ns,
                   size_t rejected, const char *msg) {
  otlpd_send_result r = {st, retry_after_ns, rejected, msg};
  otlpd_sender_done(sreq, &r);
}

/* A protobuf body reuses the clients' own bytes for every resource no
 * processor changed (otlpd_batch_encode_pb). */
static int encode(const otlphttp_exporter *e, const otlpd_batch *b, otlpd_buf *out) {
  if (e->cfg->encoding == OTLPHTTP_PROTO) return otlpd_batch_encode_pb(b, out);
  otlpd_request_view view;
  return otlpd_json_encode(otlpd_batch_view(b, &view), out);
}

static void on_answer(otlpd_http_req *hreq, const otlpd_http_result *res) {
  attempt *a = hreq->data;
  otlpd_send_req *sreq = a->sreq;
  char msg[320];
  if (res->error) {
    snprintf(msg, sizeof(msg), "%s", res->error_text && *res->error_text ? res->error_text
                                                                          : strerror(-res->error));
    /* A malformed URL or option cannot get better by waiting. */
    finish(sreq, res->error == OTLPD_HTTP_E_REQUEST ? OTLPD_SEND_PERMANENT : OTLPD_SEND_RETRYABLE,
           0, 0, msg);
    return;
  }
  const char *ct = otlpd_http_result_header(res, "content-type");
  bool json = ct && strstr(ct, "json");
  otlphttp_answer ans;
  otlphttp_read_answer(sreq->signal, (int)res->status, (const uint8_t *)res->body, res->body_len,
                       json, &ans);
  snprintf(msg, sizeof(msg), "HTTP %ld%s%s", res->status, ans.message[0] ? ": " : "", ans.message);
  switch (ans.verdict) {
  case OTLPHTTP_ACCEPTED:
    if (ans.rejected > 0)
      finish(sreq, OTLPD_SEND_PARTIAL, 0, (size_t)ans.rejected, msg);
    else
      finish(sreq, OTLPD_SEND_OK, 0, 0, NULL);
    return;
  case OTLPHTTP_RETRYABLE:
    finish(sreq, OTLPD_SEND_RETRYABLE,
           res->retry_after_ms > 0 ? res->retry_after_ms * OTLPD_NS_PER_MS : 0, 0, msg);
    return;
  default:
    finish(sreq, OTLPD_SEND_PERMANENT, 0, 0, msg);
    return;
  }
}

static attempt *attempt_new(otlphttp_exporter *e, otlpd_send_req *sreq) {
  attempt *a = calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->sreq = sreq;
  otlpd_http_req *h = &a->http;
  h->method = OTLPD_HTTP_POST;
  h->url = e->url[sreq->signal];
  h->headers = &e->cfg->http.headers;
  h->extra_headers = e->headers;
  h->compression = e->compression;
  h->tls = &e->cfg->http.tls;
  h->mem = e->host->mem;
  h->done = on_answer;
  h->data = a;
  return a;
}

static void send_attempt(void *exporter, otlpd_send_req *sreq) {
  otlphttp_exporter *e = exporter;
  attempt *a = sreq->user;
  if (!a) {
    if (!(a = attempt_new(e, sreq))) {
      finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "out of memory");
      return;
    }
    sreq->user = a;
  }
  if (e->auth) { /* the extension's header as of now: a rotated token file is picked up */
    e->headers[2] = e->auth->client_header(e->auth, e->auth_line, OTLPD_AUTH_LINE_MAX) == 0 ? e->auth_line : NULL;
    if (!e->headers[2]) otlpd_warn(&e->host->log, "auth::authenticator gave no header; sending without it");
  }
  if (sreq->body.len == 0) {
    int rc = encode(e, sreq->batch, &sreq->body);
    if (rc < 0) {
      sreq->body.len = 0;
      finish(sreq, rc == -ENOMEM ? OTLPD_SEND_RETRYABLE : OTLPD_SEND_PERMANENT, 0, 0,
             rc == -ENOMEM ? "out of memory encoding" : "data cannot be encoded");
      return;
    }
    otlpd_sender_charge(sreq, sreq->body.len);
    otlpd_http_req_set_body(&a->http, sreq->body.data, sreq->body.len);
  }
  a->http.timeout_ms = sreq->timeout_ns / OTLPD_NS_PER_MS;
  int rc = otlpd_http_send(e->client, &a->http);
  if (rc < 0)
    finish(sreq, rc == -EINVAL ? OTLPD_SEND_PERMANENT : OTLPD_SEND_RETRYABLE, 0, 0,
           rc == -EINVAL ? "no URL for this signal" : "HTTP client unavailable");
}

static void release(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  attempt *a = sreq->user;
  if (!a) return;
  otlpd_http_req_release(&a->http);
  free(a);
  sreq->user = NULL;
}

static void cancel(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  attempt *a = sreq->user;
  if (a) otlpd_http_cancel(&a->http);
}

const otlpd_sender_ops otlphttp_sender_ops = {
    .send = send_attempt,
    .release = release,
    .cancel = cancel,
};
