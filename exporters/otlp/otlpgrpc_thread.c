/* The exporter's completion queue, its poller thread and the one hand-off
 * to the loop.
 *
 * Calls are bound to a callback completion queue: when a call finishes,
 * gRPC core runs the attempt's functor on the thread that read the answer
 * (whichever thread was polling). The functor links the attempt into a
 * mutex-protected list and pokes a uv_async_t; the loop takes the whole
 * list in one swap and, outside the lock, reads each answer and reports it
 * to the sender. The functor reads nothing of an attempt and writes only
 * its link and success flag; the loop never blocks on gRPC (starting a
 * call and grpc_call_cancel return at once).
 *
 * Someone must poll for those answers. gRPC core (epoll1) polls every
 * channel and server of the process from one thread at a time and hands
 * that role to another waiting poller at every wake-up. In a forwarder the
 * gRPC receiver's thread polls all the time; a second poller here would
 * take turns with it, and each received call would then cross one more
 * thread (a futex wake each). So this thread polls only while no other
 * thread of the daemon does (host->grpc_pollers is zero) and calls are in
 * flight, the channel is (re)connecting, or keepalive pings without calls
 * are configured; otherwise it sleeps on a condition variable, which the
 * loop signals when it starts the first call. It polls through a queue of
 * its own on which nothing ever completes.
 *
 * Ending: once the sender drained, the loop shuts the callback queue down;
 * gRPC runs the shutdown functor once every call completed; the thread
 * waits for that and for the last completion functor to return, says so
 * through the same async, and the loop joins it and closes the async. */
#include <stddef.h>
#include <stdlib.h>

#include "otlpgrpc.h"

/* Poll rounds: while polling, the thread re-checks whether it still must
 * every round; while calls are in flight and another thread polls, it
 * re-checks that thread's presence this often. */
#define POLL_ROUND_MS 100
#define STOPPING_ROUND_MS 10
#define RECHECK_NS (50 * 1000 * 1000ull)

static void link_done(otlpgrpc_exporter *e, otlpgrpc_attempt *a) {
  uv_mutex_lock(&e->lock);
  a->next = NULL;
  if (e->done_tail)
    e->done_tail->next = a;
  else
    e->done_head = a;
  e->done_tail = a;
  uv_mutex_unlock(&e->lock);
}

/* Any thread; the last access to e of a completion. The thread ends only
 * once `inflight` is 0, so e and its async outlive the functor. */
static void call_ended(otlpgrpc_exporter *e) {
  uv_mutex_lock(&e->lock);
  if (atomic_fetch_sub(&e->inflight, 1) == 1) uv_cond_signal(&e->wake);
  uv_mutex_unlock(&e->lock);
}

/* gRPC thread. The poke comes after the unlock, so that the woken loop does
 * not block on the lock (on one core it often runs first). */
static void on_call_done(grpc_completion_queue_functor *f, int ok) {
  otlpgrpc_attempt *a = (otlpgrpc_attempt *)((char *)f - offsetof(otlpgrpc_attempt, functor));
  /* A load, not an exchange: ThreadSanitizer checks a read-modify-write
   * before applying its acquire, and would report the attempt's calloc. */
  (void)atomic_load_explicit(&a->armed, memory_order_acquire);
  otlpgrpc_exporter *e = a->e;
  a->ok = ok != 0;
  link_done(e, a);
  uv_async_send(&e->async);
  call_ended(e);
}

void *otlpgrpc_thread_tag(otlpgrpc_attempt *a) {
  a->functor.functor_run = on_call_done;
  a->functor.inlineable = 1; /* a lock, a link and an eventfd write */
  atomic_store_explicit(&a->armed, 1, memory_order_release);
  return &a->functor;
}

/* gRPC thread: every call on the queue completed and the queue is down. */
static void on_cq_down(grpc_completion_queue_functor *f, int ok) {
  (void)ok;
  otlpgrpc_exporter *e = (otlpgrpc_exporter *)((char *)f - offsetof(otlpgrpc_exporter, cq_shut_done));
  uv_mutex_lock(&e->lock);
  e->cq_down = true;
  uv_cond_signal(&e->wake);
  uv_mutex_unlock(&e->lock);
}

static void push_end(otlpgrpc_exporter *e) {
  atomic_store(&e->thread_done, true);
  uv_async_send(&e->async);
}

static bool channel_unsettled(otlpgrpc_exporter *e) {
  grpc_connectivity_state st = grpc_channel_check_connectivity_state(e->channel, 0);
  return st == GRPC_CHANNEL_CONNECTING || st == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

static bool other_poller(const otlpgrpc_exporter *e) {
  return e->host->grpc_pollers && atomic_load(e->host->grpc_pollers) > 0;
}

/* Whether this thread must poll now (no lock held). */
static bool must_poll(otlpgrpc_exporter *e) {
  if (other_poller(e)) return false;
  return e->poll_always || atomic_load(&e->inflight) > 0 || (e->channel && channel_unsettled(e));
}

static bool finished(const otlpgrpc_exporter *e) {
  return e->stopping && e->cq_down && atomic_load(&e->inflight) == 0;
}

static void poll_round(otlpgrpc_exporter *e, bool stopping) {
  gpr_timespec until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                    gpr_time_from_millis(stopping ? STOPPING_ROUND_MS : POLL_ROUND_MS, GPR_TIMESPAN));
  (void)grpc_completion_queue_next(e->pollcq, until, NULL);
}

/* Sleep until signalled; with calls in flight (another thread polls for
 * them) or a stop under way, only for a while, to re-check. */
static void sleep_a_while(otlpgrpc_exporter *e) {
  uv_mutex_lock(&e->lock);
  if (!finished(e)) {
    if (atomic_load(&e->inflight) > 0 || e->stopping)
      (void)uv_cond_timedwait(&e->wake, &e->lock, RECHECK_NS);
    else
      uv_cond_wait(&e->wake, &e->lock);
  }
  uv_mutex_unlock(&e->lock);
}

static void thread_main(void *arg) {
  otlpgrpc_exporter *e = arg;
  for (;;) {
    uv_mutex_lock(&e->lock);
    bool done = finished(e), stopping = e->stopping;
    uv_mutex_unlock(&e->lock);
    if (done) break;
    if (must_poll(e))
      poll_round(e, stopping);
    else
      sleep_a_while(e);
  }
  grpc_completion_queue_shutdown(e->pollcq);
  while (grpc_completion_queue_next(e->pollcq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  push_end(e);
}

void otlpgrpc_thread_call_started(otlpgrpc_exporter *e) {
  if (atomic_fetch_add(&e->inflight, 1) != 0) return;
  uv_mutex_lock(&e->lock);
  uv_cond_signal(&e->wake);
  uv_mutex_unlock(&e->lock);
}

void otlpgrpc_thread_unstarted(otlpgrpc_exporter *e) { call_ended(e); }

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

/* The callback queue is made last: gRPC runs its shutdown functor, which
 * points into e, maybe on another thread, so every path that made it
 * waits for that functor before e can go. */
static int queues_create(otlpgrpc_exporter *e) {
  e->pollcq = grpc_completion_queue_create_for_next(NULL);
  if (!e->pollcq) return -ENOMEM;
  e->cq_shut_done.functor_run = on_cq_down;
  e->cq_shut_done.inlineable = 0;
  e->cq = grpc_completion_queue_create_for_callback(&e->cq_shut_done, NULL);
  return e->cq ? 0 : -ENOMEM;
}

static void wait_cq_down(otlpgrpc_exporter *e) {
  uv_mutex_lock(&e->lock);
  while (!e->cq_down) uv_cond_wait(&e->wake, &e->lock);
  uv_mutex_unlock(&e->lock);
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
  if ((rc = queues_create(e)) == 0) rc = uv_thread_create(&e->thread, thread_main, e);
  if (rc) {
    if (e->cq) {
      otlpgrpc_thread_stop(e);
      wait_cq_down(e);
    }
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

/* After the drain the data is delivered: the daemon's loop need not stay
 * up for the thread's end (gRPC's queue teardown took 600 ms under
 * ThreadSanitizer on a loaded machine, past the shutdown margin). If the
 * loop ends first, destroy joins the thread. */
void otlpgrpc_thread_unref(otlpgrpc_exporter *e) {
  if (e->handoff_ready && !uv_is_closing((uv_handle_t *)&e->async)) uv_unref((uv_handle_t *)&e->async);
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
