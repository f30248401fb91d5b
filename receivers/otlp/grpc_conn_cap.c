/* protocols::grpc::max_connections (otlpd only): how many accepted
 * connections are open, for a listener that hands its fds to gRPC core.
 *
 * gRPC core closes a connection's fd itself and tells nobody, so each
 * admitted fd is kept with its socket's inode: an entry is still open while
 * fstat(fd) names the same inode (a closed fd fails, a reused number names
 * another socket). Entries are checked only when the table is full, so
 * below the cap an accept costs one fstat. Loop thread only. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "grpc_server.h"

int otlp_grpc_cap_init(otlp_grpc_conn_cap *c, int64_t max) {
  c->max = max > 0 ? (size_t)max : 0;
  c->n = 0;
  c->live = NULL;
  if (!c->max) return 0;
  c->live = calloc(c->max, sizeof(*c->live));
  return c->live ? 0 : -ENOMEM;
}

void otlp_grpc_cap_free(otlp_grpc_conn_cap *c) {
  free(c->live);
  c->live = NULL;
  c->n = 0;
}

static void prune(otlp_grpc_conn_cap *c) {
  size_t keep = 0;
  for (size_t i = 0; i < c->n; i++) {
    struct stat st;
    if (fstat(c->live[i].fd, &st) == 0 && st.st_ino == c->live[i].ino && S_ISSOCK(st.st_mode))
      c->live[keep++] = c->live[i];
  }
  c->n = keep;
}

bool otlp_grpc_cap_admit(otlp_grpc_conn_cap *c, int fd) {
  if (!c->max) return true;
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  if (c->n == c->max) prune(c);
  if (c->n == c->max) return false;
  /* this fd's number may still sit in the table for a connection gRPC
   * core closed: that entry is stale now, replace it */
  for (size_t i = 0; i < c->n; i++) {
    if (c->live[i].fd == fd) {
      c->live[i].ino = st.st_ino;
      return true;
    }
  }
  c->live[c->n].fd = fd;
  c->live[c->n].ino = st.st_ino;
  c->n++;
  return true;
}
