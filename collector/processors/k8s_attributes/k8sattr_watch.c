/* List + watch of one kind of the API's objects (pods; ReplicaSets,
 * Namespaces or Nodes for the side tables) through the daemon's HTTP
 * client, on the loop. One request at a time per kind: a list (a page of
 * the List, collected) or a
 * watch (a stream of one JSON event per line, applied as it arrives).
 *   list ok        -> watch from the list's resourceVersion
 *   watch ends     -> watch again from the last resourceVersion seen
 *                     (bookmarks keep it fresh)
 *   410 Gone / ERROR event / garbled stream -> list again
 *   transport or HTTP errors -> the same step after a backoff (0.5 s .. 30 s)
 * The service account token is read again for every request (kubelet
 * rotates it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"
#include "k8sattr_json.h"
#include "otlpd/http_client.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define LIST_BODY_LIMIT (256u << 20)
#define LINE_LIMIT (64u << 20)
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define WATCH_SECONDS 300
#define LIST_PAGE 500 /* pods per list page, as client-go's pager */

enum { PH_LIST, PH_WATCH };

struct k8sattr_watch {
  const otlpd_host *host;
  k8sattr_kind kind;
  const char *what; /* "pods", "replicasets", ... for the log */
  const k8sattr_rules *rules;
  k8sattr_table *table;
  otlpd_http_client *http;
  char *base;      /* scheme://host:port */
  char *path;      /* /api/v1/pods, /api/v1/namespaces/<ns>/pods, /apis/apps/v1/replicasets, ... */
  char *selectors; /* "&fieldSelector=..&labelSelector=.." (encoded) or "" */
  char *token_file; /* NULL: auth_type none */
  otlpd_tls_client_cfg tls;
  otlpd_http_req req;
  char *url;
  char *auth;
  const char *hdrs[3];
  char *rv;
  char *cont; /* the next list page's continue token; NULL: first page */
  otlpd_buf line;
  bool bad_stream, relist;
  size_t events;
  k8sattr_json json;
  uv_timer_t timer;
  int next;        /* what the timer starts */
  int backoff_ms;
  bool synced, stopping, started;
  void (*closed)(void *);
  void *closed_arg;
};

static void start_phase(k8sattr_watch *w, int phase);

static void timer_cb(uv_timer_t *t) {
  k8sattr_watch *w = t->data;
  start_phase(w, w->next);
}

static bool set(const char *s) { return s && *s; }

/* Append s percent-encoded (RFC 3986 unreserved kept). */
static int put_enc(otlpd_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~';
    char e[3] = {'%', hex[c >> 4], hex[c & 15]};
    if (plain ? otlpd_buf_append(b, s, 1) : otlpd_buf_append(b, e, 3)) return -ENOMEM;
  }
  return 0;
}

static int put_sel(otlpd_buf *b, bool *first, const char *key, const char *op, const char *value) {
  if (!*first && put_enc(b, ",")) return -ENOMEM;
  *first = false;
  if (!strcmp(op, "does-not-exist") && put_enc(b, "!")) return -ENOMEM;
  if (put_enc(b, key)) return -ENOMEM;
  if (!strcmp(op, "equals")) return put_enc(b, "=") || put_enc(b, value ? value : "") ? -ENOMEM : 0;
  if (!strcmp(op, "not-equals")) return put_enc(b, "!=") || put_enc(b, value ? value : "") ? -ENOMEM : 0;
  return 0; /* exists / does-not-exist: the key alone */
}

static int selectors(const k8sattr_cfg *c, const char *node, otlpd_buf *b) {
  bool first = true;
  const k8sattr_selector_cfg *f = c->filter.fields.v;
  if (c->filter.fields.n || node) {
    if (otlpd_buf_append(b, "&fieldSelector=", 15)) return -ENOMEM;
    if (node && put_sel(b, &first, "spec.nodeName", "equals", node)) return -ENOMEM;
    for (size_t i = 0; i < c->filter.fields.n; i++)
      if (put_sel(b, &first, f[i].key, set(f[i].op) ? f[i].op : "equals", f[i].value)) return -ENOMEM;
  }
  const k8sattr_selector_cfg *l = c->filter.labels.v;
  first = true;
  if (c->filter.labels.n && otlpd_buf_append(b, "&labelSelector=", 15)) return -ENOMEM;
  for (size_t i = 0; i < c->filter.labels.n; i++)
    if (put_sel(b, &first, l[i].key, set(l[i].op) ? l[i].op : "equals", l[i].value)) return -ENOMEM;
  return otlpd_buf_append(b, "", 1); /* NUL */
}

/* The side tables' selectors: only the watched namespace, only this node. */
static int obj_selectors(const k8sattr_cfg *c, k8sattr_kind kind, const char *node, otlpd_buf *b) {
  const char *name = kind == KR_NAMESPACE && set(c->filter.namespace_) ? c->filter.namespace_
                     : kind == KR_NODE                                  ? node
                                                                        : NULL;
  if (name && (otlpd_buf_append(b, "&fieldSelector=", 15) || put_enc(b, "metadata.name=") || put_enc(b, name)))
    return -ENOMEM;
  return otlpd_buf_append(b, "", 1); /* NUL */
}

/* Where kind's objects are listed. NULL: no memory. */
static char *kind_path(const k8sattr_cfg *c, k8sattr_kind kind) {
  const char *ns = set(c->filter.namespace_) && (kind == KR_POD || kind == KR_REPLICASET) ? c->filter.namespace_
                                                                                           : NULL;
  const char *group = kind == KR_REPLICASET ? "/apis/apps/v1" : "/api/v1";
  const char *res = kind == KR_POD ? "pods" : kind == KR_REPLICASET ? "replicasets"
                                          : kind == KR_NAMESPACE  ? "namespaces"
                                                                  : "nodes";
  otlpd_buf p = {0};
  int rc = otlpd_buf_printf(&p, "%s/", group);
  if (!rc && ns) rc = otlpd_buf_printf(&p, "namespaces/");
  if (!rc && ns) rc = put_enc(&p, ns);
  if (!rc && ns) rc = otlpd_buf_printf(&p, "/");
  if (!rc) rc = otlpd_buf_printf(&p, "%s", res);
  if (!rc) rc = otlpd_buf_append(&p, "", 1);
  if (rc) {
    otlpd_buf_free(&p);
    return NULL;
  }
  return (char *)p.data;
}

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s%s", a, b);
  return s;
}

/* The API server's URL: the test override, else the in-cluster service. */
static char *api_base(const otlpd_logger *log) {
  const char *o = getenv("OTLPD_K8S_API_URL"); /* tests only (README) */
  if (set(o)) return strdup(o);
  const char *h = getenv("KUBERNETES_SERVICE_HOST"), *p = getenv("KUBERNETES_SERVICE_PORT");
  if (!set(h) || !set(p)) {
    otlpd_error(log, "KUBERNETES_SERVICE_HOST/PORT are not set: not running in a Kubernetes pod");
    return NULL;
  }
  size_t n = strlen(h) + strlen(p) + 16;
  char *s = malloc(n);
  if (s) snprintf(s, n, strchr(h, ':') ? "https://[%s]:%s" : "https://%s:%s", h, p);
  return s;
}

k8sattr_watch *k8sattr_watch_new(const otlpd_host *h, const k8sattr_cfg *c, const k8sattr_rules *r,
                                 k8sattr_table *t, k8sattr_kind kind, int *err) {
  *err = -ENOMEM;
  const char *node = set(c->filter.node) ? c->filter.node : NULL;
  if (set(c->filter.node_from_env_var)) {
    node = getenv(c->filter.node_from_env_var);
    if (!set(node)) {
      otlpd_error(&h->log, "filter::node_from_env_var: the environment variable %s is empty or not set",
                  c->filter.node_from_env_var);
      *err = -EINVAL;
      return NULL;
    }
  }
  k8sattr_watch *w = calloc(1, sizeof(*w));
  if (!w) return NULL;
  w->host = h;
  w->kind = kind;
  w->what = kind == KR_POD ? "pods" : kind == KR_REPLICASET ? "replicasets" : kind == KR_NAMESPACE ? "namespaces" : "nodes";
  w->rules = r;
  w->table = t;
  otlpd_buf sel = {0};
  const char *sa = getenv("OTLPD_K8S_SA_DIR"); /* tests only */
  if (!set(sa)) sa = SA_DIR;
  bool token = !set(c->auth_type) || !strcmp(c->auth_type, "serviceAccount");
  char *ca = join(sa, "/ca.crt");
  w->path = kind_path(c, kind);
  int src = kind == KR_POD ? selectors(c, node, &sel) : obj_selectors(c, kind, node, &sel);
  if (!ca || !w->path || src || (token && !(w->token_file = join(sa, "/token")))) {
    free(ca);
    otlpd_buf_free(&sel);
    k8sattr_watch_free(w);
    return NULL;
  }
  w->selectors = (char *)sel.data;
  if (!(w->base = api_base(&h->log))) {
    free(ca);
    k8sattr_watch_free(w);
    *err = -ENOENT;
    return NULL;
  }
  w->tls.ca_file = ca;
  w->tls.min_version = "1.2";
  if (kind == KR_POD)
    otlpd_info(&h->log, "watching pods at %s%s%s%s", w->base, w->path, node ? " on node " : "", node ? node : "");
  else
    otlpd_info(&h->log, "watching %s at %s%s", w->what, w->base, w->path);
  *err = 0;
  return w;
}

static void read_token(k8sattr_watch *w) {
  free(w->auth);
  w->auth = NULL;
  w->hdrs[0] = "Accept: application/json";
  w->hdrs[1] = NULL;
  if (!w->token_file) return;
  FILE *f = fopen(w->token_file, "r");
  char tok[8192];
  size_t n = f ? fread(tok, 1, sizeof(tok) - 1, f) : 0;
  if (f) fclose(f);
  while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' ')) n--;
  tok[n] = '\0';
  if (!n) {
    otlpd_warn(&w->host->log, "no service account token in %s: asking without one", w->token_file);
    return;
  }
  size_t len = n + 32;
  if ((w->auth = malloc(len))) {
    snprintf(w->auth, len, "Authorization: Bearer %s", tok);
    w->hdrs[1] = w->auth;
    w->hdrs[2] = NULL;
  }
}

static void schedule(k8sattr_watch *w, int phase, bool backoff) {
  if (w->stopping) return;
  w->next = phase;
  int ms = 0;
  if (backoff) {
    w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (w->backoff_ms > BACKOFF_MAX_MS) w->backoff_ms = BACKOFF_MAX_MS;
    ms = w->backoff_ms;
  }
  uv_timer_start(&w->timer, timer_cb, (uint64_t)ms, 0);
}

/* Complete lines of the watch stream, each one event. */
static int on_watch_body(otlpd_http_req *req, const char *p, size_t n) {
  k8sattr_watch *w = req->data;
  if (w->bad_stream) return 0; /* judged in done, with the status */
  if (w->line.len + n > LINE_LIMIT || otlpd_buf_append(&w->line, p, n)) {
    w->bad_stream = true;
    return 0;
  }
  size_t start = 0;
  for (size_t i = w->line.len - n; i < w->line.len; i++) {
    if (w->line.data[i] != '\n') continue;
    const char *l = (const char *)w->line.data + start;
    size_t ll = i - start;
    start = i + 1;
    if (ll == 0) continue;
    int rc = k8sattr_apply_kind_event(w->table, w->rules, w->kind, &w->json, l, ll, &w->rv);
    if (rc == K8SATTR_EV_GONE || rc == -EPROTO) {
      otlpd_info(&w->host->log, "%s watch %s: listing again", w->what,
                 rc == K8SATTR_EV_GONE ? "expired (410)" : "error event");
      w->relist = true;
      return -ECANCELED;
    }
    if (rc) {
      w->bad_stream = true; /* a Status answer, or garbage: see done */
      return 0;
    }
    w->events++;
  }
  memmove(w->line.data, w->line.data + start, w->line.len - start);
  w->line.len -= start;
  return 0;
}

static void list_done(k8sattr_watch *w, const otlpd_http_result *res) {
  bool first = !w->cont;
  if (!res->error && res->status == 410 && !first) {
    /* the continue token expired (the snapshot was compacted): the pages
     * so far are not one consistent list, so start it over */
    otlpd_info(&w->host->log, "%s list continue token expired (410); listing again from the start", w->what);
    free(w->cont);
    w->cont = NULL;
    schedule(w, PH_LIST, false);
    return;
  }
  if (res->error || res->status != 200 || res->body_truncated) {
    otlpd_warn(&w->host->log, "listing %s failed: %s%s (HTTP %ld); retrying", w->what,
               res->error ? res->error_text : "", res->body_truncated ? "answer too large" : "", res->status);
    schedule(w, PH_LIST, true); /* the same page again */
    return;
  }
  char *next = NULL;
  int rc = k8sattr_apply_kind_list_page(w->table, w->rules, w->kind, &w->json, res->body, res->body_len, first,
                                        &w->rv, &next);
  free(w->cont);
  w->cont = next;
  if (rc) {
    otlpd_warn(&w->host->log, "%s list unreadable (%s); retrying", w->what,
               rc == -ENOMEM ? "out of memory" : "bad JSON");
    schedule(w, PH_LIST, true); /* from the start (cont is NULL) */
    return;
  }
  if (w->cont) {
    start_phase(w, PH_LIST);
    return;
  }
  if (!w->synced && w->kind == KR_POD) otlpd_info(&w->host->log, "pod table synced: %zu pods", w->table->npods);
  else if (!w->synced) otlpd_info(&w->host->log, "%s synced: %zu", w->what, w->table->objs[w->kind].map.n);
  w->synced = true; /* the backoff is reset by a watch that delivers */
  start_phase(w, PH_WATCH);
}

static void watch_done(k8sattr_watch *w, const otlpd_http_result *res) {
  bool bad = w->bad_stream;
  w->line.len = 0;
  w->bad_stream = false;
  if (w->relist || (!res->error && res->status == 410)) {
    w->relist = false;
    schedule(w, PH_LIST, w->events == 0); /* expired at once again: do not spin */
    return;
  }
  if (res->error || res->status != 200) {
    otlpd_warn(&w->host->log, "watching %s failed: %s (HTTP %ld); retrying", w->what,
               res->error ? res->error_text : "", res->status);
    schedule(w, res->status ? PH_LIST : PH_WATCH, true);
    return;
  }
  if (bad) {
    otlpd_warn(&w->host->log, "%s watch stream unreadable; listing again", w->what);
    schedule(w, PH_LIST, true);
    return;
  }
  if (w->events) w->backoff_ms = 0;
  schedule(w, PH_WATCH, w->events == 0 && w->backoff_ms); /* a server that ends watches at once: back off */
}

static void req_done(otlpd_http_req *req, const otlpd_http_result *res) {
  k8sattr_watch *w = req->data;
  if (w->stopping) return;
  if (w->req.on_body) watch_done(w, res);
  else list_done(w, res);
}

static void start_phase(k8sattr_watch *w, int phase) {
  if (w->stopping) return;
  otlpd_buf u = {0};
  int rc;
  if (phase == PH_LIST) {
    rc = otlpd_buf_printf(&u, "%s%s?limit=%d%s", w->base, w->path, LIST_PAGE, w->selectors);
    if (!rc && w->cont) rc = otlpd_buf_printf(&u, "&continue=");
    if (!rc && w->cont) rc = put_enc(&u, w->cont);
  } else {
    rc = otlpd_buf_printf(&u, "%s%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%d&resourceVersion=", w->base,
                          w->path, WATCH_SECONDS + (int)(w->timer.loop->time % 60));
    if (!rc) rc = put_enc(&u, w->rv ? w->rv : "");
    if (!rc) rc = otlpd_buf_printf(&u, "%s", w->selectors);
  }
  if (rc || otlpd_buf_append(&u, "", 1)) {
    otlpd_buf_free(&u);
    schedule(w, phase, true);
    return;
  }
  free(w->url);
  w->url = (char *)u.data;
  read_token(w);
  otlpd_http_req_release(&w->req);
  memset(&w->req, 0, sizeof(w->req));
  w->req.method = OTLPD_HTTP_GET;
  w->req.url = w->url;
  w->req.extra_headers = w->hdrs;
  w->req.tls = &w->tls;
  w->req.compression = OTLPD_HTTP_COMPRESS_NONE;
  w->req.done = req_done;
  w->req.data = w;
  if (phase == PH_LIST) {
    w->req.body_limit = LIST_BODY_LIMIT;
    w->req.timeout_ms = 60000;
  } else {
    w->req.on_body = on_watch_body;
    w->req.timeout_ms = (int64_t)(WATCH_SECONDS + 60 + 30) * 1000;
    w->events = 0;
  }
  rc = otlpd_http_send(w->http, &w->req);
  if (rc) {
    otlpd_warn(&w->host->log, "cannot send the %s %s request (%d)", w->what, phase == PH_LIST ? "list" : "watch", rc);
    schedule(w, phase, true);
  }
}

int k8sattr_watch_start(k8sattr_watch *w) {
  if (!(w->http = otlpd_http_shared(w->host))) return -ENOMEM;
  int rc = uv_timer_init(w->host->loop, &w->timer);
  if (rc) return rc;
  w->timer.data = w;
  w->started = true;
  start_phase(w, PH_LIST);
  return 0;
}

bool k8sattr_watch_synced(const k8sattr_watch *w) { return w && w->synced; }

static void on_timer_closed(uv_handle_t *h) {
  k8sattr_watch *w = h->data;
  w->started = false;
  if (w->closed) w->closed(w->closed_arg);
}

void k8sattr_watch_stop(k8sattr_watch *w, void (*closed)(void *), void *arg) {
  w->stopping = true;
  w->closed = closed;
  w->closed_arg = arg;
  otlpd_http_cancel(&w->req); /* done runs now and sees stopping */
  if (w->started && !uv_is_closing((uv_handle_t *)&w->timer)) uv_close((uv_handle_t *)&w->timer, on_timer_closed);
  else if (closed) closed(arg);
}

void k8sattr_watch_free(k8sattr_watch *w) {
  if (!w) return;
  otlpd_http_req_release(&w->req);
  free(w->base);
  free(w->path);
  free(w->selectors);
  free(w->token_file);
  free(w->tls.ca_file);
  free(w->url);
  free(w->auth);
  free(w->rv);
  free(w->cont);
  otlpd_buf_free(&w->line);
  k8sattr_json_free(&w->json);
  free(w);
}
