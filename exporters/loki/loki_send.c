/* One attempt of one queued batch: the batch is collected and encoded once
 * into one push per tenant (all in the send request's body, kept across
 * retries); the pushes go out together and the attempt ends when all have
 * answered. A retry resends only the pushes that have not been answered
 * for good, so a tenant whose push Loki took never gets it twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/auth.h"

#include "loki.h"

enum { PUSH_PENDING = 0, PUSH_IN_FLIGHT, PUSH_DONE, PUSH_FAILED, PUSH_RETRY };

typedef struct loki_attempt {
  otlpd_send_req *sreq;
  loki_exporter *e;
  size_t n;
  size_t in_flight;
  bool sending;      /* starting or cancelling pushes: conclude after the loop */
  loki_push pushes[];
} loki_attempt;

static void finish(otlpd_send_req *sreq, otlpd_send_status st, int64_t retry_after_ns,
                   size_t rejected, const char *msg) {
  otlpd_send_result r = {st, retry_after_ns, rejected, msg};
  otlpd_sender_done(sreq, &r);
}

static void conclude(loki_attempt *a) {
  size_t rejected = 0, total = 0;
  int64_t retry_after = 0;
  const char *retry_msg = NULL, *fail_msg = NULL;
  for (size_t i = 0; i < a->n; i++) {
    loki_push *p = &a->pushes[i];
    total += p->entries;
    if (p->state == PUSH_FAILED) {
      rejected += p->rejected;
      if (!fail_msg) fail_msg = p->message;
    } else if (p->state == PUSH_RETRY) {
      if (!retry_msg) retry_msg = p->message;
      if (p->retry_after_ns > retry_after) retry_after = p->retry_after_ns;
      p->state = PUSH_PENDING;
    }
  }
  if (retry_msg) {
    finish(a->sreq, OTLPD_SEND_RETRYABLE, retry_after, 0, retry_msg);
  } else if (!rejected) {
    finish(a->sreq, OTLPD_SEND_OK, 0, 0, NULL);
  } else if (rejected >= total) {
    finish(a->sreq, OTLPD_SEND_PERMANENT, 0, 0, fail_msg);
  } else {
    finish(a->sreq, OTLPD_SEND_PARTIAL, 0, rejected, fail_msg);
  }
}

static void on_answer(otlpd_http_req *hreq, const otlpd_http_result *res) {
  loki_push *p = hreq->data;
  loki_attempt *a = p->attempt;
  p->retry_after_ns = 0;
  if (res->error) {
    snprintf(p->message, sizeof(p->message), "%s",
             res->error_text && *res->error_text ? res->error_text : strerror(-res->error));
    /* A malformed URL or option cannot get better by waiting. */
    p->state = res->error == OTLPD_HTTP_E_REQUEST ? PUSH_FAILED : PUSH_RETRY;
    p->rejected = p->entries;
  } else {
    size_t blen = res->body ? res->body_len : 0;
    while (blen && (res->body[blen - 1] == '\n' || res->body[blen - 1] == '\r')) blen--;
    snprintf(p->message, sizeof(p->message), "HTTP %ld%s%.*s", res->status, blen ? ": " : "",
             (int)(blen < 200 ? blen : 200), blen ? res->body : "");
    for (char *c = p->message; *c; c++)
      if (*c == '\n' || *c == '\r') *c = ' '; /* Loki lists one refused entry per line */
    switch (loki_status_verdict(res->status)) {
    case LOKI_ACCEPTED:
      p->state = PUSH_DONE;
      break;
    case LOKI_RETRYABLE:
      p->state = PUSH_RETRY;
      if (res->retry_after_ms > 0) p->retry_after_ns = res->retry_after_ms * OTLPD_NS_PER_MS;
      break;
    case LOKI_REJECTED:
      p->state = PUSH_FAILED;
      p->rejected = loki_ignored_count(res->body, res->body_len, p->entries);
      break;
    default:
      p->state = PUSH_FAILED;
      p->rejected = p->entries;
      break;
    }
  }
  if (--a->in_flight == 0 && !a->sending) conclude(a);
}

/* Collects and encodes the batch: one body range per tenant. */
static loki_attempt *attempt_new(loki_exporter *e, otlpd_send_req *sreq, int *err) {
  loki_work *w = &e->work;
  w->json = e->cfg->encoding == LOKI_ENC_JSON;
  if ((*err = loki_collect(e->cfg, sreq->batch, w)) < 0) return NULL;
  loki_attempt *a = calloc(1, sizeof(*a) + w->n_tenants * sizeof(loki_push));
  if (!a) {
    *err = -ENOMEM;
    return NULL;
  }
  a->sreq = sreq;
  a->e = e;
  otlpd_buf_clear(&sreq->body);
  for (size_t t = 0; t < w->n_tenants; t++) {
    const loki_tenant *tn = &w->tenants[t];
    if (!tn->entries) continue;
    loki_push *p = &a->pushes[a->n++];
    p->attempt = a;
    p->entries = tn->entries;
    p->body_off = sreq->body.len;
    int rc = w->json ? loki_encode_json(w, (uint32_t)t, &sreq->body)
                     : loki_encode_pb(w, (uint32_t)t, &sreq->body);
    if (rc == 0 && tn->name_len) {
      size_t hl = sizeof("X-Scope-OrgID: ") + tn->name_len;
      if ((p->tenant_header = malloc(hl)))
        snprintf(p->tenant_header, hl, "X-Scope-OrgID: %.*s", (int)tn->name_len,
                 (const char *)w->data.data + tn->name);
      else
        rc = -ENOMEM;
    }
    p->body_len = sreq->body.len - p->body_off;
    if (rc < 0) {
      for (size_t i = 0; i < a->n; i++) free(a->pushes[i].tenant_header);
      free(a);
      otlpd_buf_clear(&sreq->body);
      *err = rc;
      return NULL;
    }
    size_t h = 0;
    p->headers[h++] = w->json ? "Content-Type: application/json"
                              : "Content-Type: application/x-protobuf";
    p->headers[h++] = "User-Agent: otlpd/" OTLPD_VERSION;
    if (e->auth_header) p->headers[h++] = e->auth_header;
    if (p->tenant_header) p->headers[h++] = p->tenant_header;
    p->headers[h] = NULL;
    otlpd_http_req *r = &p->http;
    r->method = OTLPD_HTTP_POST;
    r->url = e->cfg->http.endpoint;
    r->headers = &e->cfg->http.headers;
    r->extra_headers = p->headers;
    r->compression = w->json ? e->compression : OTLPD_HTTP_COMPRESS_NONE;
    r->tls = &e->cfg->http.tls;
    r->mem = e->host->mem;
    r->done = on_answer;
    r->data = p;
  }
  /* the body is final: point each push at its range */
  for (size_t i = 0; i < a->n; i++)
    otlpd_http_req_set_body(&a->pushes[i].http, sreq->body.data + a->pushes[i].body_off,
                            a->pushes[i].body_len);
  otlpd_sender_charge(sreq, sreq->body.len);
  return a;
}

static void send_attempt(void *exporter, otlpd_send_req *sreq) {
  loki_exporter *e = exporter;
  loki_attempt *a = sreq->user;
  if (!a) {
    int err = 0;
    if (!(a = attempt_new(e, sreq, &err))) {
      finish(sreq, err == -ENOMEM ? OTLPD_SEND_RETRYABLE : OTLPD_SEND_PERMANENT, 0, 0,
             err == -ENOMEM ? "out of memory encoding" : "data cannot be encoded");
      return;
    }
    sreq->user = a;
  }
  if (e->auth) otlpd_auth_client_refresh(e->auth, e->auth_header); /* a rotated token file */
  a->sending = true;
  for (size_t i = 0; i < a->n; i++) {
    loki_push *p = &a->pushes[i];
    if (p->state != PUSH_PENDING) continue;
    p->http.timeout_ms = sreq->timeout_ns / OTLPD_NS_PER_MS;
    p->state = PUSH_IN_FLIGHT;
    a->in_flight++;
    int rc = otlpd_http_send(e->client, &p->http);
    if (rc < 0) {
      a->in_flight--;
      p->state = rc == -EINVAL ? PUSH_FAILED : PUSH_RETRY;
      p->rejected = p->entries;
      snprintf(p->message, sizeof(p->message), "%s",
               rc == -EINVAL ? "bad endpoint URL" : "HTTP client unavailable");
    }
  }
  a->sending = false;
  if (a->in_flight == 0) conclude(a);
}

static void release(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  loki_attempt *a = sreq->user;
  if (!a) return;
  for (size_t i = 0; i < a->n; i++) {
    otlpd_http_req_release(&a->pushes[i].http);
    free(a->pushes[i].tenant_header);
  }
  free(a);
  sreq->user = NULL;
}

static void cancel(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  loki_attempt *a = sreq->user;
  if (!a || !a->in_flight) return;
  /* each cancel answers at once: conclude once, after the last */
  a->sending = true;
  for (size_t i = 0; i < a->n; i++) otlpd_http_cancel(&a->pushes[i].http);
  a->sending = false;
  if (a->in_flight == 0) conclude(a);
}

const otlpd_sender_ops loki_sender_ops = {
    .send = send_attempt,
    .release = release,
    .cancel = cancel,
};
