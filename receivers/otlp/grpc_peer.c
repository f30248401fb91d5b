/* Peer addresses of connections otlpd accepted for gRPC core.
 *
 * gRPC core names a connection it got as an fd "fd:<n>", so the client's
 * address is recorded here under that fd number when it is handed over,
 * and grpc_call_get_peer()'s "fd:<n>" is looked up. An fd number is reused
 * only after gRPC core closed the connection that had it, so a live call
 * finds its own client. Written on the loop, read from any thread: the
 * table has its own mutex. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grpc_server.h"
#include "otlpd/net.h"

void otlp_grpc_listen_note_peer(otlp_grpc_listener *l, int key_fd, int sock_fd) {
  otlp_grpc_peers *p = &l->g->peers;
  if (key_fd < 0 || !p->ready) return;
  char ip[OTLP_GRPC_PEER_MAX] = "";
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (!l->is_unix && getpeername(sock_fd, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET)
      uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
    else if (ss.ss_family == AF_INET6)
      uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
  }
  uv_mutex_lock(&p->lock);
  if ((size_t)key_fd >= p->cap) {
    size_t cap = p->cap ? p->cap : 256;
    while (cap <= (size_t)key_fd) cap *= 2;
    char(*n)[OTLP_GRPC_PEER_MAX] = realloc(p->ip, cap * sizeof(*n));
    if (n) {
      memset(n + p->cap, 0, (cap - p->cap) * sizeof(*n));
      p->ip = n;
      p->cap = cap;
    }
  }
  if ((size_t)key_fd < p->cap) memcpy(p->ip[key_fd], ip, sizeof(ip));
  uv_mutex_unlock(&p->lock);
}

int otlp_grpc_peer_ip(otlp_grpc *g, const char *grpc_peer, char *out, size_t n) {
  if (!grpc_peer || !n) return -EINVAL;
  out[0] = '\0';
  if (strncmp(grpc_peer, "fd:", 3) != 0) {
    /* gRPC core's own form: ipv4:1.2.3.4:port, ipv6:[::1]:port */
    const char *a = strncmp(grpc_peer, "ipv4:", 5) == 0 || strncmp(grpc_peer, "ipv6:", 5) == 0 ? grpc_peer + 5 : NULL;
    if (!a) return -ENOENT;
    const char *end = strrchr(a, ':');
    if (*a == '[') a++;
    size_t len = end ? (size_t)(end - a) : strlen(a);
    if (len && a[len - 1] == ']') len--;
    if (len >= n) return -ENAMETOOLONG;
    memcpy(out, a, len);
    out[len] = '\0';
    return 0;
  }
  char *end;
  long fd = strtol(grpc_peer + 3, &end, 10);
  otlp_grpc_peers *p = &g->peers;
  if (end == grpc_peer + 3 || fd < 0 || !p->ready) return -ENOENT;
  uv_mutex_lock(&p->lock);
  if ((size_t)fd < p->cap) snprintf(out, n, "%s", p->ip[fd]);
  uv_mutex_unlock(&p->lock);
  return out[0] ? 0 : -ENOENT;
}

int otlp_grpc_peers_init(otlp_grpc_peers *p) {
  int rc = uv_mutex_init(&p->lock);
  p->ready = rc == 0;
  return rc;
}

void otlp_grpc_peers_free(otlp_grpc_peers *p) {
  if (!p->ready) return;
  uv_mutex_destroy(&p->lock);
  free(p->ip);
  p->ip = NULL;
  p->cap = 0;
  p->ready = false;
}
