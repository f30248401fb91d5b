/* Address resolution and the listening socket of the telemetry server. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/config.h"
#include "tserver.h"

#define LISTEN_BACKLOG 64

static int resolve(uv_loop_t *loop, const char *host, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  if (host[0] == '\0') return uv_ip6_addr("::", port, v6);
  if (strcmp(host, "localhost") == 0) return uv_ip4_addr("127.0.0.1", port, v4);
  if (uv_ip4_addr(host, port, v4) == 0 || uv_ip6_addr(host, port, v6) == 0) return 0;
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  uv_getaddrinfo_t gai; /* synchronous: once at startup */
  int rc = uv_getaddrinfo(loop, &gai, NULL, host, NULL, &hints);
  if (rc < 0) return rc;
  rc = UV_EAI_NONAME;
  for (struct addrinfo *ai = gai.addrinfo; ai && rc != 0; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET) v4->sin_port = htons((uint16_t)port);
    else v6->sin6_port = htons((uint16_t)port);
    rc = 0;
  }
  uv_freeaddrinfo(gai.addrinfo);
  return rc;
}

static void describe(const struct sockaddr_storage *ss, char *out, size_t n) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    uv_ip4_name(a, ip, sizeof(ip));
    snprintf(out, n, "%s:%u", ip, ntohs(a->sin_port));
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    uv_ip6_name(a, ip, sizeof(ip));
    snprintf(out, n, "[%s]:%u", ip, ntohs(a->sin6_port));
  }
}

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
  int rc = resolve(s->loop, host, port, &ss);
  if (rc < 0) {
    otlpd_error(s->log, "cannot resolve %s endpoint \"%s\": %s", s->what, endpoint, uv_strerror(rc));
    return rc;
  }
  rc = listen_on(s, &ss, on_conn);
  if (rc == UV_EAFNOSUPPORT && host[0] == '\0') { /* no IPv6 here: every IPv4 interface */
    uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&ss);
    rc = listen_on(s, &ss, on_conn);
  }
  describe(&ss, s->addr, sizeof(s->addr));
  if (rc < 0) {
    otlpd_error(s->log, "%s: cannot listen on %s (endpoint \"%s\"): %s", s->what, s->addr, endpoint,
                rc == UV_EADDRINUSE ? "address in use" : uv_strerror(rc));
    return rc;
  }
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) == 0) describe(&ss, s->addr, sizeof(s->addr));
  return 0;
}
