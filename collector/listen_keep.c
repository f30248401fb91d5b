/* Listening sockets kept across a SIGHUP reload (include/otlpd/net.h). The
 * previous run passes its listeners' duplicates as OTLPD_LISTEN_FDS=3,7;
 * receivers take the one bound where they would bind; what no receiver
 * took (an endpoint that changed) is closed once every component started. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "otlpd/net.h"

#define LISTEN_FDS_ENV "OTLPD_LISTEN_FDS"

static bool is_listening_socket(int fd) {
  int v = 0;
  socklen_t len = sizeof(v);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

int otlpd_listen_fds_inherit(otlpd_listen_fds *l) {
  const char *env = getenv(LISTEN_FDS_ENV);
  if (!env || !*env) return 0;
  size_t cap = 1;
  for (const char *p = env; *p; p++) cap += *p == ',';
  l->inherited = calloc(cap, sizeof(int));
  if (!l->inherited) return -ENOMEM;
  for (const char *p = env; *p;) {
    char *end;
    long fd = strtol(p, &end, 10);
    if (end == p) break;
    if (fd > 2 && fd < 65536 && is_listening_socket((int)fd)) {
      fcntl((int)fd, F_SETFD, FD_CLOEXEC); /* only ever passed on as a fresh duplicate */
      l->inherited[l->n_inherited++] = (int)fd;
    }
    p = *end == ',' ? end + 1 : end;
  }
  unsetenv(LISTEN_FDS_ENV);
  return 0;
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b, bool port_only) {
  if (a->sa_family != b->ss_family) return false;
  if (a->sa_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && (port_only || x->sin_addr.s_addr == y->sin_addr.s_addr);
  }
  if (a->sa_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && (port_only || !memcmp(&x->sin6_addr, &y->sin6_addr, 16));
  }
  if (a->sa_family == AF_UNIX)
    return !strcmp(((const struct sockaddr_un *)a)->sun_path, ((const struct sockaddr_un *)b)->sun_path);
  return false;
}

static int find(otlpd_listen_fds *l, const struct sockaddr *sa, bool port_only) {
  for (size_t i = 0; l && i < l->n_inherited; i++) {
    if (l->inherited[i] < 0) continue;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(l->inherited[i], (struct sockaddr *)&ss, &len) == 0 && same_addr(sa, &ss, port_only))
      return (int)i;
  }
  return -1;
}

int otlpd_listen_take(otlpd_listen_fds *l, const struct sockaddr *sa) {
  int i = find(l, sa, false);
  if (i < 0) return -1;
  int fd = l->inherited[i];
  l->inherited[i] = -1;
  return fd;
}

bool otlpd_listen_release_port(otlpd_listen_fds *l, const struct sockaddr *sa) {
  bool any = false;
  for (int i; (i = find(l, sa, true)) >= 0; any = true) {
    close(l->inherited[i]);
    l->inherited[i] = -1;
  }
  return any;
}

void otlpd_listen_keep(otlpd_listen_fds *l, int fd) {
  if (!l || !l->reloading || fd < 0) return;
  if (l->n_kept == l->cap_kept) {
    size_t cap = l->cap_kept ? l->cap_kept * 2 : 4;
    int *v = realloc(l->kept, cap * sizeof(int));
    if (!v) return; /* the next run binds anew */
    l->kept = v;
    l->cap_kept = cap;
  }
  int dup = fcntl(fd, F_DUPFD, 3); /* no close-on-exec: it outlives the exec */
  if (dup >= 0) l->kept[l->n_kept++] = dup;
}

void otlpd_listen_fds_close_untaken(otlpd_listen_fds *l) {
  for (size_t i = 0; i < l->n_inherited; i++)
    if (l->inherited[i] >= 0) close(l->inherited[i]);
  free(l->inherited);
  l->inherited = NULL;
  l->n_inherited = 0;
}

int otlpd_listen_fds_export(otlpd_listen_fds *l) {
  if (!l->n_kept) return 0;
  char buf[1024];
  size_t at = 0;
  for (size_t i = 0; i < l->n_kept && at + 16 < sizeof(buf); i++)
    at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%d", i ? "," : "", l->kept[i]);
  return setenv(LISTEN_FDS_ENV, buf, 1) == 0 ? 0 : -errno;
}

void otlpd_listen_fds_free(otlpd_listen_fds *l) {
  otlpd_listen_fds_close_untaken(l);
  free(l->kept); /* the fds themselves stay open for the exec, or die with the process */
  l->kept = NULL;
  l->n_kept = l->cap_kept = 0;
}
