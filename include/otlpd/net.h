/* Listening addresses, shared by otlpd's HTTP servers (the OTLP receiver,
 * the telemetry server). */
#ifndef OTLPD_NET_H
#define OTLPD_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* host "" means every interface (IPv6 and IPv4), "localhost" 127.0.0.1;
 * names are resolved synchronously (once, at start). 0 or a libuv error. */
int otlpd_listen_addr(uv_loop_t *loop, const char *host, int port, struct sockaddr_storage *ss);
/* "1.2.3.4:port" or "[::1]:port". */
void otlpd_sockaddr_str(const struct sockaddr_storage *ss, char *out, size_t n);

/* Listening sockets kept open across a SIGHUP reload, so clients of an
 * endpoint that did not change never see a refused connection: while the
 * daemon drains, a duplicate of each listener stays open (connections wait
 * in its backlog) and the re-executed daemon adopts it (OTLPD_LISTEN_FDS).
 * Owned by the daemon (collector/listen_keep.c); loop thread only. */
typedef struct otlpd_listen_fds {
  int *inherited;   /* from the previous run, not yet taken (-1 once taken or closed) */
  size_t n_inherited;
  int *kept;        /* duplicates to hand to the next run */
  size_t n_kept, cap_kept;
  bool reloading;   /* the drain under way ends in a reload */
} otlpd_listen_fds;

/* An inherited listening socket bound to sa (same family, address and
 * port; for AF_UNIX the same path), now owned by the caller (close-on-exec
 * set), or -1. l may be NULL (no inheritance). */
int otlpd_listen_take(otlpd_listen_fds *l, const struct sockaddr *sa);
/* Binding sa failed with EADDRINUSE: close inherited sockets on its port
 * (the endpoint changed address), so the caller can bind again. */
bool otlpd_listen_release_port(otlpd_listen_fds *l, const struct sockaddr *sa);
/* When reloading: keep a duplicate of listening fd for the next run. */
void otlpd_listen_keep(otlpd_listen_fds *l, int fd);

#endif
