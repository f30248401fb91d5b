/* OTLP/HTTP server lifecycle: h2o 2.2.5 on the daemon's libuv loop.
 *
 * Shutdown is asynchronous: the listener closes, HTTP/2 connections get a
 * GOAWAY from h2o, idle HTTP/1 keep-alive connections are closed by us (h2o
 * 2.2.5 would keep them until its 10 s request timeout), busy ones close
 * after their response, and once the last connection is gone the h2o
 * context is disposed so no handle of ours keeps the loop alive. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h" /* h2o.h first: h2o/http1.h needs its types */
#include <h2o/http1.h>
#include "otlpd/config.h"
#include "otlpd/net.h"

#define LISTEN_BACKLOG 511
#define DRAIN_SCAN_MS 50
#define MAX_IDLE_SCAN 256
#define ACCEPT_RETRY_MS 10

typedef struct otlp_http_conn {
  otlp_http_stream s; /* first: h2o hands the handle back in its close callback */
  otlp_http *h;
} otlp_http_conn;

static int stream_init(otlp_http *h, otlp_http_stream *s) {
  return h->is_unix ? uv_pipe_init(h->loop, &s->pipe, 0) : uv_tcp_init(h->loop, &s->tcp);
}

static void maybe_finish(otlp_http *h);



/* ---- TLS ---- */

static int http_alpn(SSL_CTX *ctx) {
  h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
  return 0;
}

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *handle) {
  otlp_http_conn *c = (otlp_http_conn *)handle;
  otlp_http *h = c->h;
  free(c);
  h->conns--;
  maybe_finish(h);
}

static void free_handle(uv_handle_t *handle) { free(handle); }

static void on_spare_closed(uv_handle_t *handle) {
  otlp_http *h = handle->data;
  h->spare_busy = false;
  h->pending_closes--;
}

static void on_connection(uv_stream_t *listener, int status);

static void on_accept_retry(uv_timer_t *t) {
  otlp_http *h = t->data;
  if (h->listener_open) on_connection((uv_stream_t *)&h->listener, 0);
}

/* No memory for the connection: accept it into the spare handle and close
 * it, so the listener keeps being polled. */
static void reject_pending(otlp_http *h, uv_stream_t *listener, const char *why) {
  if (h->spare_busy) { /* the last one is still closing */
    if (h->accept_retry_open) uv_timer_start(&h->accept_retry, on_accept_retry, ACCEPT_RETRY_MS, 0);
    return;
  }
  if (stream_init(h, &h->spare) != 0) return;
  h->spare.tcp.data = h; /* data: same offset in every uv handle */
  h->spare_busy = true;
  h->pending_closes++;
  int rc = uv_accept(listener, (uv_stream_t *)&h->spare);
  uv_close((uv_handle_t *)&h->spare, on_spare_closed);
  if (rc == 0) otlpd_error(h->log, "OTLP/HTTP: closed a new connection on %s: %s", h->addr, why);
}

/* max_connections reached: the new connection is accepted and closed at
 * once (libuv stops polling a listener whose callback did not accept);
 * counted, logged at most once a second. */
static void refuse_over_cap(otlp_http *h, uv_stream_t *listener) {
  h->cap_refused++;
  otlpd_count(&h->r->host->counters->conn_refused, 1);
  uint64_t now = uv_now(h->loop);
  if (h->cap_logged_ms == 0 || now - h->cap_logged_ms >= 1000) {
    h->cap_logged_ms = now;
    otlpd_warn(h->log, "OTLP/HTTP on %s: max_connections (%lld) reached; closing new connections (%llu so far)",
               h->addr, (long long)h->cfg->max_connections, (unsigned long long)h->cap_refused);
  }
  otlp_http_stream *s = malloc(sizeof(*s));
  if (!s || stream_init(h, s) != 0) {
    free(s);
    reject_pending(h, listener, "max_connections reached");
    return;
  }
  uv_accept(listener, (uv_stream_t *)s);
  uv_close((uv_handle_t *)s, free_handle);
}

static bool at_cap(const otlp_http *h) {
  return h->cfg->max_connections > 0 && h->conns >= (size_t)h->cfg->max_connections;
}

static void on_connection(uv_stream_t *listener, int status) {
  otlp_http *h = listener->data;
  if (status < 0) {
    otlpd_warn(h->log, "accept on %s failed: %s", h->addr, uv_strerror(status));
    return;
  }
  if (at_cap(h)) {
    refuse_over_cap(h, listener);
    return;
  }
  otlp_http_conn *c = malloc(sizeof(*c));
  if (!c) {
    reject_pending(h, listener, "out of memory");
    return;
  }
  c->h = h;
  int rc = stream_init(h, &c->s);
  if (rc != 0) {
    free(c);
    reject_pending(h, listener, uv_strerror(rc));
    return;
  }
  if (uv_accept(listener, (uv_stream_t *)&c->s) != 0) {
    uv_close((uv_handle_t *)&c->s, free_handle);
    return;
  }
  if (!h->is_unix) uv_tcp_nodelay(&c->s.tcp, 1);
  h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->s, on_conn_closed);
  if (!sock) {
    otlpd_error(h->log, "OTLP/HTTP: closed a new connection on %s: out of memory", h->addr);
    uv_close((uv_handle_t *)&c->s, free_handle);
    return;
  }
  h->conns++;
  if (h->tls) h->accept.ssl_ctx = otlp_tls_reload_ctx(h->tls); /* the newest, after a reload */
  h2o_accept(&h->accept, sock);
}

/* ---- start ---- */

static int setup_h2o(otlp_http *h) {
  h2o_config_init(&h->gconf);
  h->gconf_ready = true;
  h->gconf.server_name = h2o_iovec_init(H2O_STRLIT("otlpd"));
  h->gconf.max_request_entity_size = h->max_body;
  otlp_http_timeouts_apply(h);
  h2o_hostconf_t *host = h2o_config_register_host(&h->gconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  if (!host) return -ENOMEM;
  h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
  if (!path) return -ENOMEM;
  otlp_http_handler_register(h, path);
  h->accept.hosts = h->gconf.hosts;
  return 0;
}

static void on_handle_closed(uv_handle_t *handle) {
  otlp_http *h = handle->data;
  h->pending_closes--;
}

static void close_own(otlp_http *h, uv_handle_t *handle, bool *open) {
  if (!*open) return;
  *open = false;
  handle->data = h;
  h->pending_closes++;
  uv_close(handle, on_handle_closed);
}

/* The listener the daemon kept open across a reload for this address, if
 * any: adopted as it is, so clients never saw it closed. */
static int adopt(otlp_http *h, int fd, bool pipe) {
  int rc = pipe ? uv_pipe_init(h->loop, &h->listener.pipe, 0) : uv_tcp_init(h->loop, &h->listener.tcp);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  h->listener_open = true;
  h->listener.tcp.data = h;
  rc = pipe ? uv_pipe_open(&h->listener.pipe, fd) : uv_tcp_open(&h->listener.tcp, fd);
  if (rc < 0) close(fd);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&h->listener, LISTEN_BACKLOG, on_connection);
  if (rc < 0) close_own(h, (uv_handle_t *)&h->listener, &h->listener_open);
  else otlpd_info(h->log, "http: kept the listener across the reload");
  return rc;
}

static int listen_on(otlp_http *h, const struct sockaddr_storage *ss) {
  otlpd_listen_fds *kept = h->r->host->listen_fds;
  int fd = otlpd_listen_take(kept, (const struct sockaddr *)ss);
  if (fd >= 0) return adopt(h, fd, false);
  otlpd_listen_release_port(kept, (const struct sockaddr *)ss); /* the endpoint moved */
  /* _ex creates the socket now, so a missing address family shows here
   * and leaves no handle to close */
  int rc = uv_tcp_init_ex(h->loop, &h->listener.tcp, ss->ss_family);
  if (rc < 0) return rc;
  h->listener_open = true;
  h->listener.tcp.data = h;
  rc = uv_tcp_bind(&h->listener.tcp, (const struct sockaddr *)ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&h->listener, LISTEN_BACKLOG, on_connection);
  if (rc < 0) close_own(h, (uv_handle_t *)&h->listener, &h->listener_open);
  return rc;
}

static const char *listen_error(int rc) {
  switch (rc) {
  case UV_EADDRINUSE: return "address in use";
  case UV_EACCES: return "permission denied";
  case UV_EADDRNOTAVAIL: return "address not available on this host";
  default: return uv_strerror(rc);
  }
}

/* unix:/path, as the gRPC receiver: a stale socket file is replaced. */
static int listen_unix(otlp_http *h, const char *path) {
  h->is_unix = true;
  snprintf(h->addr, sizeof(h->addr), "unix:%s", path);
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  if (strlen(path) < sizeof(sun.sun_path)) {
    strcpy(sun.sun_path, path);
    int fd = otlpd_listen_take(h->r->host->listen_fds, (const struct sockaddr *)&sun);
    if (fd >= 0) return adopt(h, fd, true);
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path);
  int rc = uv_pipe_init(h->loop, &h->listener.pipe, 0);
  if (rc < 0) return rc;
  h->listener_open = true;
  h->listener.pipe.data = h;
  rc = uv_pipe_bind(&h->listener.pipe, path);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&h->listener, LISTEN_BACKLOG, on_connection);
  if (rc < 0) {
    close_own(h, (uv_handle_t *)&h->listener, &h->listener_open);
    otlpd_error(h->log, "cannot listen on %s: %s", h->addr, listen_error(rc));
  }
  return rc;
}

static int bind_endpoint(otlp_http *h) {
  const char *ep = h->cfg->endpoint ? h->cfg->endpoint : "localhost:4318";
  char host[256];
  int port = 0;
  if (strncmp(ep, "unix:", 5) == 0) return listen_unix(h, ep + 5);
  if (otlpd_parse_endpoint(ep, host, sizeof(host), &port) != 0) {
    otlpd_error(h->log, "http endpoint \"%s\": expected host:port, :port, [v6addr]:port or unix:/path", ep);
    return -EINVAL;
  }
  struct sockaddr_storage ss;
  int rc = otlpd_listen_addr(h->loop, host, port, &ss);
  if (rc < 0) {
    otlpd_error(h->log, "cannot resolve http endpoint \"%s\": %s", ep, uv_strerror(rc));
    return rc;
  }
  rc = listen_on(h, &ss);
  if (rc == UV_EAFNOSUPPORT && host[0] == '\0') {
    /* no IPv6 on this host: all IPv4 interfaces then */
    uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&ss);
    rc = listen_on(h, &ss);
  }
  otlpd_sockaddr_str(&ss, h->addr, sizeof(h->addr));
  if (rc < 0) {
    otlpd_error(h->log, "cannot listen on %s (endpoint \"%s\"): %s", h->addr, ep, listen_error(rc));
    return rc;
  }
  /* port 0 picks a free port: report the real one */
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&h->listener.tcp, (struct sockaddr *)&ss, &len) == 0) otlpd_sockaddr_str(&ss, h->addr, sizeof(h->addr));
  return 0;
}

static void set_paths(otlp_http *h) {
  const char *p[OTLPD_SIGNAL_COUNT] = {h->cfg->traces_url_path, h->cfg->metrics_url_path, h->cfg->logs_url_path};
  const char *def[OTLPD_SIGNAL_COUNT] = {"/v1/traces", "/v1/metrics", "/v1/logs"};
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    const char *v = p[i] && *p[i] ? p[i] : def[i];
    h->paths[i] = h2o_iovec_init(v, strlen(v));
  }
}

int otlp_http_start(otlp_receiver *r) {
  otlp_http *h = calloc(1, sizeof(*h));
  if (!h) return -ENOMEM;
  r->http = h;
  h->r = r;
  h->cfg = &r->cfg->protocols.http;
  h->log = &r->host->log;
  h->loop = r->host->loop;
  h->inflater.mem = r->host->mem;
  h->max_body = h->cfg->max_request_body_size > 0 ? (size_t)h->cfg->max_request_body_size : 20u * 1024 * 1024;
  set_paths(h);
  if (h->cfg->cors.allowed_origins.n > 0 && !(h->cors_allow_headers = otlp_http_cors_allow_headers(&h->cfg->cors.allowed_headers)))
    return -ENOMEM;
  int rc = 0;
  if (h->cfg->has_tls && (rc = otlp_tls_reload_start(h->loop, &h->cfg->tls, h->cfg->tls.reload_interval, "http",
                                                      h->log, http_alpn, h->r->host->counters, &h->tls)) < 0)
    return rc;
  if ((rc = setup_h2o(h)) < 0) return rc;
  if ((rc = bind_endpoint(h)) < 0) return rc;
  uv_timer_init(h->loop, &h->accept_retry); /* cannot fail */
  h->accept_retry.data = h;
  h->accept_retry_open = true;
  h2o_context_init(&h->ctx, h->loop, &h->gconf);
  h->ctx_ready = true;
  h->accept.ctx = &h->ctx;
  otlpd_info(h->log, "OTLP/HTTP%s listening on %s", h->tls ? "S" : "", h->addr);
  return 0;
}

/* ---- shutdown ---- */

typedef struct idle_scan {
  h2o_socket_t *idle[MAX_IDLE_SCAN];
  size_t n;
} idle_scan;

static int collect_http1(h2o_req_t *req, void *arg) {
  idle_scan *s = arg;
  h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
  if (!sock) return 0;
  if (h2o_socket_is_reading(sock) && !h2o_socket_is_writing(sock) && sock->input->size == 0) {
    if (s->n < MAX_IDLE_SCAN) s->idle[s->n++] = sock;
  } else {
    req->http1_is_persistent = 0; /* busy: close after this response */
  }
  return 0;
}

/* h2o 2.2.5 has no way to close an idle HTTP/1 keep-alive connection; it
 * ends one when the peer closes. Telling the connection exactly that
 * runs h2o's own teardown (timers unlinked, request disposed). */
static void close_idle_http1(otlp_http *h) {
  idle_scan s;
  s.n = 0;
  H2O_HTTP1_CALLBACKS.foreach_request(&h->ctx, collect_http1, &s);
  for (size_t i = 0; i < s.n; i++) s.idle[i]->_cb.read(s.idle[i], h2o_socket_error_closed);
}

static void on_drain_tick(uv_timer_t *t) {
  otlp_http *h = t->data;
  if (h->ctx_ready) close_idle_http1(h);
}

/* h2o_context_dispose() asserts that no timer entry is pending. With no
 * connection left, the only one is the context's own 1 s "resend GOAWAY"
 * entry armed by h2o_context_request_shutdown(); anything else would be an
 * h2o-internal leftover, which is unlinked rather than crash the daemon. */
static void unlink_leftover_timers(otlp_http *h) {
  h2o_timeout_t *all[] = {&h->ctx.zero_timeout,         &h->ctx.one_sec_timeout,
                          &h->ctx.hundred_ms_timeout,   &h->ctx.handshake_timeout,
                          &h->ctx.http1.req_timeout,    &h->ctx.http2.idle_timeout,
                          &h->ctx.http2.graceful_shutdown_timeout, &h->ctx.proxy.io_timeout};
  if (h2o_timeout_is_linked(&h->ctx.http2._graceful_shutdown_timeout))
    h2o_timeout_unlink(&h->ctx.http2._graceful_shutdown_timeout);
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    while (!h2o_linklist_is_empty(&all[i]->_entries)) {
      h2o_timeout_entry_t *e = H2O_STRUCT_FROM_MEMBER(h2o_timeout_entry_t, _link, all[i]->_entries.next);
      otlpd_debug(h->log, "OTLP/HTTP: dropping a pending h2o timer at shutdown");
      h2o_timeout_unlink(e);
    }
  }
}

static void maybe_finish(otlp_http *h) {
  if (!h->draining || h->conns > 0) return;
  close_own(h, (uv_handle_t *)&h->drain_timer, &h->drain_timer_open);
  if (h->ctx_ready) {
    h->ctx_ready = false;
    unlink_leftover_timers(h);
    h2o_context_dispose(&h->ctx); /* closes h2o's timers and its async handle */
  }
}

void otlp_http_shutdown(otlp_receiver *r) {
  otlp_http *h = r->http;
  if (!h || h->draining) return;
  h->draining = true;
  otlpd_listen_fds *kept = r->host->listen_fds;
  uv_os_fd_t lfd;
  if (h->listener_open && kept && kept->reloading && uv_fileno((uv_handle_t *)&h->listener, &lfd) == 0)
    otlpd_listen_keep(kept, lfd); /* the next run serves this socket (and its socket file) */
  else if (h->listener_open && h->is_unix)
    unlink(h->addr + 5);
  close_own(h, (uv_handle_t *)&h->listener, &h->listener_open);
  close_own(h, (uv_handle_t *)&h->accept_retry, &h->accept_retry_open);
  if (h->ctx_ready) {
    h2o_context_request_shutdown(&h->ctx); /* GOAWAY on HTTP/2 */
    close_idle_http1(h);
    /* connections busy now go idle later: look again until none is left */
    if (h->conns > 0 && uv_timer_init(h->loop, &h->drain_timer) == 0) {
      h->drain_timer_open = true;
      h->drain_timer.data = h;
      uv_timer_start(&h->drain_timer, on_drain_tick, DRAIN_SCAN_MS, DRAIN_SCAN_MS);
    }
  }
  if (h->conns > 0) otlpd_info(h->log, "OTLP/HTTP: finishing %zu open connection(s)", h->conns);
  maybe_finish(h);
}

static bool handles_live(const otlp_http *h) {
  return h->listener_open || h->drain_timer_open || h->accept_retry_open || h->ctx_ready ||
         h->pending_closes > 0 || h->conns > 0 || h->auth_waiting > 0;
}

void otlp_http_destroy(otlp_receiver *r) {
  otlp_http *h = r->http;
  if (!h) return;
  if (handles_live(h)) {
    /* destroyed without a completed shutdown (e.g. a later start step
     * failed): finish ours on the loop so no callback outlives h */
    otlp_http_shutdown(r);
    for (int i = 0; i < 1000 && handles_live(h); i++) uv_run(h->loop, UV_RUN_NOWAIT);
    uv_run(h->loop, UV_RUN_NOWAIT); /* h2o's own timer closes */
    if (handles_live(h)) {
      otlpd_error(h->log, "OTLP/HTTP: connections still open at exit; leaking the server state");
      r->http = NULL;
      return;
    }
  }
  if (h->gconf_ready) h2o_config_dispose(&h->gconf);
  otlp_tls_reload_stop(h->tls);
  otlp_http_inflater_free(&h->inflater);
  otlpd_buf_free(&h->out);
  free(h->cors_allow_headers);
  free(h);
  r->http = NULL;
}
