/* Slow credential checks (bcrypt: ~50-100 ms each) run on libuv's
 * threadpool, so neither the loop nor the gRPC thread stalls on them.
 *
 * The hand-off: otlp_auth_begin() decides what the headers alone decide
 * (cache hits, missing or malformed credentials) on the caller's thread;
 * the rest becomes an otlp_auth_job queued by the loop thread. The worker
 * owns the job until the check is done, runs the caller's in_worker
 * continuation (gRPC: start receiving the message, or answer), and the
 * loop gets it back in after_work (HTTP: answer or go on with the request)
 * and frees it. At most OTLP_AUTH_MAX_PENDING checks per receiver wait or
 * run at once, so wrong passwords cannot fill the threadpool that the file
 * exporter and other components share; beyond that the caller answers
 * "retry later". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "otlp_receiver.h"

int otlp_auth_begin(otlp_receiver *r, otlp_transport t, const otlpd_auth_src *src, const char *peer, char *subject,
                    size_t n, void **work) {
  otlpd_auth *a = r->auth.ext[t];
  *work = NULL;
  if (!a->begin || !a->finish || !a->abandon) {
    int rc = a->authenticate(a, src, subject, n);
    if (rc != 0 && peer) otlp_auth_log_refusal(r, t, peer, rc);
    return rc == 0 ? 0 : -EACCES;
  }
  int rc = a->begin(a, src, subject, n, work);
  if (rc == 0 || rc == OTLPD_AUTH_SLOW) return rc;
  if (peer) otlp_auth_log_refusal(r, t, peer, rc);
  return -EACCES;
}

static void run(uv_work_t *w) {
  otlp_auth_job *j = w->data;
  otlpd_auth *a = j->r->auth.ext[j->t];
  j->rc = a->finish(a, j->work, j->subject, sizeof(j->subject));
  j->work = NULL;
  if (j->rc != 0) {
    j->subject[0] = 0;
    if (j->log) otlp_auth_log_refusal(j->r, j->t, j->peer, j->rc);
    j->rc = -EACCES;
  }
  /* r is not touched after in_worker: a gRPC call answered there may be
   * the last thing its receiver waited for before being freed */
  atomic_fetch_sub(&j->r->auth.pending, 1);
  if (j->in_worker) j->in_worker(j);
}

/* Loop: only the caller's on_loop (whose state outlives the job: HTTP
 * waits for its checks before it is destroyed) and the job itself. */
static void after(uv_work_t *w, int status) {
  otlp_auth_job *j = w->data;
  (void)status; /* never cancelled: uv_cancel is not used */
  if (j->on_loop) j->on_loop(j);
  free(j);
}

int otlp_auth_queue(otlp_receiver *r, otlp_transport t, void *work, const char *peer, otlp_auth_cb in_worker,
                    otlp_auth_cb on_loop, void *user) {
  otlpd_auth *a = r->auth.ext[t];
  bool busy = atomic_load(&r->auth.pending) >= OTLP_AUTH_MAX_PENDING;
  otlp_auth_job *j = busy ? NULL : calloc(1, sizeof(*j));
  if (!j) {
    a->abandon(a, work);
    return busy ? -EBUSY : -ENOMEM;
  }
  j->r = r;
  j->t = t;
  j->work = work;
  j->in_worker = in_worker;
  j->on_loop = on_loop;
  j->user = user;
  j->log = peer != NULL;
  snprintf(j->peer, sizeof(j->peer), "%s", peer ? peer : "");
  j->req.data = j;
  atomic_fetch_add(&r->auth.pending, 1); /* before the worker can take it off */
  int rc = uv_queue_work(r->host->loop, &j->req, run, after);
  if (rc != 0) {
    atomic_fetch_sub(&r->auth.pending, 1);
    a->abandon(a, work);
    free(j);
    return -ENOMEM;
  }
  return 0;
}

void otlp_auth_abandon(otlp_receiver *r, otlp_transport t, void *work) {
  otlpd_auth *a = r->auth.ext[t];
  if (work) a->abandon(a, work);
}
