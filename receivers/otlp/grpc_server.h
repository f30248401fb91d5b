/* OTLP/gRPC server on gRPC C core: shared state of grpc_*.c.
 *
 * Two threads touch this state (docs/grpc-receiver.md has the full story):
 *  - the gRPC thread (grpc_thread.c) is the only caller of
 *    grpc_completion_queue_next; it matches new calls, decodes their
 *    payloads and frees every rpc once its reply batch completed;
 *  - the libuv loop thread (grpc_handoff.c) calls otlp_ingest() and sends
 *    the reply, so a client hears back only once the pipeline decided.
 * The one hand-off between them is g->pending (a lock-free stack +
 * uv_async_t, grpc_handoff.c). */
#ifndef OTLPD_GRPC_SERVER_H
#define OTLPD_GRPC_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <openssl/ssl.h>

#include "tls_server.h"
#include <uv.h>

#include "otlp_receiver.h"
#include "otlpd/arena.h"
#include "body_inflate.h"

/* Calls requested ahead per method, so a burst of connections is matched
 * without waiting for the gRPC thread to re-request one at a time. */
#define OTLP_GRPC_REQUESTS_PER_METHOD 16
/* Calls the gRPC thread queues for the loop before it pokes the loop even
 * though gRPC core still has events ready (bounds the loop's wait). */
#define OTLP_GRPC_HANDOFF_BURST 16
/* Seconds in-flight calls get after shutdown before they are cancelled. */
#define OTLP_GRPC_SHUTDOWN_GRACE_MS 5000

typedef struct otlp_grpc otlp_grpc;

typedef struct otlp_grpc_tls_conn otlp_grpc_tls_conn;

/* grpc_conn_cap.c: max_connections for the listener (loop thread). */
typedef struct otlp_grpc_conn_cap {
  size_t max, n;             /* max 0: unlimited, nothing tracked */
  struct { int fd; ino_t ino; } *live;
  uint64_t refused, logged_ms;
} otlp_grpc_conn_cap;
int otlp_grpc_cap_init(otlp_grpc_conn_cap *c, int64_t max);
/* Record fd as open, or false when max connections are still open. */
bool otlp_grpc_cap_admit(otlp_grpc_conn_cap *c, int fd);
void otlp_grpc_cap_free(otlp_grpc_conn_cap *c);

/* The listening socket the loop owns (grpc_listen.c); with TLS, each
 * connection is terminated on the loop (grpc_tls_conn.c) and gRPC core
 * serves the plaintext end. */
typedef struct otlp_grpc_listener {
  otlp_grpc *g;
  int fd, reserve_fd;        /* -1 when closed; reserve: spare fd for EMFILE */
  bool is_unix, handles_open;
  bool kept;                 /* adopted from the previous run (reload) */
  uv_poll_t poll;
  uv_timer_t resume;         /* accepting paused after an error */
  grpc_server_credentials *creds; /* insecure: gRPC core sees plaintext */
  otlp_tls_reload *tls;      /* NULL: plaintext endpoint */
  otlp_grpc_tls_conn *tls_conns;
  size_t n_tls_conns;
  uint64_t refused, last_warn_ms;
  otlp_grpc_conn_cap cap;
  char addr[300];
  char tls_buf[64 * 1024];   /* read buffer of every TLS connection (loop only) */
} otlp_grpc_listener;

/* grpc_peer.c: client addresses by the fd gRPC core names a connection by. */
#define OTLP_GRPC_PEER_MAX 48
typedef struct otlp_grpc_peers {
  uv_mutex_t lock;
  bool ready;
  char (*ip)[OTLP_GRPC_PEER_MAX];
  size_t cap;
} otlp_grpc_peers;

/* One requested/accepted call. Its address is the completion-queue tag
 * both for "a call arrived" and, once `replying`, for "reply sent". */
typedef struct otlp_grpc_rpc {
  otlp_grpc *g;
  struct otlp_grpc_rpc *next;     /* hand-off queue link */
  bool unknown;              /* requested with grpc_server_request_call */
  /* The reply batch was started. Set on either thread, read by the gRPC
   * thread on completion: release/acquire, so what the replying thread
   * wrote into the rpc is seen where it is freed (the completion queue's
   * own ordering is inside gRPC core, invisible to ThreadSanitizer). */
  atomic_bool replying;
  otlpd_signal signal;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array metadata;
  grpc_call_details details; /* unknown-method requests only */
  grpc_byte_buffer *payload; /* the request message, until decoded */
  otlpd_arena *arena;        /* decoded request, until otlp_ingest takes it */
  ProtobufCMessage *req;
  otlpd_raw raw;           /* wire bytes per resource, in the arena */
  const otlpd_client_info *client; /* in the arena; NULL = unknown */
  size_t charged;            /* arena bytes charged to host->mem while queued */
  grpc_byte_buffer *response;
  int cancelled;
  /* The receive-message batch was started (after authentication); same
   * ordering as `replying`. */
  atomic_bool receiving;
  void *auth_work;           /* a slow credential check on its way to the loop */
  char subject[OTLPD_AUTH_SUBJECT_MAX]; /* who authenticated the call */
  /* Loop thread: the call's wait for durable writes (otlpd/durable.h) and
   * the pipeline's answer, sent once the writes are done (grpc_rpc.c). */
  otlpd_durable wait;
  otlp_ingest_result result;
} otlp_grpc_rpc;

struct otlp_grpc {
  otlp_receiver *r;
  const otlpd_logger *log;
  grpc_server *server;
  grpc_completion_queue *cq;
  void *methods[OTLPD_SIGNAL_COUNT];
  otlpd_arena_sizer sizer;   /* gRPC thread only: request bytes -> arena bytes */
  char shutdown_tag;         /* its address tags grpc_server_shutdown_and_notify */
  /* gRPC thread only: call slots whose re-request failed, per signal and
   * [OTLPD_SIGNAL_COUNT] for unknown methods; retried until they are back. */
  unsigned missing[OTLPD_SIGNAL_COUNT + 1];

  uv_thread_t thread;
  bool thread_running;       /* created and not yet joined */
  atomic_bool closing;       /* shutdown began: match no more, refuse new data */
  atomic_bool thread_done;   /* the gRPC thread left its loop */
  atomic_size_t live;        /* otlp_grpc_rpc objects alive */

  /* The hand-off (grpc_handoff.c): a lock-free stack of decoded calls the
   * gRPC thread pushes and the loop takes whole. `loop_gone` is set when
   * otlp_grpc_destroy runs without a completed shutdown: the gRPC thread
   * then answers by itself. `pushers` counts pushes under way, so the
   * loop can wait for them before it stops taking calls. */
  _Atomic(otlp_grpc_rpc *) pending;
  unsigned poke_owed;        /* gRPC thread only: calls queued, loop not poked */
  atomic_int pushers;
  atomic_bool loop_gone;
  uv_async_t async;
  uv_timer_t grace;
  int open_handles;          /* uv handles not closed yet */
  bool shutdown_called, free_on_close;
  bool cq_drained;           /* GRPC_QUEUE_SHUTDOWN was seen */
  bool handoff_ready;        /* handles were initialised */
  otlp_grpc_listener listener;
  otlp_grpc_peers peers;
  otlp_http_inflater inflater; /* gRPC thread only */
};

/* grpc_inflate.c (gRPC thread): a call's message bytes, inflated with
 * max_recv_msg_size_mib as the bound when it came compressed. Valid until
 * otlp_grpc_msg_close. Returns a gRPC status (err says why). */
typedef struct otlp_grpc_msg {
  const uint8_t *p;
  size_t len;
  grpc_slice flat;
  bool has_flat;
} otlp_grpc_msg;
grpc_status_code otlp_grpc_msg_open(otlp_grpc *g, grpc_byte_buffer *bb, otlp_grpc_msg *m, char *err, size_t errlen);
void otlp_grpc_msg_close(otlp_grpc *g, otlp_grpc_msg *m);

/* grpc_listen.c (loop thread): bind and listen on a plaintext endpoint,
 * then accept and hand connections to gRPC core once the server started;
 * close is idempotent. */
int otlp_grpc_listen_start(otlp_grpc *g, const otlp_grpc_cfg *c, uv_loop_t *loop);
void otlp_grpc_listen_accept(otlp_grpc *g);
void otlp_grpc_listen_close(otlp_grpc *g);
/* Close, end the TLS connections, free the TLS context (gRPC core gone). */
void otlp_grpc_listen_release(otlp_grpc *g);
/* Record the client address of sock_fd under key_fd (the fd gRPC core gets). */
void otlp_grpc_listen_note_peer(otlp_grpc_listener *l, int key_fd, int sock_fd);
/* Any thread: the client IP (no port) of a call from grpc_call_get_peer()'s
 * string; 0, or -ENOENT when unknown (unix socket). */
int otlp_grpc_peer_ip(otlp_grpc *g, const char *grpc_peer, char *out, size_t n);
int otlp_grpc_peers_init(otlp_grpc_peers *p);
void otlp_grpc_peers_free(otlp_grpc_peers *p);
/* grpc_tls_ctx.c / grpc_tls_conn.c: TLS terminated by otlpd. */
int otlp_grpc_tls_alpn(SSL_CTX *ctx); /* the hook of tls_ctx.c: ALPN h2 */
int otlp_grpc_tls_conn_start(otlp_grpc_listener *l, int fd); /* takes fd */
void otlp_grpc_tls_conn_close_all(otlp_grpc_listener *l);
/* Close callback of every uv handle of g (data = g). */
void otlp_grpc_handle_closed(otlp_grpc *g);

/* grpc_options.c: channel args from the config. */
grpc_server *otlp_grpc_opt_server_create(const otlp_grpc_cfg *c);

/* grpc_rpc.c: per-call work. */
int otlp_grpc_rpc_request(otlp_grpc *g, bool unknown, otlpd_signal s);
/* gRPC thread: request the slots a failed request lost; true if any is
 * still missing (the thread then wakes up again to retry). */
bool otlp_grpc_rpc_rearm(otlp_grpc *g);
/* Whether a call's deadline has passed by now (any clock; an infinite
 * deadline never passes). Its client has given up: ingesting the data
 * would duplicate its retry. */
bool otlp_grpc_deadline_passed(gpr_timespec deadline, gpr_timespec now);
void otlp_grpc_rpc_event(otlp_grpc_rpc *rpc, bool ok);          /* gRPC thread */
void otlp_grpc_rpc_deliver(otlp_grpc_rpc *rpc);                 /* loop thread */
void otlp_grpc_rpc_reply(otlp_grpc_rpc *rpc, grpc_status_code code, const char *msg, size_t rejected);
void otlp_grpc_rpc_uncharge(otlp_grpc_rpc *rpc);               /* drop the queued-memory charge */
void otlp_grpc_rpc_free(otlp_grpc_rpc *rpc);

/* gRPC thread, and the threadpool after a slow credential check: start
 * receiving the call's message (its completion comes back as an event). */
void otlp_grpc_rpc_receive(otlp_grpc_rpc *rpc);

/* grpc_auth.c (gRPC thread). With auth:: configured: 0 when the call's
 * initial metadata authenticates it now (rpc->subject filled); 1 when the
 * call was answered UNAUTHENTICATED; 2 when the check is slow
 * (rpc->auth_work set): hand the rpc to the loop, whose
 * otlp_grpc_rpc_auth_queue runs it on the threadpool, which then starts
 * receiving the message or answers. Without: 0, subject "". */
int otlp_grpc_rpc_authenticate(otlp_grpc_rpc *rpc);
void otlp_grpc_rpc_auth_queue(otlp_grpc_rpc *rpc); /* loop thread */
/* Any thread: free a pending check's work (the call is being dropped). */
void otlp_grpc_rpc_auth_drop(otlp_grpc_rpc *rpc);
/* Sets rpc->client from the call (peer IP, subject, metadata with
 * include_metadata), in rpc->arena. */
void otlp_grpc_rpc_client_info(otlp_grpc_rpc *rpc, const char *subject);

/* grpc_handoff.c: gRPC thread -> loop. */
int otlp_grpc_handoff_init(otlp_grpc *g, uv_loop_t *loop);
/* gRPC thread: queue a decoded call for the loop, its poke owed until
 * otlp_grpc_handoff_poke (or a burst is full); NULL only wakes the loop,
 * at once (used to report that the thread is done). */
void otlp_grpc_handoff_push(otlp_grpc *g, otlp_grpc_rpc *rpc);
/* gRPC thread: gRPC core has nothing more ready; wake the loop for the
 * calls queued since the last poke. */
void otlp_grpc_handoff_poke(otlp_grpc *g);
void otlp_grpc_handoff_start_grace(otlp_grpc *g);          /* loop: arm the shutdown grace timer */
void otlp_grpc_handoff_close(otlp_grpc *g);                /* loop: join thread, close handles */
void otlp_grpc_handoff_abandon(otlp_grpc *g);              /* destroy without shutdown */
/* Close handles still open. true: g may be freed now; false: the last
 * close callback frees it. */
bool otlp_grpc_handoff_release(otlp_grpc *g);

/* grpc_log.c: gRPC core's log lines go through otlpd_log. */
void otlp_grpc_log_route(void);

/* grpc_thread.c */
void otlp_grpc_thread_main(void *arg);

#endif
