/* One attempt of one queued batch: encode it once into ndjson
 * (es_bulk.c), send it in chunks of at most flush::bytes to the next
 * endpoint (round robin; the following ones on connection errors), read
 * each answer item by item (es_bulk_response.c), and leave in req->body
 * only the documents to try again. The sender schedules that retry with
 * backoff. See README.md "Retries and errors". */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/auth.h"

#include "es.h"
#include "es_bulk.h"
#include "es_bulk_response.h"

/* A bulk answer is ~100-200 bytes per item; more than this is not one. */
#define ES_MAX_ANSWER (256u << 20)
/* Rejected documents logged one by one per answer; the rest summed up. */
#define ES_LOG_REJECTS 3

typedef struct es_attempt {
  otlpd_http_req http;
  otlpd_send_req *sreq;
  es_exporter *e;
  es_items items;   /* the documents in sreq->body */
  bool *keep;       /* per item: send again on the next attempt */
  size_t keep_cap;
  otlpd_buf resp;   /* the answer, reused */
  size_t first, n;  /* the chunk in flight: items [first, first + n) */
  size_t chunk_cap; /* bytes per chunk: flush::bytes, less after a 413 */
  size_t url_tries; /* endpoints left to try for this chunk */
  size_t url;       /* the endpoint of this chunk */
  size_t rejected;  /* counted items refused for good, over all attempts */
  size_t held;      /* this attempt: items answered 404 for an alias setup has not made yet */
  unsigned free_attempts; /* attempts that held items: not counted in retry::max_retries */
  size_t logged;    /* rejects logged from the current answer */
  int64_t retry_after_ns;
  bool built;
  char msg[320];    /* the first problem of this attempt */
} es_attempt;

static void note(es_attempt *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(es_attempt *a, const char *fmt, ...) {
  if (a->msg[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
  va_end(ap);
}

static void finish(otlpd_send_req *sreq, otlpd_send_status st, int64_t retry_after_ns, size_t rejected,
                   const char *msg) {
  otlpd_send_result r = {st, retry_after_ns, rejected, msg && *msg ? msg : NULL};
  otlpd_sender_done(sreq, &r);
}

static void reject(es_attempt *a, size_t i) {
  a->rejected += a->items.v[i].counts;
  a->keep[i] = false;
}

/* Everything from item `from` on: to be sent again, or refused. */
static void rest(es_attempt *a, size_t from, bool retry) {
  for (size_t i = from; i < a->items.n; i++) {
    if (retry) a->keep[i] = true;
    else reject(a, i);
  }
}

static void attempt_end(es_attempt *a) {
  otlpd_send_req *sreq = a->sreq;
  const es_cfg *cfg = a->e->cfg;
  size_t kept = 0, kept_counted = 0;
  for (size_t i = 0; i < a->items.n; i++)
    if (a->keep[i]) {
      kept++;
      kept_counted += a->items.v[i].counts;
    }
  /* Waiting for setup is not a failure of the documents: such an
   * attempt does not use up max_retries, and the next one follows
   * setup's own backoff. */
  if (a->held) {
    a->free_attempts++;
    int64_t w = es_setup_wait_ns(a->e);
    a->retry_after_ns = w > 0 && w < cfg->retry.max_interval ? w : cfg->retry.max_interval;
  }
  int64_t counted = (int64_t)sreq->attempt - (int64_t)a->free_attempts;
  if (kept && (!cfg->retry.enabled || (!a->held && counted >= cfg->retry.max_retries))) {
    a->rejected += kept_counted;
    char m[sizeof(a->msg)];
    snprintf(m, sizeof(m), "%zu documents still failing after %u attempts: %.200s", kept, sreq->attempt + 1,
             a->msg);
    snprintf(a->msg, sizeof(a->msg), "%s", m);
    kept = 0;
  }
  if (!kept) {
    if (a->rejected) finish(sreq, OTLPD_SEND_PARTIAL, 0, a->rejected, a->msg);
    else finish(sreq, OTLPD_SEND_OK, 0, 0, NULL);
    return;
  }
  es_bulk_compact(&sreq->body, &a->items, a->keep);
  finish(sreq, OTLPD_SEND_RETRYABLE, a->retry_after_ns, 0, a->msg);
}

static void send_chunk(es_attempt *a);

/* The next chunk: consecutive items up to chunk_cap bytes (at least one). */
static void next_chunk(es_attempt *a, size_t from) {
  if (from >= a->items.n) {
    attempt_end(a);
    return;
  }
  size_t bytes = 0, n = 0;
  while (from + n < a->items.n && (n == 0 || bytes + a->items.v[from + n].len <= a->chunk_cap))
    bytes += a->items.v[from + n++].len;
  a->first = from;
  a->n = n;
  a->url_tries = a->e->n_urls;
  a->url = a->e->next_url++ % a->e->n_urls;
  send_chunk(a);
}

static void send_chunk(es_attempt *a) {
  es_exporter *e = a->e;
  const es_item *f = &a->items.v[a->first], *l = &a->items.v[a->first + a->n - 1];
  otlpd_http_req_set_body(&a->http, a->sreq->body.data + f->off, l->off + l->len - f->off);
  a->http.url = e->bulk_url[a->url];
  a->http.timeout_ms = a->sreq->timeout_ns / OTLPD_NS_PER_MS;
  otlpd_buf_clear(&a->resp);
  int rc = otlpd_http_send(e->client, &a->http);
  if (rc < 0) {
    note(a, "%s", rc == -EINVAL ? "bad URL" : "HTTP client unavailable");
    rest(a, a->first, rc != -EINVAL);
    attempt_end(a);
  }
}

static int on_body(otlpd_http_req *h, const char *p, size_t n) {
  es_attempt *a = h->data;
  if (a->resp.len + n > ES_MAX_ANSWER) return -E2BIG;
  return otlpd_buf_append(&a->resp, p, n);
}

static void log_reject(es_attempt *a, size_t i, const es_bulk_item_result *r) {
  if (a->logged++ >= ES_LOG_REJECTS) return;
  int tl = r->type ? (int)(r->type_len > 80 ? 80 : r->type_len) : 0;
  int rl = r->reason ? (int)(r->reason_len > 200 ? 200 : r->reason_len) : 0;
  otlpd_warn(&a->e->host->log, "elasticsearch: document %zu rejected with status %d (%.*s: %.*s); dropped",
             i, r->status, tl, r->type ? r->type : "", rl, r->reason ? r->reason : "");
  note(a, "status %d: %.*s: %.*s", r->status, tl, r->type ? r->type : "", rl, r->reason ? r->reason : "");
}

/* A 404 of a require_alias action: the alias does not exist (yet). */
static bool alias_missing(const es_attempt *a, size_t i, const es_bulk_item_result *r) {
  return r->status == 404 && a->items.v[i].require_alias;
}

static void on_item(void *arg, size_t k, const es_bulk_item_result *r) {
  es_attempt *a = arg;
  if (k >= a->n) return; /* more answers than documents: ignore the extra */
  size_t i = a->first + k;
  if (r->status >= 200 && r->status < 300) {
    a->keep[i] = false;
  } else if (alias_missing(a, i, r)) {
    /* held while setup bootstraps the alias; afterwards (an alias deleted
     * under us, or an answer that crossed setup's completion) an ordinary
     * retry within max_retries */
    a->keep[i] = true;
    if (!es_setup_done(a->e)) a->held++;
    note(a, "document status 404 (%.*s): waiting for setup to create the write alias",
         r->type ? (int)(r->type_len > 80 ? 80 : r->type_len) : 0, r->type ? r->type : "");
  } else if (r->status == 0 || es_retry_set_has(&a->e->retry_on, r->status)) {
    a->keep[i] = true; /* retried later; 0: the answer did not say */
    note(a, "document status %d%s%.*s", r->status, r->type ? ": " : "",
         r->type ? (int)(r->type_len > 80 ? 80 : r->type_len) : 0, r->type ? r->type : "");
  } else {
    log_reject(a, i, r);
    reject(a, i);
  }
}

static void read_items(es_attempt *a) {
  es_bulk_summary sum;
  for (size_t i = a->first; i < a->first + a->n; i++) a->keep[i] = true; /* until answered */
  a->logged = 0;
  int rc = es_bulk_scan((const char *)a->resp.data, a->resp.len, on_item, a, &sum);
  if (rc < 0 || sum.items < a->n)
    note(a, "unreadable bulk answer (%zu of %zu items read): retrying the rest", sum.items, a->n);
  if (a->logged > ES_LOG_REJECTS)
    otlpd_warn(&a->e->host->log, "elasticsearch: %zu more documents of this request rejected",
               a->logged - ES_LOG_REJECTS);
}

/* Connection-level failures worth another node. */
static bool failover(int err) {
  return err == OTLPD_HTTP_E_REFUSED || err == OTLPD_HTTP_E_RESOLVE || err == OTLPD_HTTP_E_TLS ||
         err == OTLPD_HTTP_E_RESET;
}

static bool request_retryable(const es_exporter *e, long status) {
  return status == 500 || status == 502 || status == 503 || status == 504 ||
         es_retry_set_has(&e->retry_on, (int)status);
}

static void answer_text(const es_attempt *a, char *out, size_t cap) {
  size_t n = a->resp.len < cap - 1 ? a->resp.len : cap - 1;
  for (size_t i = 0; i < n; i++) {
    char ch = (char)a->resp.data[i];
    out[i] = (ch < 0x20 && ch >= 0) || ch == 0x7f ? ' ' : ch;
  }
  out[n] = 0;
}

static void on_answer(otlpd_http_req *h, const otlpd_http_result *res) {
  es_attempt *a = h->data;
  es_exporter *e = a->e;
  if (res->error) {
    const char *why = res->error_text && *res->error_text ? res->error_text : strerror(-res->error);
    if (failover(res->error) && --a->url_tries > 0) {
      otlpd_debug(&e->host->log, "elasticsearch: %s: %s; trying the next endpoint", e->bulk_url[a->url], why);
      a->url = (a->url + 1) % e->n_urls;
      send_chunk(a);
      return;
    }
    note(a, "%s: %s", e->bulk_url[a->url], why);
    rest(a, a->first, res->error != OTLPD_HTTP_E_REQUEST);
    attempt_end(a);
    return;
  }
  char text[200];
  long st = res->status;
  if (st >= 200 && st < 300) {
    read_items(a);
    next_chunk(a, a->first + a->n);
    return;
  }
  if (st == 413) {
    const es_item *f = &a->items.v[a->first], *l = &a->items.v[a->first + a->n - 1];
    size_t bytes = l->off + l->len - f->off;
    if (a->n > 1) { /* the halves, at once */
      a->chunk_cap = bytes / 2 ? bytes / 2 : 1;
      next_chunk(a, a->first);
      return;
    }
    otlpd_warn(&e->host->log, "elasticsearch: a %zu-byte document is too large for the server (413); dropped",
               bytes);
    note(a, "HTTP 413: document too large");
    reject(a, a->first);
    next_chunk(a, a->first + 1);
    return;
  }
  answer_text(a, text, sizeof(text));
  note(a, "HTTP %ld from %s: %s", st, e->bulk_url[a->url], text);
  if (request_retryable(e, st)) {
    if (res->retry_after_ms > 0) a->retry_after_ns = res->retry_after_ms * OTLPD_NS_PER_MS;
    rest(a, a->first, true);
  } else {
    otlpd_error(&e->host->log, "elasticsearch: HTTP %ld from %s (%s): %zu documents dropped", st,
                e->bulk_url[a->url], text, a->items.n - a->first);
    rest(a, a->first, false); /* 400, 401, 403, 404...: waiting will not help */
  }
  attempt_end(a);
}

static es_attempt *attempt_new(es_exporter *e, otlpd_send_req *sreq) {
  es_attempt *a = calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->sreq = sreq;
  a->e = e;
  otlpd_http_req *h = &a->http;
  h->method = OTLPD_HTTP_POST;
  h->headers = &e->cfg->http.headers;
  h->extra_headers = e->headers;
  h->compression = e->compression;
  h->compression_level = (int)e->cfg->compression_params.level;
  h->tls = &e->cfg->http.tls;
  h->mem = e->host->mem;
  h->on_body = on_body;
  h->done = on_answer;
  h->data = a;
  return a;
}

static int build(es_attempt *a) {
  es_exporter *e = a->e;
  es_bulk_opts o = {.mode = e->cfg->mapping.mode};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    o.index[s] = e->cfg->index[s];
    o.require_alias[s] = es_setup_manages(e->cfg, s);
  }
  /* Sized from the last body up front: growing a body of megabytes by
   * doubling copies it again and faults in fresh pages at every step. */
  size_t items = a->sreq->batch->items;
  if (e->bytes_per_item && items && items < SIZE_MAX / 2 / e->bytes_per_item &&
      otlpd_buf_reserve(&a->sreq->body, items * e->bytes_per_item + items * e->bytes_per_item / 8) < 0)
    return -ENOMEM;
  int rc = es_bulk_build(&o, a->sreq->batch, &a->sreq->body, &a->items);
  if (rc < 0) return rc;
  if (items) e->bytes_per_item = a->sreq->body.len / items + 1;
  if (a->items.dropped) {
    a->rejected += a->items.dropped;
    note(a, "%zu log records without a map body (mapping::mode bodymap)", a->items.dropped);
    otlpd_warn(&e->host->log, "elasticsearch: %zu log records dropped: mapping::mode bodymap needs a map body",
               a->items.dropped);
  }
  if (a->keep_cap < a->items.n) {
    bool *k = realloc(a->keep, a->items.n * sizeof(*k));
    if (!k) return -ENOMEM;
    a->keep = k;
    a->keep_cap = a->items.n;
  }
  otlpd_sender_charge(a->sreq, a->sreq->body.len + a->items.n * (sizeof(es_item) + sizeof(bool)));
  a->built = true;
  return 0;
}

static void send_attempt(void *exporter, otlpd_send_req *sreq) {
  es_exporter *e = exporter;
  es_attempt *a = sreq->user;
  if (!a) {
    if (!(a = attempt_new(e, sreq))) {
      finish(sreq, OTLPD_SEND_RETRYABLE, 0, 0, "out of memory");
      return;
    }
    sreq->user = a;
  }
  if (e->auth) otlpd_auth_client_refresh(e->auth, e->auth_header); /* a rotated token file */
  if (!a->built) {
    int rc = build(a);
    if (rc < 0) {
      otlpd_buf_clear(&sreq->body);
      a->items.n = 0;
      finish(sreq, rc == -ENOMEM ? OTLPD_SEND_RETRYABLE : OTLPD_SEND_PERMANENT, 0, 0,
             rc == -ENOMEM ? "out of memory encoding" : "this signal has no Elasticsearch mapping yet");
      return;
    }
  }
  if (a->items.n) memset(a->keep, 0, a->items.n * sizeof(*a->keep));
  a->msg[0] = 0;
  a->retry_after_ns = 0;
  a->held = 0;
  a->chunk_cap = (size_t)e->cfg->flush.bytes;
  next_chunk(a, 0);
}

static void release(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  es_attempt *a = sreq->user;
  if (!a) return;
  otlpd_http_req_release(&a->http);
  es_items_free(&a->items);
  free(a->keep);
  otlpd_buf_free(&a->resp);
  free(a);
  sreq->user = NULL;
}

static void cancel(void *exporter, otlpd_send_req *sreq) {
  (void)exporter;
  es_attempt *a = sreq->user;
  if (a) otlpd_http_cancel(&a->http);
}

const otlpd_sender_ops es_sender_ops = {
    .send = send_attempt,
    .release = release,
    .cancel = cancel,
};
