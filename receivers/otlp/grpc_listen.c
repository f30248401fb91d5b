/* The gRPC receiver's own listening socket (plaintext TCP and unix).
 *
 * gRPC core 1.51 ends its accept loop for good on any accept error but
 * EAGAIN/ECONNABORTED, so one burst that exhausts the fd limit (EMFILE)
 * leaves the port bound but deaf. Here the loop thread owns the listener:
 * it accepts, and hands each connected fd to gRPC core
 * (grpc_server_add_channel_from_fd), which then serves it like one it
 * accepted itself. On EMFILE/ENFILE a reserved fd is given up for a moment
 * to accept and close the pending connection (the client sees its
 * connection closed, and the backlog does not fill with dead ones);
 * any other error only pauses accepting briefly. Accepting never stops.
 *
 * gRPC core takes fds only as plaintext connections, so on a TLS endpoint
 * otlpd terminates TLS itself (grpc_tls_conn.c). */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <grpc/grpc_posix.h>

#include "grpc_server.h"
#include "otlpd/config.h"
#include "otlpd/net.h"

/* Accepts per readable event before the loop serves other work. */
#define ACCEPT_BATCH 64
/* Pause after an accept error we cannot act on (ENOBUFS, no reserve fd). */
#define ACCEPT_PAUSE_MS 100
#define LISTEN_BACKLOG 1024

static void reserve_take(otlp_grpc_listener *l) {
  if (l->reserve_fd < 0) l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void on_poll(uv_poll_t *p, int status, int events);

static void on_resume(uv_timer_t *t) {
  otlp_grpc_listener *l = t->data;
  if (l->fd < 0) return;
  reserve_take(l);
  uv_poll_start(&l->poll, UV_READABLE, on_poll);
}

static void pause_accepting(otlp_grpc_listener *l, int err) {
  uint64_t now = uv_now(l->poll.loop);
  if (now - l->last_warn_ms >= 10000 || l->last_warn_ms == 0) {
    otlpd_warn(l->g->log, "grpc: accept on %s: %s; retrying every %d ms", l->addr, strerror(err), ACCEPT_PAUSE_MS);
    l->last_warn_ms = now;
  }
  uv_poll_stop(&l->poll);
  uv_timer_start(&l->resume, on_resume, ACCEPT_PAUSE_MS, 0);
}

/* Out of fds: accept the pending connection on the reserve's slot and
 * close it at once. false when no reserve fd was available. */
static bool refuse_one(otlp_grpc_listener *l) {
  if (l->reserve_fd < 0) return false;
  close(l->reserve_fd);
  l->reserve_fd = -1;
  int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd >= 0) close(fd);
  reserve_take(l);
  l->refused++;
  return fd >= 0;
}

static void hand_off(otlp_grpc_listener *l, int fd) {
  otlp_grpc *g = l->g;
  if (atomic_load(&g->closing)) {
    close(fd);
    return;
  }
  if (l->tls) {
    int rc = otlp_grpc_tls_conn_start(l, fd);
    if (rc) otlpd_warn(g->log, "grpc: cannot serve a TLS connection on %s: %s", l->addr, strerror(-rc));
    return;
  }
  if (!l->is_unix) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  otlp_grpc_listen_note_peer(l, fd, fd);
  /* gRPC core takes the fd (it closes it with the connection). */
  grpc_server_add_channel_from_fd(g->server, fd, l->creds);
}

/* max_connections reached: the client sees its connection closed at once. */
static void refuse_over_cap(otlp_grpc_listener *l, int fd) {
  close(fd);
  l->cap.refused++;
  otlpd_count(&l->g->r->host->counters->conn_refused, 1);
  uint64_t now = uv_now(l->poll.loop);
  if (l->cap.logged_ms == 0 || now - l->cap.logged_ms >= 1000) {
    l->cap.logged_ms = now;
    otlpd_warn(l->g->log, "grpc on %s: max_connections (%zu) reached; closing new connections (%llu so far)", l->addr,
               l->cap.max, (unsigned long long)l->cap.refused);
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  otlp_grpc_listener *l = p->data;
  (void)events;
  if (status < 0) {
    pause_accepting(l, -status);
    return;
  }
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0 && !otlp_grpc_cap_admit(&l->cap, fd)) {
      refuse_over_cap(l, fd);
      continue;
    }
    if (fd >= 0) {
      hand_off(l, fd);
      continue;
    }
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) return;
    if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;
    if ((e == EMFILE || e == ENFILE) && refuse_one(l)) {
      uint64_t now = uv_now(p->loop);
      if (now - l->last_warn_ms >= 10000 || l->last_warn_ms == 0) {
        otlpd_warn(l->g->log, "grpc: out of file descriptors on %s: closing new connections (%llu so far)", l->addr,
                   (unsigned long long)l->refused);
        l->last_warn_ms = now;
      }
      continue;
    }
    pause_accepting(l, e);
    return;
  }
}

static int bind_unix(otlp_grpc_listener *l, const char *path) {
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sun.sun_path)) return -ENAMETOOLONG;
  strcpy(sun.sun_path, path);
  snprintf(l->addr, sizeof(l->addr), "unix:%s", path);
  l->is_unix = true;
  if ((l->fd = otlpd_listen_take(l->g->r->host->listen_fds, (const struct sockaddr *)&sun)) >= 0) {
    l->kept = true;
    return 0;
  }
  /* As gRPC core did: a stale socket file from an earlier run is replaced. */
  struct stat st;
  if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  l->fd = fd;
  l->is_unix = true;
  snprintf(l->addr, sizeof(l->addr), "unix:%s", path);
  return 0;
}

static int bind_tcp(otlp_grpc_listener *l, const struct sockaddr_storage *ss, bool v6only) {
  otlpd_listen_fds *kept = l->g->r->host->listen_fds;
  if ((l->fd = otlpd_listen_take(kept, (const struct sockaddr *)ss)) >= 0) {
    fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
    otlpd_sockaddr_str(ss, l->addr, sizeof(l->addr));
    l->kept = true;
    return 0;
  }
  otlpd_listen_release_port(kept, (const struct sockaddr *)ss); /* the endpoint moved */
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ss->ss_family == AF_INET6) {
    int v = v6only ? 1 : 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
  }
  socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  struct sockaddr_storage got;
  len = sizeof(got);
  if (getsockname(fd, (struct sockaddr *)&got, &len) == 0) otlpd_sockaddr_str(&got, l->addr, sizeof(l->addr));
  l->fd = fd;
  return 0;
}

static int bind_endpoint(otlp_grpc_listener *l, const otlp_grpc_cfg *c, uv_loop_t *loop) {
  const char *ep = c->endpoint ? c->endpoint : "localhost:4317";
  const char *tr = c->transport ? c->transport : "tcp";
  if (strncmp(ep, "unix:", 5) == 0) return bind_unix(l, ep + 5);
  if (strcmp(tr, "unix") == 0) return bind_unix(l, ep);
  char host[256];
  int port = 0;
  if (otlpd_parse_endpoint(ep, host, sizeof(host), &port) != 0) return -EINVAL;
  struct sockaddr_storage ss;
  if (host[0] == '\0' && strcmp(tr, "tcp4") == 0) {
    uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&ss);
  } else {
    int rc = otlpd_listen_addr(loop, host, port, &ss);
    if (rc < 0) return rc;
  }
  int rc = bind_tcp(l, &ss, strcmp(tr, "tcp6") == 0);
  if (rc == -EAFNOSUPPORT && host[0] == '\0') {
    uv_ip4_addr("0.0.0.0", port, (struct sockaddr_in *)&ss);
    rc = bind_tcp(l, &ss, false);
  }
  return rc;
}

static void on_closed(uv_handle_t *h) { otlp_grpc_handle_closed(h->data); }

int otlp_grpc_listen_start(otlp_grpc *g, const otlp_grpc_cfg *c, uv_loop_t *loop) {
  otlp_grpc_listener *l = &g->listener;
  l->g = g;
  l->fd = l->reserve_fd = -1;
  int rc = c->has_tls ? otlp_tls_reload_start(loop, &c->tls, c->tls.reload_interval, "grpc", g->log,
                                              otlp_grpc_tls_alpn, g->r->host->counters, &l->tls)
                      : 0;
  if (rc) return rc;
  rc = bind_endpoint(l, c, loop);
  if (rc) {
    otlpd_error(g->log, "grpc: cannot listen on endpoint \"%s\": %s", c->endpoint ? c->endpoint : "localhost:4317",
                rc == -EINVAL ? "expected host:port, :port, [v6addr]:port or unix:/path" : strerror(-rc));
    return rc;
  }
  if (listen(l->fd, LISTEN_BACKLOG) != 0 || (l->creds = grpc_insecure_server_credentials_create()) == NULL) {
    rc = l->creds ? -errno : -ENOMEM;
    close(l->fd);
    l->fd = -1;
    otlpd_error(g->log, "grpc: cannot listen on %s: %s", l->addr, strerror(-rc));
    return rc;
  }
  reserve_take(l);
  if ((rc = otlp_grpc_cap_init(&l->cap, c->max_connections)) != 0) {
    otlp_grpc_listen_close(g);
    return rc;
  }
  uv_timer_init(loop, &l->resume); /* cannot fail */
  if ((rc = uv_poll_init_socket(loop, &l->poll, l->fd)) != 0) {
    l->resume.data = g;
    g->open_handles++;
    uv_close((uv_handle_t *)&l->resume, on_closed);
    otlp_grpc_listen_close(g);
    return rc;
  }
  l->poll.data = l->resume.data = l;
  g->open_handles += 2;
  l->handles_open = true;
  return 0;
}

void otlp_grpc_listen_accept(otlp_grpc *g) {
  if (g->listener.handles_open) uv_poll_start(&g->listener.poll, UV_READABLE, on_poll);
}

void otlp_grpc_listen_close(otlp_grpc *g) {
  otlp_grpc_listener *l = &g->listener;
  if (l->handles_open) {
    l->handles_open = false;
    uv_timer_stop(&l->resume);
    uv_poll_stop(&l->poll);
    l->poll.data = l->resume.data = g;
    uv_close((uv_handle_t *)&l->poll, on_closed);
    uv_close((uv_handle_t *)&l->resume, on_closed);
  }
  if (l->fd >= 0) {
    otlpd_listen_fds *kept = g->r->host->listen_fds;
    bool keep = kept && kept->reloading;
    if (keep) otlpd_listen_keep(kept, l->fd); /* the next run serves this socket (and its file) */
    close(l->fd);
    l->fd = -1;
    if (l->is_unix && !keep) unlink(l->addr + 5);
  }
  if (l->reserve_fd >= 0) close(l->reserve_fd);
  l->reserve_fd = -1;
  if (l->creds) grpc_server_credentials_release(l->creds);
  l->creds = NULL;
}

/* When gRPC core is gone: TLS connections still open end now. */
void otlp_grpc_listen_release(otlp_grpc *g) {
  otlp_grpc_listen_close(g);
  otlp_grpc_tls_conn_close_all(&g->listener);
  otlp_grpc_cap_free(&g->listener.cap);
  otlp_tls_reload_stop(g->listener.tls);
  g->listener.tls = NULL;
}
