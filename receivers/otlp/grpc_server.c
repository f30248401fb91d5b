/* OTLP/gRPC server lifecycle: start, graceful shutdown, destroy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_server.h"

static const char *const method_paths[OTLPD_SIGNAL_COUNT] = {
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

/* Frees what start built. The server must be shut down (or never have
 * listened) and the gRPC thread joined. */
static void release(otlp_grpc *g) {
  otlp_grpc_listen_close(g); /* before grpc_shutdown: it holds credentials */
  if (g->server) grpc_server_destroy(g->server);
  otlp_grpc_listen_release(g);
  if (g->cq) {
    if (!g->cq_drained) {
      grpc_completion_queue_shutdown(g->cq);
      grpc_event ev;
      do {
        ev = grpc_completion_queue_next(g->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        if (ev.type == GRPC_OP_COMPLETE && ev.tag != &g->shutdown_tag) otlp_grpc_rpc_free(ev.tag);
      } while (ev.type != GRPC_QUEUE_SHUTDOWN);
    }
    grpc_completion_queue_destroy(g->cq);
  }
  otlp_grpc_peers_free(&g->peers);
  otlp_http_inflater_free(&g->inflater);
  grpc_shutdown();
  if (otlp_grpc_handoff_release(g)) free(g);
}

static int listen_on(otlp_grpc *g, const otlp_grpc_cfg *c, char *addr, size_t addrlen) {
  int rc = otlp_grpc_listen_start(g, c, g->r->host->loop);
  if (!rc) snprintf(addr, addrlen, "%s", g->listener.addr);
  return rc;
}

static int build(otlp_grpc *g, otlp_receiver *r) {
  const otlp_grpc_cfg *c = &r->cfg->protocols.grpc;
  g->server = otlp_grpc_opt_server_create(c);
  g->cq = grpc_completion_queue_create_for_next(NULL);
  if (!g->server || !g->cq) return -ENOMEM;
  grpc_server_register_completion_queue(g->server, g->cq, NULL);
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    /* no payload with the call: its message is received only once its
     * metadata authenticated it (grpc_rpc.c) */
    g->methods[s] = grpc_server_register_method(g->server, method_paths[s], NULL,
                                                GRPC_SRM_PAYLOAD_NONE, 0);
    if (!g->methods[s]) return -ENOMEM;
  }
  int rc = otlp_grpc_handoff_init(g, r->host->loop);
  if (!rc) rc = otlp_grpc_peers_init(&g->peers);
  if (rc) return rc;
  char addr[600];
  if ((rc = listen_on(g, c, addr, sizeof(addr))) != 0) return rc;
  grpc_server_start(g->server);
  otlp_grpc_listen_accept(g);
  otlpd_info(g->log, "grpc: listening on %s%s", addr, c->has_tls ? " (tls)" : "");
  return 0;
}

/* Requests the first calls and starts the gRPC thread. A failure after
 * grpc_server_start shuts the server down right here. */
static int run(otlp_grpc *g) {
  int rc = 0;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT && !rc; s++)
    for (int i = 0; i < OTLP_GRPC_REQUESTS_PER_METHOD && !rc; i++) rc = otlp_grpc_rpc_request(g, false, (otlpd_signal)s);
  if (!rc) rc = otlp_grpc_rpc_request(g, true, 0);
  if (!rc) rc = uv_thread_create(&g->thread, otlp_grpc_thread_main, g);
  if (!rc) {
    g->thread_running = true;
    return 0;
  }
  atomic_store(&g->closing, true);
  atomic_store(&g->loop_gone, true); /* the inline drain below must not poke the loop */
  grpc_server_shutdown_and_notify(g->server, g->cq, &g->shutdown_tag);
  grpc_server_cancel_all_calls(g->server);
  otlp_grpc_thread_main(g);
  return rc;
}

int otlp_grpc_start(otlp_receiver *r) {
  otlp_grpc *g = calloc(1, sizeof(*g));
  if (!g) return -ENOMEM;
  g->r = r;
  g->listener.fd = g->listener.reserve_fd = -1;
  g->log = &r->host->log;
  otlp_grpc_log_route();
  grpc_init();
  int rc = build(g, r);
  if (!rc) rc = run(g);
  if (rc) {
    release(g);
    return rc;
  }
  r->grpc = g;
  return 0;
}

/* Loop thread. Completes asynchronously: the gRPC thread reports through
 * the hand-off once the server is down, and the loop then joins it and
 * closes the handles. */
void otlp_grpc_shutdown(otlp_receiver *r) {
  otlp_grpc *g = r->grpc;
  if (!g || g->shutdown_called) return;
  g->shutdown_called = true;
  atomic_store(&g->closing, true);
  otlp_grpc_listen_close(g);
  /* Fails every requested-but-unmatched call, lets matched ones finish
   * (their replies still go out) and sends GOAWAY on every connection. */
  grpc_server_shutdown_and_notify(g->server, g->cq, &g->shutdown_tag);
  otlp_grpc_handoff_start_grace(g);
}

void otlp_grpc_destroy(otlp_receiver *r) {
  otlp_grpc *g = r->grpc;
  if (!g) return;
  r->grpc = NULL;
  if (g->thread_running) {
    /* The loop did not see the shutdown through: finish it here. */
    otlpd_warn(g->log, "grpc: destroyed before its shutdown completed; cancelling open calls");
    otlp_grpc_handoff_abandon(g);
    atomic_store(&g->closing, true);
    if (!g->shutdown_called) grpc_server_shutdown_and_notify(g->server, g->cq, &g->shutdown_tag);
    g->shutdown_called = true;
    grpc_server_cancel_all_calls(g->server);
    uv_thread_join(&g->thread);
    g->thread_running = false;
  }
  release(g);
}
