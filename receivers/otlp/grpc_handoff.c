/* The one hand-off from the gRPC thread to the libuv loop.
 *
 * The gRPC thread pushes decoded calls onto a lock-free stack and pokes a
 * uv_async_t; the loop takes the whole stack in one atomic exchange and
 * ingests and answers each call in arrival order. No lock: on one core a
 * mutex held across the poke had the woken loop block on it (a futex wait
 * and two more context switches per call). The poke is owed, not sent, per
 * call: the gRPC thread first takes every event gRPC core has ready and
 * pokes once when none is left (or after OTLP_GRPC_HANDOFF_BURST calls),
 * so a burst of calls costs the loop one wake-up, not one each. The same async also reports
 * that the gRPC thread has finished, so the loop can join it and close its
 * handles: after that nothing of the gRPC server keeps the loop alive. */
#include <sched.h>
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

/* Everything pushed so far, oldest first. */
static otlp_grpc_rpc *take_all(otlp_grpc *g) {
  otlp_grpc_rpc *q = atomic_exchange_explicit(&g->pending, NULL, memory_order_acquire), *fifo = NULL;
  while (q) {
    otlp_grpc_rpc *next = q->next;
    q->next = fifo;
    fifo = q;
    q = next;
  }
  return fifo;
}

static void on_async(uv_async_t *h) {
  otlp_grpc *g = h->data;
  /* Read before the swap: once the thread is done nothing more is queued. */
  bool done = atomic_load(&g->thread_done);
  otlp_grpc_rpc *q = take_all(g);
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
  int rc = uv_async_init(loop, &g->async, on_async);
  if (rc) return rc;
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

static void answer_gone(otlp_grpc_rpc *rpc) {
  otlp_grpc_rpc_auth_drop(rpc);
  otlp_grpc_rpc_uncharge(rpc);
  otlpd_arena_free(rpc->arena);
  rpc->arena = NULL;
  rpc->req = NULL;
  otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE, "collector is shutting down", 0);
}

/* gRPC thread. rpc == NULL: only report that the thread is done (poked at
 * once). The async is poked inside a `pushers` count, which
 * otlp_grpc_handoff_abandon waits out before the loop's side goes away
 * (seq_cst on both sides: either the pusher sees loop_gone or abandon sees
 * the pusher). A call queued with its poke owed is safe too: abandon takes
 * the stack after the pushers are out. */
void otlp_grpc_handoff_push(otlp_grpc *g, otlp_grpc_rpc *rpc) {
  atomic_fetch_add(&g->pushers, 1);
  if (atomic_load(&g->loop_gone)) {
    atomic_fetch_sub(&g->pushers, 1);
    if (rpc) answer_gone(rpc);
    return;
  }
  if (rpc) {
    otlp_grpc_rpc *top = atomic_load_explicit(&g->pending, memory_order_relaxed);
    do rpc->next = top;
    while (!atomic_compare_exchange_weak_explicit(&g->pending, &top, rpc, memory_order_release,
                                                  memory_order_relaxed));
  }
  if (!rpc || ++g->poke_owed >= OTLP_GRPC_HANDOFF_BURST) {
    g->poke_owed = 0;
    uv_async_send(&g->async);
  }
  atomic_fetch_sub(&g->pushers, 1);
}

void otlp_grpc_handoff_poke(otlp_grpc *g) {
  if (!g->poke_owed) return;
  g->poke_owed = 0;
  atomic_fetch_add(&g->pushers, 1);
  if (!atomic_load(&g->loop_gone)) uv_async_send(&g->async);
  atomic_fetch_sub(&g->pushers, 1);
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
  atomic_store(&g->loop_gone, true);
  while (atomic_load(&g->pushers) > 0) sched_yield(); /* a push is a few instructions */
  otlp_grpc_rpc *q = take_all(g);
  while (q) {
    otlp_grpc_rpc *next = q->next;
    answer_gone(q);
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
