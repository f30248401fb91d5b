/* The one hand-off from the gRPC thread to the libuv loop.
 *
 * The gRPC thread appends decoded calls to a mutex-protected list and pokes
 * a uv_async_t; the loop takes the whole list in one swap and, outside the
 * lock, ingests and answers each call. The same async also reports that
 * the gRPC thread has finished, so the loop can join it and close its
 * handles: after that nothing of the gRPC server keeps the loop alive. */
#include <stdlib.h>

#include "grpc_server.h"

void otlp_grpc_handle_closed(otlp_grpc *g) {
  if (--g->open_handles == 0 && g->free_on_close) free(g);
}

static void on_close(uv_handle_t *h) { otlp_grpc_handle_closed(h->data); }

static void close_handles(otlp_grpc *g) {
  otlp_grpc_listen_close(g);
  uv_timer_stop(&g->grace);
  if (!uv_is_closing((uv_handle_t *)&g->async)) uv_close((uv_handle_t *)&g->async, on_close);
  if (!uv_is_closing((uv_handle_t *)&g->grace)) uv_close((uv_handle_t *)&g->grace, on_close);
}

static void on_async(uv_async_t *h) {
  otlp_grpc *g = h->data;
  /* Read before the swap: once the thread is done nothing more is queued. */
  bool done = atomic_load(&g->thread_done);
  uv_mutex_lock(&g->lock);
  otlp_grpc_rpc *q = g->head;
  g->head = g->tail = NULL;
  uv_mutex_unlock(&g->lock);
  while (q) {
    otlp_grpc_rpc *next = q->next; /* q may be freed once its reply is started */
    if (q->auth_work)
      otlp_grpc_rpc_auth_queue(q); /* a slow credential check, not data */
    else
      otlp_grpc_rpc_deliver(q);
    q = next;
  }
  if (done) otlp_grpc_handoff_close(g);
}

/* Calls that hang on after the server's graceful shutdown (a client that
 * opened a stream and never finished its message) must not keep the
 * daemon from exiting. */
static void on_grace(uv_timer_t *t) {
  otlp_grpc *g = t->data;
  if (atomic_load(&g->thread_done)) return;
  otlpd_warn(g->log, "grpc: calls still open %d ms after shutdown; cancelling them", OTLP_GRPC_SHUTDOWN_GRACE_MS);
  grpc_server_cancel_all_calls(g->server);
}

int otlp_grpc_handoff_init(otlp_grpc *g, uv_loop_t *loop) {
  int rc = uv_mutex_init(&g->lock);
  if (rc) return rc;
  if ((rc = uv_async_init(loop, &g->async, on_async)) != 0) {
    uv_mutex_destroy(&g->lock);
    return rc;
  }
  uv_timer_init(loop, &g->grace); /* cannot fail */
  g->async.data = g;
  g->grace.data = g;
  g->open_handles = 2;
  g->handoff_ready = true;
  return 0;
}

void otlp_grpc_handoff_start_grace(otlp_grpc *g) {
  uv_timer_start(&g->grace, on_grace, OTLP_GRPC_SHUTDOWN_GRACE_MS, 0);
}

/* gRPC thread. rpc == NULL: only report that the thread is done. The
 * async is poked under the lock so it cannot race with its closing. */
void otlp_grpc_handoff_push(otlp_grpc *g, otlp_grpc_rpc *rpc) {
  uv_mutex_lock(&g->lock);
  bool gone = g->loop_gone;
  if (!gone) {
    if (rpc) {
      rpc->next = NULL;
      if (g->tail)
        g->tail->next = rpc;
      else
        g->head = rpc;
      g->tail = rpc;
    }
    uv_async_send(&g->async);
  }
  uv_mutex_unlock(&g->lock);
  if (gone && rpc) {
    otlp_grpc_rpc_auth_drop(rpc);
    otlp_grpc_rpc_uncharge(rpc);
    otlpd_arena_free(rpc->arena);
    rpc->arena = NULL;
    rpc->req = NULL;
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, "collector is shutting down", 0);
  }
}

/* Loop thread, once the gRPC thread has left its loop. */
void otlp_grpc_handoff_close(otlp_grpc *g) {
  if (g->thread_running) {
    uv_thread_join(&g->thread);
    g->thread_running = false;
  }
  close_handles(g);
}

/* otlp_grpc_destroy without a finished shutdown: the loop will not run our
 * callbacks any more, so queued calls are answered here and later ones by
 * the gRPC thread itself. */
void otlp_grpc_handoff_abandon(otlp_grpc *g) {
  uv_mutex_lock(&g->lock);
  g->loop_gone = true;
  otlp_grpc_rpc *q = g->head;
  g->head = g->tail = NULL;
  uv_mutex_unlock(&g->lock);
  while (q) {
    otlp_grpc_rpc *next = q->next;
    otlp_grpc_rpc_auth_drop(q);
    otlp_grpc_rpc_uncharge(q);
    otlpd_arena_free(q->arena);
    q->arena = NULL;
    q->req = NULL;
    otlp_grpc_rpc_reply(q, GRPC_STATUS_UNAVAILABLE, "collector is shutting down", 0);
    q = next;
  }
}

/* Loop thread: close what is still open; g is freed by the last close
 * callback if any handle was open, else here by the caller's choice. */
bool otlp_grpc_handoff_release(otlp_grpc *g) {
  if (g->open_handles == 0) return true;
  g->free_on_close = true;
  close_handles(g);
  return false;
}
