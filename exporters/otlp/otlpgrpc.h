/* otlp exporter: OTLP over gRPC (gRPC C core client) to another collector
 * or any OTLP/gRPC backend, with otelcol's configgrpc client keys.
 *
 * Files of this folder:
 *   otlpgrpc_config.c    settings table (configgrpc client + exporterhelper squashed in)
 *   otlpgrpc_exporter.c  the factory and lifecycle
 *   otlpgrpc_channel.c   the channel: target, credentials, channel args
 *   otlpgrpc_thread.c    the completion-queue thread and its hand-off to the loop
 *   otlpgrpc_send.c      one attempt: one unary call, its answer to the sender
 *   otlpgrpc_status.c    what a gRPC status means (retryable, RetryInfo)
 *   otlpgrpc_response.c  partial_success of an Export*ServiceResponse
 *
 * Threads: everything runs on the loop except what gRPC core runs on its
 * own threads. Calls live on a callback completion queue: gRPC core runs
 * an attempt's completion functor on whichever thread polled its answer
 * (in a forwarder, the gRPC receiver's thread), and the functor hands the
 * attempt to the loop (otlpgrpc_exporter.done_*, mutex + uv_async_t).
 * otlpgrpc_thread.c's thread polls gRPC core only while calls are in flight
 * and no other thread of the daemon polls (host->grpc_pollers). */
#ifndef OTLPD_OTLPGRPC_H
#define OTLPD_OTLPGRPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <grpc/grpc.h>
#include <uv.h>

#include "otlpd/component.h"
#include "otlpd/exporterhelper.h"
#include "otlpd/http_client.h"

typedef struct otlpgrpc_keepalive_cfg {
  int64_t time;    /* ns between pings on an idle connection */
  int64_t timeout; /* ns to wait for the ping's answer */
  bool permit_without_stream;
} otlpgrpc_keepalive_cfg;

typedef struct otlpgrpc_auth_cfg {
  char *authenticator; /* an extension id; otlpd has none (validate says so) */
} otlpgrpc_auth_cfg;

typedef struct otlpgrpc_cfg {
  char *endpoint;               /* host:port, dns:///host:port, unix:..., http(s)://host:port */
  otlpd_tls_client_cfg tls;
  otlpd_strmap headers;         /* request metadata */
  char *compression;            /* gzip (default), none; zstd is refused */
  char *balancer_name;          /* pick_first, round_robin */
  char *authority;
  otlpgrpc_keepalive_cfg keepalive;
  otlpgrpc_auth_cfg auth;
  int64_t write_buffer_size;
  int64_t read_buffer_size;
  bool wait_for_ready;
  otlpd_exphelper_cfg helper;   /* timeout, retry_on_failure, sending_queue */
} otlpgrpc_cfg;

extern const otlpd_setting otlpgrpc_settings[];
int otlpgrpc_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* The channel target for an endpoint (scheme http:// or https:// dropped)
 * and whether it is reached without TLS. NULL on ENOMEM. */
char *otlpgrpc_target(const otlpgrpc_cfg *c, bool *plaintext);

typedef struct otlpgrpc_attempt otlpgrpc_attempt;

/* otlpgrpc_body.c: a batch's request message, gathered as slices over the
 * client's bytes in the batch's payloads (resources nobody changed) and a
 * buffer of its own (the others); it keeps the batch referenced. Built once
 * per request, kept across retries; whichever of the request and gRPC core
 * lets go last frees it (any thread). *charged: bytes of its own buffer. */
typedef struct otlpgrpc_body otlpgrpc_body;
int otlpgrpc_body_build(otlpd_batch *batch, otlpgrpc_body **out, size_t *charged);
/* The message for one attempt (slice references only). */
grpc_byte_buffer *otlpgrpc_body_message(otlpgrpc_body *body);
/* The request is done with it (NULL: nothing). */
void otlpgrpc_body_release(otlpgrpc_body *body);

typedef struct otlpgrpc_exporter {
  const otlpd_host *host;
  const otlpgrpc_cfg *cfg;
  otlpd_sender *sender;
  grpc_channel *channel;
  grpc_completion_queue *cq;
  void *method[OTLPD_SIGNAL_COUNT];   /* grpc_channel_register_call handles */
  grpc_metadata *md;                  /* headers built at start; the auth extension's (last) per call */
  struct otlpd_auth *auth;            /* auth::authenticator, or NULL */
  size_t n_md;
  bool grpc_inited;

  /* The poller thread and the hand-off (otlpgrpc_thread.c). */
  uv_thread_t thread;
  bool thread_running;                /* created and not joined */
  atomic_bool thread_done;            /* it left its loop */
  bool cq_shut;                       /* grpc_completion_queue_shutdown was called */
  grpc_completion_queue_functor cq_shut_done; /* gRPC runs it once the queue is down */
  grpc_completion_queue *pollcq;      /* the thread polls through it; nothing completes on it */
  uv_mutex_t lock;                    /* guards done_head/done_tail, `stopping`, `cq_down` with `wake` */
  otlpgrpc_attempt *done_head, *done_tail;
  /* Calls started whose completion functor has not finished yet. gRPC
   * core (epoll1) lets one thread poll at a time and hands the role over
   * at every wake-up, so a second polling thread would take turns with
   * the receiver's and cost a futex wake per received call: the thread
   * polls only while this is non-zero and host->grpc_pollers is zero. */
  atomic_int inflight;
  uv_cond_t wake;
  bool stopping;                      /* the queue is shut down: end once it drained */
  bool cq_down;                       /* the shutdown functor ran */
  bool poll_always;                   /* keepalive pings without calls need a poller */
  uv_async_t async;
  bool handoff_ready;                 /* lock and async initialised */
  bool free_on_close;                 /* destroy ran: the async's close callback frees */
  otlpgrpc_attempt *live;             /* loop only: attempts whose call is in flight */
} otlpgrpc_exporter;

/* otlpgrpc_exporter.c: frees everything (the thread is joined). */
void otlpgrpc_exporter_free(otlpgrpc_exporter *e);

/* otlpgrpc_channel.c: the channel (and its registered methods). 0 or
 * negative errno, the reason logged. */
int otlpgrpc_channel_open(otlpgrpc_exporter *e);
void otlpgrpc_channel_close(otlpgrpc_exporter *e);
/* Before each call: the auth extension's header as of now (loop thread). */
void otlpgrpc_auth_refresh(otlpgrpc_exporter *e);

/* otlpgrpc_thread.c: creates the callback queue (e->cq), the poller's
 * queue and the thread. */
int otlpgrpc_thread_start(otlpgrpc_exporter *e);
/* Loop: arm an attempt as the tag of its next call (its completion
 * functor); call it right before grpc_call_start_batch. */
void *otlpgrpc_thread_tag(otlpgrpc_attempt *a);
/* Loop: no call is in flight any more; shut the queue down so the thread
 * ends (it reports through the hand-off, the loop then joins it). */
void otlpgrpc_thread_stop(otlpgrpc_exporter *e);
/* The drain is over: the loop may end before the thread does. */
void otlpgrpc_thread_unref(otlpgrpc_exporter *e);
/* Loop: a call was started (the thread polls while any is in flight);
 * otlpgrpc_thread_unstarted undoes it when the start failed. */
void otlpgrpc_thread_call_started(otlpgrpc_exporter *e);
void otlpgrpc_thread_unstarted(otlpgrpc_exporter *e);
/* destroy: end the thread if it still runs, close the async; true if e
 * may be freed now, false if the async's close callback frees it. */
bool otlpgrpc_thread_release(otlpgrpc_exporter *e);

/* otlpgrpc_send.c: otlpd_sender_ops, and the loop's side of a completion. */
extern const otlpd_sender_ops otlpgrpc_sender_ops;
void otlpgrpc_attempt_completed(otlpgrpc_attempt *a);
/* Loop: cancel every call in flight (each still completes). */
void otlpgrpc_cancel_all(otlpgrpc_exporter *e);
/* Release a finished call's gRPC resources without reporting it (the
 * loop and the sender are going away). */
void otlpgrpc_attempt_discard(otlpgrpc_attempt *a);

/* The completion-queue tag of an attempt is its functor: the gRPC thread
 * that runs it writes the success flag and links it into the hand-off
 * list through `next`, nothing else. */
struct otlpgrpc_attempt {
  grpc_completion_queue_functor functor;
  otlpgrpc_attempt *next;             /* hand-off link (functor writes, loop reads) */
  /* Set by the loop (release) right before the batch starts, read by the
   * functor (acquire) before it touches `next`: the ordering gRPC core
   * gives is invisible to ThreadSanitizer. */
  atomic_int armed;
  bool ok;                            /* the batch's success flag */
  otlpgrpc_exporter *e;
  otlpd_send_req *sreq;
  otlpgrpc_attempt *live_prev, *live_next; /* loop only: e->live */
  grpc_call *call;
  otlpgrpc_body *body;                /* the request message, kept across retries */
  grpc_byte_buffer *request;
  grpc_byte_buffer *response;
  grpc_metadata_array initial_md, trailing_md;
  grpc_status_code status;
  grpc_slice details;
  const char *error_string;
};

#endif
