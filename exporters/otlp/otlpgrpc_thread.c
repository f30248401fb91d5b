/* The completion-queue thread and its one hand-off to the loop.
 *
 * The thread polls only while a call is in flight or the channel is
 * (re)connecting (or always, with keepalive pings on idle connections):
 * gRPC core lets one thread at a time poll, and an idle exporter thread taking turns with the gRPC
 * receiver's thread made every received call cross one more thread. While
 * nothing is in flight it sleeps on a condition variable the loop signals
 * when it starts the first call.
 *
 * gRPC core reports a finished call only through the exporter's completion
 * queue, and grpc_completion_queue_next blocks: so one thread per exporter
 * waits on it. For each finished call it links the attempt (its tag) into
 * a mutex-protected list and pokes a uv_async_t; the loop takes the whole
 * list in one swap and, outside the lock, reads each answer and reports it
 * to the sender. The thread reads nothing of an attempt and writes only its
 * link and success flag; the loop never blocks on gRPC (starting a call and
 * grpc_call_cancel return at once).
 *
 * Ending: once the sender drained (nothing in flight), the loop shuts the
 * queue down; the thread sees GRPC_QUEUE_SHUTDOWN, says so through the same
 * async, and the loop joins it and closes the async. */
#include <stdlib.h>

#include "otlpgrpc.h"

/* The poke comes after the unlock, so that the woken loop does not block
 * on the lock (on one core it often runs first). The async stays valid:
 * it is closed only after this thread was joined. */
static void push(otlpgrpc_exporter *e, otlpgrpc_attempt *a) {
  uv_mutex_lock(&e->lock);
  if (a) {
    a->next = NULL;
    if (e->done_tail)
      e->done_tail->next = a;
    else
      e->done_head = a;
    e->done_tail = a;
  }
  uv_mutex_unlock(&e->lock);
  uv_async_send(&e->async);
}

/* While the channel is (re)connecting the thread keeps polling, in short
 * rounds, so the connection attempt completes without a call in flight. */
#define UNSETTLED_POLL_MS 100

static bool channel_unsettled(otlpgrpc_exporter *e) {
  grpc_connectivity_state st = grpc_channel_check_connectivity_state(e->channel, 0);
  return st == GRPC_CHANNEL_CONNECTING || st == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

/* Sleep while no call is in flight (and the queue is not shut down); the
 * deadline for the next poll. The loop signals under the lock after
 * raising `inflight` from 0, so the wake-up cannot be lost. */
static gpr_timespec wait_for_calls(otlpgrpc_exporter *e) {
  gpr_timespec forever = gpr_inf_future(GPR_CLOCK_MONOTONIC);
  if (e->poll_always) return forever;
  for (;;) {
    if (e->channel && channel_unsettled(e))
      return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(UNSETTLED_POLL_MS, GPR_TIMESPAN));
    uv_mutex_lock(&e->lock);
    bool idle = atomic_load(&e->inflight) <= 0 && !e->stopping;
    if (idle) uv_cond_wait(&e->wake, &e->lock);
    uv_mutex_unlock(&e->lock);
    if (!idle) return forever;
  }
}

static void signal_thread(otlpgrpc_exporter *e) {
  uv_mutex_lock(&e->lock);
  uv_cond_signal(&e->wake);
  uv_mutex_unlock(&e->lock);
}

void otlpgrpc_thread_call_started(otlpgrpc_exporter *e) {
  if (atomic_fetch_add(&e->inflight, 1) == 0 && !e->poll_always) signal_thread(e);
}

void otlpgrpc_thread_unstarted(otlpgrpc_exporter *e) { atomic_fetch_sub(&e->inflight, 1); }

static void thread_main(void *arg) {
  otlpgrpc_exporter *e = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(e->cq, wait_for_calls(e), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type != GRPC_OP_COMPLETE || !ev.tag) continue;
    atomic_fetch_sub(&e->inflight, 1);
    otlpgrpc_attempt *a = ev.tag;
    /* A load, not an exchange: ThreadSanitizer checks a read-modify-write
     * before applying its acquire, and would report the attempt's calloc. */
    (void)atomic_load_explicit(&a->armed, memory_order_acquire);
    a->ok = ev.success != 0;
    push(e, a);
  }
  atomic_store(&e->thread_done, true);
  push(e, NULL);
}

static otlpgrpc_attempt *take_all(otlpgrpc_exporter *e) {
  uv_mutex_lock(&e->lock);
  otlpgrpc_attempt *q = e->done_head;
  e->done_head = e->done_tail = NULL;
  uv_mutex_unlock(&e->lock);
  return q;
}

static void on_close(uv_handle_t *h) {
  otlpgrpc_exporter *e = h->data;
  e->handoff_ready = false;
  uv_cond_destroy(&e->wake);
  uv_mutex_destroy(&e->lock);
  if (e->free_on_close) otlpgrpc_exporter_free(e);
}

static void join_and_close(otlpgrpc_exporter *e) {
  if (e->thread_running) {
    uv_thread_join(&e->thread);
    e->thread_running = false;
  }
  if (!uv_is_closing((uv_handle_t *)&e->async)) uv_close((uv_handle_t *)&e->async, on_close);
}

static void on_async(uv_async_t *h) {
  otlpgrpc_exporter *e = h->data;
  /* Read before the swap: once the thread is done nothing more is queued. */
  bool done = atomic_load(&e->thread_done);
  otlpgrpc_attempt *q = take_all(e);
  while (q) {
    otlpgrpc_attempt *next = q->next; /* q may be reused once reported */
    otlpgrpc_attempt_completed(q);
    q = next;
  }
  if (done) join_and_close(e);
}

int otlpgrpc_thread_start(otlpgrpc_exporter *e) {
  int rc = uv_mutex_init(&e->lock);
  if (rc) return rc;
  if ((rc = uv_cond_init(&e->wake)) != 0) {
    uv_mutex_destroy(&e->lock);
    return rc;
  }
  if ((rc = uv_async_init(e->host->loop, &e->async, on_async)) != 0) {
    uv_cond_destroy(&e->wake);
    uv_mutex_destroy(&e->lock);
    return rc;
  }
  /* Client keepalive pings on an idle connection need their answers read. */
  e->poll_always = e->cfg->keepalive.time > 0 && e->cfg->keepalive.permit_without_stream;
  e->async.data = e;
  e->handoff_ready = true;
  if ((rc = uv_thread_create(&e->thread, thread_main, e)) != 0) {
    uv_close((uv_handle_t *)&e->async, on_close);
    return rc;
  }
  e->thread_running = true;
  return 0;
}

void otlpgrpc_thread_stop(otlpgrpc_exporter *e) {
  if (e->cq && !e->cq_shut) {
    e->cq_shut = true;
    grpc_completion_queue_shutdown(e->cq);
  }
  if (!e->handoff_ready) return;
  uv_mutex_lock(&e->lock);
  e->stopping = true;
  uv_cond_signal(&e->wake);
  uv_mutex_unlock(&e->lock);
}

/* Calls that finished but were never reported (the loop is gone): free
 * them without telling the sender, which is being freed too. */
static void discard(otlpgrpc_exporter *e) {
  otlpgrpc_attempt *q = take_all(e);
  while (q) {
    otlpgrpc_attempt *next = q->next;
    otlpgrpc_attempt_discard(q);
    q = next;
  }
}

bool otlpgrpc_thread_release(otlpgrpc_exporter *e) {
  if (e->thread_running) {
    otlpgrpc_thread_stop(e);
    uv_thread_join(&e->thread);
    e->thread_running = false;
  }
  if (!e->handoff_ready) return true;
  discard(e);
  e->free_on_close = true;
  if (!uv_is_closing((uv_handle_t *)&e->async)) uv_close((uv_handle_t *)&e->async, on_close);
  return false;
}
