/* libcurl's multi interface on the libuv loop: libcurl tells us which
 * sockets to watch (socket callback -> uv_poll_t) and when to wake it
 * (timer callback -> one uv_timer_t); we report readiness back with
 * curl_multi_socket_action and then collect finished transfers. */
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static void handle_closed(uv_handle_t *h) {
  otlpd_http_client *c = h->data;
  if (h != (uv_handle_t *)&c->timer) free(h); /* a socket's poll */
  if (--c->pending_closes > 0 || !c->closing) return;
  void (*closed)(void *) = c->closed;
  void *arg = c->closed_arg;
  free(c);
  if (closed) closed(arg);
}

/* The loop must not stay alive for idle keep-alive connections. */
void otlpd_http_client_refs(otlpd_http_client *c) {
  bool busy = c->n_active > 0;
  for (otlpd_http_sock *s = c->socks; s; s = s->next) {
    if (busy) uv_ref((uv_handle_t *)&s->poll);
    else uv_unref((uv_handle_t *)&s->poll);
  }
  if (busy) uv_ref((uv_handle_t *)&c->timer);
  else uv_unref((uv_handle_t *)&c->timer);
}

void otlpd_http_client_check_done(otlpd_http_client *c) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    otlpd_http_xfer *x = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    /* m is invalid once the handle is removed, so keep the code first. */
    otlpd_http_xfer_finish(x, m->data.result);
  }
  otlpd_http_client_refs(c);
}

static void on_timer(uv_timer_t *t) {
  otlpd_http_client *c = t->data;
  int running;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  otlpd_http_client_check_done(c);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  otlpd_http_sock *s = p->data;
  otlpd_http_client *c = s->c;
  int flags = 0, running;
  /* On a poll error let libcurl read or write and find the real cause
   * (reset, refused), which also drives its resend on a dead reused
   * connection. */
  if (status < 0) flags = CURL_CSELECT_IN | CURL_CSELECT_OUT;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(c->multi, s->fd, flags, &running);
  otlpd_http_client_check_done(c);
}

static void sock_remove(otlpd_http_client *c, otlpd_http_sock *s) {
  if (s->prev) s->prev->next = s->next;
  else c->socks = s->next;
  if (s->next) s->next->prev = s->prev;
  if (c->multi) curl_multi_assign(c->multi, s->fd, NULL);
  /* Stop now: libcurl closes the fd right after, and the number may be
   * reused by the next connection before the close callback runs. */
  uv_poll_stop(&s->poll);
  s->poll.data = c;
  c->pending_closes++;
  uv_close((uv_handle_t *)&s->poll, handle_closed);
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp) {
  otlpd_http_client *c = userp;
  otlpd_http_sock *s = socketp;
  (void)e;
  if (what == CURL_POLL_REMOVE) {
    if (s) sock_remove(c, s);
    return 0;
  }
  if (!s) {
    s = calloc(1, sizeof(*s));
    if (!s) return -1;
    if (uv_poll_init_socket(c->loop, &s->poll, fd) < 0) {
      free(s);
      return -1;
    }
    s->fd = fd;
    s->c = c;
    s->poll.data = s;
    s->next = c->socks;
    if (c->socks) c->socks->prev = s;
    c->socks = s;
    curl_multi_assign(c->multi, fd, s);
  }
  int ev = 0;
  if (what & CURL_POLL_IN) ev |= UV_READABLE;
  if (what & CURL_POLL_OUT) ev |= UV_WRITABLE;
  uv_poll_start(&s->poll, ev, on_poll);
  if (c->n_active == 0) uv_unref((uv_handle_t *)&s->poll);
  return 0;
}

static int on_timer_change(CURLM *m, long timeout_ms, void *userp) {
  otlpd_http_client *c = userp;
  (void)m;
  if (timeout_ms < 0) uv_timer_stop(&c->timer);
  else if (!c->closing) uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

otlpd_http_client *otlpd_http_client_new(uv_loop_t *loop, const otlpd_logger *log) {
  otlpd_http_client *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->loop = loop;
  if (log) c->log = *log;
  c->multi = curl_multi_init();
  if (!c->multi || uv_timer_init(loop, &c->timer) < 0) {
    if (c->multi) curl_multi_cleanup(c->multi);
    free(c);
    return NULL;
  }
  c->timer.data = c;
  uv_unref((uv_handle_t *)&c->timer);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  return c;
}

size_t otlpd_http_client_active(const otlpd_http_client *c) { return c->n_active; }

int otlpd_http_send(otlpd_http_client *c, otlpd_http_req *req) {
  if (c->closing) return -ESHUTDOWN;
  if (req->xfer_) return -EBUSY;
  if (!req->url || !*req->url) return -EINVAL;
  int rc = otlpd_http_compress(req);
  if (rc < 0) return rc;
  otlpd_http_xfer *x = otlpd_http_xfer_take(c);
  if (!x) return -ENOMEM;
  rc = otlpd_http_xfer_setup(x, req);
  if (rc == 0 && curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) rc = -ENOMEM;
  if (rc < 0) {
    x->req = NULL;
    otlpd_http_xfer_put(c, x);
    return rc;
  }
  x->req = req;
  req->xfer_ = x;
  x->prev = NULL;
  x->next = c->active;
  if (c->active) c->active->prev = x;
  c->active = x;
  c->n_active++;
  otlpd_http_client_refs(c);
  return 0;
}

void otlpd_http_cancel(otlpd_http_req *req) {
  otlpd_http_xfer *x = req->xfer_;
  if (!x) return;
  otlpd_http_xfer_fail(x, OTLPD_HTTP_E_CANCELLED, "cancelled");
  otlpd_http_client_refs(x->c);
}

void otlpd_http_client_close(otlpd_http_client *c, void (*closed)(void *), void *arg) {
  if (c->closing) return;
  c->closing = true;
  c->closed = closed;
  c->closed_arg = arg;
  while (c->active) otlpd_http_xfer_fail(c->active, OTLPD_HTTP_E_CANCELLED, "client closed");
  while (c->idle) {
    otlpd_http_xfer *x = c->idle;
    c->idle = x->next;
    otlpd_http_xfer_free(x);
  }
  c->n_idle = 0;
  uv_timer_stop(&c->timer);
  /* Closes cached connections; libcurl reports their sockets removed. */
  curl_multi_cleanup(c->multi);
  c->multi = NULL;
  while (c->socks) sock_remove(c, c->socks);
  c->pending_closes++;
  uv_close((uv_handle_t *)&c->timer, handle_closed);
}
