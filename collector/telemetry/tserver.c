/* The telemetry server's h2o side: one handler for every path, accept,
 * graceful close. See tserver.h for why nothing here holds the loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tserver.h" /* h2o.h first: h2o/http1.h needs its types */
#include <h2o/http1.h>

#define DRAIN_SCAN_MS 50
#define DRAIN_MAX_TICKS 40 /* 2 s for a response still being written */
#define MAX_IDLE_SCAN 64

typedef struct tserver_handler {
  h2o_handler_t super;
  otlpd_tserver *s;
} tserver_handler;

typedef struct tserver_conn {
  uv_tcp_t tcp; /* first: h2o hands the handle back in its close callback */
  otlpd_tserver *s;
} tserver_conn;

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
  otlpd_tserver *s = ((tserver_handler *)self)->s;
  if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
      !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
    req->res.status = 405;
    req->res.reason = "Method Not Allowed";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD"));
    h2o_send_inline(req, H2O_STRLIT("only GET and HEAD\n"));
    return 0;
  }
  otlpd_tserver_reply r = {0};
  s->fn(s->arg, req->path_normalized.base, req->path_normalized.len, &r);
  if (r.status == 0) r = (otlpd_tserver_reply){404, "Not Found", "text/plain", "not found\n", 10};
  req->res.status = r.status;
  req->res.reason = r.reason ? r.reason : "OK";
  if (r.ctype)
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, r.ctype, strlen(r.ctype));
  req->res.content_length = r.len;
  h2o_send_inline(req, r.body ? r.body : "", r.len);
  return 0;
}

static void maybe_finish(otlpd_tserver *s);

static void on_conn_closed(uv_handle_t *handle) {
  tserver_conn *c = (tserver_conn *)handle;
  otlpd_tserver *s = c->s;
  free(c);
  s->conns--;
  maybe_finish(s);
}

static void free_handle(uv_handle_t *handle) { free(handle); }

static void on_connection(uv_stream_t *listener, int status) {
  otlpd_tserver *s = listener->data;
  if (status < 0) return;
  tserver_conn *c = malloc(sizeof(*c));
  /* no memory: libuv retries the pending connection on the next turn */
  if (!c) return;
  c->s = s;
  if (uv_tcp_init(s->loop, &c->tcp) != 0) {
    free(c);
    return;
  }
  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, free_handle);
    return;
  }
  uv_unref((uv_handle_t *)&c->tcp); /* a scraper's keep-alive must not hold the daemon */
  h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
  if (!sock) {
    uv_close((uv_handle_t *)&c->tcp, free_handle);
    return;
  }
  s->conns++;
  h2o_accept(&s->accept, sock);
}

/* h2o_context_init makes timers inside the context and one async handle
 * (ctx.queue); all of them would keep the loop alive. */
static void unref_own(uv_handle_t *h, void *arg) {
  otlpd_tserver *s = arg;
  const char *p = (const char *)h, *lo = (const char *)&s->ctx;
  if ((p >= lo && p < lo + sizeof(s->ctx)) || h == (uv_handle_t *)s->ctx.queue) uv_unref(h);
}

static int setup_h2o(otlpd_tserver *s) {
  h2o_config_init(&s->gconf);
  s->gconf_ready = true;
  s->gconf.server_name = h2o_iovec_init(H2O_STRLIT("otlpd"));
  h2o_hostconf_t *host = h2o_config_register_host(&s->gconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  if (!host) return -ENOMEM;
  h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
  if (!path) return -ENOMEM;
  tserver_handler *hd = (tserver_handler *)h2o_create_handler(path, sizeof(*hd));
  hd->super.on_req = on_req;
  hd->s = s;
  s->accept.hosts = s->gconf.hosts;
  return 0;
}

int otlpd_tserver_start(otlpd_tserver **out, uv_loop_t *loop, const otlpd_logger *log, const char *what,
                        const char *endpoint, otlpd_tserver_fn fn, void *arg) {
  otlpd_tserver *s = calloc(1, sizeof(*s));
  if (!s) return -ENOMEM;
  *out = s;
  s->loop = loop;
  s->log = log;
  s->what = what;
  s->fn = fn;
  s->arg = arg;
  int rc = setup_h2o(s);
  if (rc == 0) rc = otlpd_tserver_listen(s, endpoint, on_connection);
  if (rc < 0) return rc;
  h2o_context_init(&s->ctx, loop, &s->gconf);
  s->ctx_ready = true;
  uv_walk(loop, unref_own, s);
  s->accept.ctx = &s->ctx;
  return 0;
}

/* ---- shutdown ---- */

typedef struct idle_scan {
  h2o_socket_t *idle[MAX_IDLE_SCAN];
  size_t n;
} idle_scan;

static int collect_http1(h2o_req_t *req, void *arg) {
  idle_scan *sc = arg;
  h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
  if (!sock) return 0;
  if (h2o_socket_is_reading(sock) && !h2o_socket_is_writing(sock) && sock->input->size == 0) {
    if (sc->n < MAX_IDLE_SCAN) sc->idle[sc->n++] = sock;
  } else {
    req->http1_is_persistent = 0;
  }
  return 0;
}

/* h2o 2.2.5 cannot close an idle keep-alive connection; telling it the
 * peer closed runs its own teardown. */
static void close_idle(otlpd_tserver *s) {
  idle_scan sc;
  sc.n = 0;
  H2O_HTTP1_CALLBACKS.foreach_request(&s->ctx, collect_http1, &sc);
  for (size_t i = 0; i < sc.n; i++) sc.idle[i]->_cb.read(sc.idle[i], h2o_socket_error_closed);
}

static void on_handle_closed(uv_handle_t *h) {
  otlpd_tserver *s = h->data;
  s->pending_closes--;
}

static void close_own(otlpd_tserver *s, uv_handle_t *h, bool *open) {
  if (!*open) return;
  *open = false;
  h->data = s;
  s->pending_closes++;
  uv_close(h, on_handle_closed);
}

static void on_drain_tick(uv_timer_t *t) {
  otlpd_tserver *s = t->data;
  if (s->ctx_ready) close_idle(s);
  if (++s->drain_ticks >= DRAIN_MAX_TICKS) close_own(s, (uv_handle_t *)t, &s->drain_timer_open);
}

/* h2o_context_dispose() asserts no timer entry is pending; with no
 * connection left the only one can be the GOAWAY resend entry. */
static void unlink_leftover_timers(otlpd_tserver *s) {
  h2o_timeout_t *all[] = {&s->ctx.zero_timeout,       &s->ctx.one_sec_timeout,     &s->ctx.hundred_ms_timeout,
                          &s->ctx.handshake_timeout,  &s->ctx.http1.req_timeout,   &s->ctx.http2.idle_timeout,
                          &s->ctx.http2.graceful_shutdown_timeout, &s->ctx.proxy.io_timeout};
  if (h2o_timeout_is_linked(&s->ctx.http2._graceful_shutdown_timeout))
    h2o_timeout_unlink(&s->ctx.http2._graceful_shutdown_timeout);
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    while (!h2o_linklist_is_empty(&all[i]->_entries))
      h2o_timeout_unlink(H2O_STRUCT_FROM_MEMBER(h2o_timeout_entry_t, _link, all[i]->_entries.next));
}

static void maybe_finish(otlpd_tserver *s) {
  if (!s->draining || s->conns > 0) return;
  close_own(s, (uv_handle_t *)&s->drain_timer, &s->drain_timer_open);
  if (s->ctx_ready) {
    s->ctx_ready = false;
    unlink_leftover_timers(s);
    h2o_context_dispose(&s->ctx);
  }
}

void otlpd_tserver_shutdown(otlpd_tserver *s) {
  if (!s || s->draining) return;
  s->draining = true;
  close_own(s, (uv_handle_t *)&s->listener, &s->listener_open);
  if (s->ctx_ready) {
    h2o_context_request_shutdown(&s->ctx);
    close_idle(s);
    /* this timer is referenced: the loop waits (bounded) for busy ones */
    if (s->conns > 0 && uv_timer_init(s->loop, &s->drain_timer) == 0) {
      s->drain_timer_open = true;
      s->drain_timer.data = s;
      uv_timer_start(&s->drain_timer, on_drain_tick, DRAIN_SCAN_MS, DRAIN_SCAN_MS);
    }
  }
  maybe_finish(s);
}

static bool live(const otlpd_tserver *s) {
  return s->listener_open || s->drain_timer_open || s->ctx_ready || s->pending_closes > 0 || s->conns > 0;
}

void otlpd_tserver_destroy(otlpd_tserver *s) {
  if (!s) return;
  otlpd_tserver_shutdown(s);
  for (int i = 0; i < 1000 && live(s); i++) uv_run(s->loop, UV_RUN_NOWAIT);
  if (live(s)) {
    otlpd_error(s->log, "%s: connections still open at exit; leaking the server state", s->what);
    return;
  }
  if (s->gconf_ready) h2o_config_dispose(&s->gconf);
  free(s);
}
