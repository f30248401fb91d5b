/* The gRPC thread: sole consumer of the completion queue.
 *
 * It runs until the server's shutdown was notified AND every otlp_grpc_rpc is
 * gone (calls still waiting on the loop hold their reply batches' tags
 * on this queue, so it must stay open for them); then it shuts the queue
 * down, drains it and tells the loop it is done. */
#include "grpc_server.h"

/* Once shutdown was notified, wake up now and then to re-check `live`:
 * an rpc may also be freed on the loop thread (a failed reply). */
#define DRAIN_POLL_MS 100
/* Retry period for call slots whose request failed. */
#define REARM_MS 100

void otlp_grpc_thread_main(void *arg) {
  otlp_grpc *g = arg;
  bool shutdown_seen = false, cq_down = false;
  atomic_int *pollers = g->r->host->grpc_pollers;
  if (pollers) atomic_fetch_add(pollers, 1); /* gRPC clients in this daemon need not poll */
  for (;;) {
    bool rearm = !shutdown_seen && otlp_grpc_rpc_rearm(g);
    /* With calls queued for the loop, only look for what is ready now
     * (a non-blocking poll); the loop is poked once nothing is. */
    bool owed = g->poke_owed > 0;
    gpr_timespec until = owed ? gpr_inf_past(GPR_CLOCK_MONOTONIC)
                         : shutdown_seen || rearm
                             ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                            gpr_time_from_millis(shutdown_seen ? DRAIN_POLL_MS : REARM_MS,
                                                                 GPR_TIMESPAN))
                             : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    grpc_event ev = grpc_completion_queue_next(g->cq, until, NULL);
    if (owed && ev.type != GRPC_OP_COMPLETE) otlp_grpc_handoff_poke(g);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type == GRPC_OP_COMPLETE) {
      if (ev.tag == &g->shutdown_tag)
        shutdown_seen = true;
      else
        otlp_grpc_rpc_event(ev.tag, ev.success != 0);
    }
    if (shutdown_seen && !cq_down && atomic_load(&g->live) == 0) {
      grpc_completion_queue_shutdown(g->cq);
      cq_down = true;
    }
  }
  if (pollers) atomic_fetch_sub(pollers, 1);
  g->cq_drained = true; /* read by the loop after joining this thread */
  atomic_store(&g->thread_done, true);
  otlp_grpc_handoff_push(g, NULL);
}
