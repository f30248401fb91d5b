/* A small HTTP/1.1 server for the daemon's own endpoints (/metrics, the
 * health_check extension): h2o 2.2.5 on the daemon's libuv loop, GET and
 * HEAD only, every answer made at once by a callback.
 *
 * Its handles never keep the loop alive (they are unreferenced), so it can
 * answer while the daemon drains and still let the loop end when the
 * pipelines are done; the owner then calls otlpd_tserver_shutdown() and
 * runs the loop until the connections are closed. Loop thread only. */
#ifndef OTLPD_TSERVER_H
#define OTLPD_TSERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>

#include "otlpd/log.h"

typedef struct otlpd_tserver_reply {
  int status;          /* 0 = 404 */
  const char *reason;
  const char *ctype;
  const char *body;    /* copied into the response: may be a reused buffer */
  size_t len;
} otlpd_tserver_reply;

/* Answers a GET of path (not NUL-terminated, without the query). */
typedef void (*otlpd_tserver_fn)(void *arg, const char *path, size_t path_len, otlpd_tserver_reply *out);

typedef struct otlpd_tserver {
  uv_loop_t *loop;
  const otlpd_logger *log;
  const char *what;    /* "metrics", "health_check" for logs */
  otlpd_tserver_fn fn;
  void *arg;

  h2o_globalconf_t gconf;
  h2o_context_t ctx;
  h2o_accept_ctx_t accept;
  uv_tcp_t listener;
  uv_timer_t drain_timer;
  bool gconf_ready, ctx_ready, listener_open, drain_timer_open, draining;
  unsigned drain_ticks;
  size_t conns, pending_closes;
  char addr[80];       /* "127.0.0.1:8888" for logs */
} otlpd_tserver;

/* Binds endpoint ("host:port", ":port", "[v6]:port"; port 0 picks one) and
 * serves. 0 or negative errno (logged). */
int otlpd_tserver_start(otlpd_tserver **out, uv_loop_t *loop, const otlpd_logger *log, const char *what,
                        const char *endpoint, otlpd_tserver_fn fn, void *arg);
/* Stops listening and closes connections; finishes on the loop. */
void otlpd_tserver_shutdown(otlpd_tserver *s);
/* Frees s; shuts it down first and runs the loop a little if needed. */
void otlpd_tserver_destroy(otlpd_tserver *s);

/* tserver_listen.c: resolve and listen; s->addr says where. */
int otlpd_tserver_listen(otlpd_tserver *s, const char *endpoint, uv_connection_cb on_conn);

#endif
