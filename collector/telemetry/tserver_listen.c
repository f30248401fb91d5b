/* Address resolution and the listening socket of the telemetry server. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/config.h"
#include "otlpd/net.h"
#include "tserver.h"

#define LISTEN_BACKLOG 64



static void on_listener_closed(uv_handle_t *h) {
  otlpd_tserver *s = h->data;
  s->pending_closes--;
}

static int listen_on(otlpd_tserver *s, const struct sockaddr_storage *ss, uv_connection_cb on_conn) {
  int rc = uv_tcp_init_ex(s->loop, &s->listener, ss->ss_family);
  if (rc < 0) return rc;
  s->listener.data = s;
  rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_conn);
  if (rc < 0) {
    s->pending_closes++;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    return rc;
  }
  s->listener_open = true;
  /* serving must not keep the loop alive: the pipelines decide when it ends */
  uv_unref((uv_handle_t *)&s->listener);
  return 0;
}

int otlpd_tserver_listen(otlpd_tserver *s, const char *endpoint, uv_connection_cb on_conn) {
  char host[256];
  int port = 0;
  if (strncmp(endpoint, "unix:", 5) == 0 || otlpd_parse_endpoint(endpoint, host, sizeof(host), &port) != 0) {
    otlpd_error(s->log, "%s endpoint \"%s\": expected host:port, :port or [v6addr]:port", s->what, endpoint);
    return -EINVAL;
  }
  struct sockaddr_storage ss;
  int rc = otlpd_listen_addr(s->loop, host, port, &ss);
  if (rc < 0) {
    otlpd_error(s->log, "cannot resolve %s endpoint \"%s\": %s", s->what, endpoint, uv_strerror(rc));
    return rc;
  }
  rc = listen_on(s, &ss, on_conn);
  if (rc == UV_EAFNOSUPPORT && host[0] == '\0') { /* no IPv6 here: every IPv4 interface */
    uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&ss);
    rc = listen_on(s, &ss, on_conn);
  }
  otlpd_sockaddr_str(&ss, s->addr, sizeof(s->addr));
  if (rc < 0) {
    otlpd_error(s->log, "%s: cannot listen on %s (endpoint \"%s\"): %s", s->what, s->addr, endpoint,
                rc == UV_EADDRINUSE ? "address in use" : uv_strerror(rc));
    return rc;
  }
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) == 0) otlpd_sockaddr_str(&ss, s->addr, sizeof(s->addr));
  return 0;
}
