/* Exporter helper: what every network exporter shares, with otelcol's
 * exporterhelper keys and defaults — the per-attempt timeout, retry with
 * exponential backoff, and a bounded sending queue drained by up to
 * num_consumers concurrent requests — plus the exporter counters.
 *
 * An exporter embeds otlpd_exphelper_cfg in its config struct and splices
 * the shared rows into its own settings table:
 *
 *   OTLPD_S_SQUASH(my_cfg, helper, otlpd_exphelper_settings),
 *
 * then creates one otlpd_sender and returns otlpd_sender_consumer() as its
 * consumer. The sender is transport-agnostic: it calls ops->send() with a
 * request, the exporter encodes and transmits it however it likes and
 * reports the outcome with otlpd_sender_done(). Everything runs on the
 * loop thread; no locks (collector/exporterhelper/README.md). */
#ifndef OTLPD_EXPORTERHELPER_H
#define OTLPD_EXPORTERHELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"

/* ---- settings ---- */

typedef struct otlpd_retry_cfg {
  bool enabled;
  int64_t initial_interval;    /* ns */
  double randomization_factor; /* delay * (1 ± factor), uniform */
  double multiplier;           /* growth per retry */
  int64_t max_interval;        /* ns, cap before randomization */
  int64_t max_elapsed_time;    /* ns since the first attempt; 0 = retry forever */
} otlpd_retry_cfg;

typedef enum {
  OTLPD_SIZER_REQUESTS = 0, /* batches */
  OTLPD_SIZER_ITEMS = 1,    /* spans, data points, log records */
  OTLPD_SIZER_BYTES = 2,    /* protobuf-encoded size */
} otlpd_sizer;

typedef enum {
  OTLPD_DROP_NEWEST = 0,
  OTLPD_DROP_OLDEST = 1,
} otlpd_overflow_drop;

typedef struct otlpd_queue_cfg {
  bool enabled;
  int64_t num_consumers; /* requests in flight (sending or waiting to retry) at once */
  int64_t queue_size;    /* capacity in the sizer's unit */
  int sizer;             /* otlpd_sizer */
  bool block_on_overflow;
  /* drop_on_overflow (otlpd only): which data a full queue gives up when
   * block_on_overflow is false — the new batch (newest, as otelcol) or
   * the oldest waiting ones, to make room for it. */
  int drop_on_overflow; /* otlpd_overflow_drop */
  /* A file_storage extension id: the queue lives on disk (persistent
   * across restarts and crashes); NULL = in memory. */
  char *storage;
} otlpd_queue_cfg;

typedef struct otlpd_exphelper_cfg {
  int64_t timeout; /* ns per attempt; 0 = none (the transport's own) */
  otlpd_retry_cfg retry;
  otlpd_queue_cfg queue;
} otlpd_exphelper_cfg;

/* timeout, retry_on_failure, sending_queue: squash into an exporter's table. */
extern const otlpd_setting otlpd_exphelper_settings[];
extern const otlpd_setting otlpd_retry_settings[];
extern const otlpd_setting otlpd_queue_settings[];

/* Cross-field checks; call from the exporter's validate(). Errors are
 * reported as "<path>::sending_queue::queue_size: ...". Returns 0 if valid. */
struct otlpd_errors;
int otlpd_exphelper_validate(const otlpd_exphelper_cfg *c, const char *path, struct otlpd_errors *errs);
/* sending_queue::storage names an enabled file_storage extension; call
 * from the exporter factory's validate_refs(). */
int otlpd_exphelper_validate_refs(const otlpd_exphelper_cfg *c, const char *path,
                                  const struct otlpd_config *cfg, struct otlpd_errors *errs);

/* ---- backoff (pure; collector/exporterhelper/backoff.c) ---- */

/* Delay in ns before retry number `retry` (0 = the first retry):
 * min(initial * multiplier^retry, max_interval) scaled by
 * 1 + factor * (2u - 1), u in [0, 1) from the caller's random source. */
int64_t otlpd_backoff_delay(const otlpd_retry_cfg *c, unsigned retry, double u);

/* Whether and when to retry: the delay in ns, or -1 to give up (retry
 * disabled, or elapsed + delay would pass max_elapsed_time when that is
 * not 0). hint_ns > 0 (a server's Retry-After / RetryInfo) replaces the
 * schedule's delay but not the max_elapsed_time limit. */
int64_t otlpd_backoff_next(const otlpd_retry_cfg *c, unsigned retry, int64_t elapsed_ns,
                           int64_t hint_ns, double u);

/* xorshift64* random source: state must not be 0. */
typedef struct otlpd_rng {
  uint64_t s;
} otlpd_rng;
void otlpd_rng_seed(otlpd_rng *r, uint64_t seed);
double otlpd_rng_unit(otlpd_rng *r); /* [0, 1) */

/* ---- sender ---- */

typedef enum {
  OTLPD_SEND_OK = 0,    /* the backend took every item */
  OTLPD_SEND_RETRYABLE, /* try again later (throttled, unavailable, timeout, connection) */
  OTLPD_SEND_PERMANENT, /* the backend will never take this data */
  OTLPD_SEND_PARTIAL,   /* accepted, but `rejected` items were refused permanently */
} otlpd_send_status;

typedef struct otlpd_send_result {
  otlpd_send_status status;
  int64_t retry_after_ns; /* RETRYABLE: the server's hint, 0 = none */
  size_t rejected;        /* PARTIAL: items refused */
  const char *message;    /* why (logged); may be NULL; copied if needed */
} otlpd_send_result;

typedef struct otlpd_sender otlpd_sender;

/* One request: one queued batch, from its first attempt until it is sent
 * or given up. It keeps its consumer slot while it waits to retry. */
typedef struct otlpd_send_req {
  otlpd_batch *batch;  /* read-only (shared with other exporters); referenced by the sender */
  otlpd_signal signal; /* batch->signal */
  int64_t timeout_ns;  /* per attempt, the transport enforces it; expiry is RETRYABLE */
  unsigned attempt;    /* 0 on the first attempt */
  int64_t retry_delay_ns; /* the wait before this attempt (0 on the first) */
  /* The exporter's, kept across retries: encode once into body (reused
   * between requests; the sender frees it when large), keep per-request
   * state in user (freed by ops->release). */
  otlpd_buf body;
  void *user;
  /* sender's own */
  otlpd_sender *sender;
  uv_timer_t timer;
  uint64_t first_ms; /* loop time of the first attempt */
  size_t charged;    /* bytes charged through otlpd_sender_charge */
  int state;
  bool timer_init;
} otlpd_send_req;

typedef struct otlpd_sender_ops {
  /* Start one attempt of req. The exporter calls otlpd_sender_done(req)
   * exactly once per attempt, on the loop thread, during send() or later. */
  void (*send)(void *exporter, otlpd_send_req *req);
  /* Optional: req is finished; free req->user (body is the sender's). */
  void (*release)(void *exporter, otlpd_send_req *req);
  /* Optional, at the shutdown deadline: abort the attempt in flight. It
   * must still lead to otlpd_sender_done (during cancel or soon after);
   * without cancel the sender waits for the transport's timeout. */
  void (*cancel)(void *exporter, otlpd_send_req *req);
} otlpd_sender_ops;

/* cfg, ops and host must outlive the sender. signals: OTLPD_SIGNAL_BIT
 * mask it accepts. 0 or -ENOMEM / -EINVAL. */
int otlpd_sender_create(const otlpd_host *host, const otlpd_exphelper_cfg *cfg,
                        const otlpd_sender_ops *ops, void *exporter, unsigned signals,
                        otlpd_sender **out);

/* With sending_queue::storage: open the disk queues (recovering what a
 * previous run left) and start sending what they hold. Call from the
 * exporter's start(); without storage it does nothing. 0 or negative
 * errno (logged). */
int otlpd_sender_start(otlpd_sender *s);

/* Where the pipeline delivers (consume + admit). */
otlpd_consumer *otlpd_sender_consumer(otlpd_sender *s);

/* The outcome of req's current attempt. req may be finished (and reused)
 * before this returns: do not touch it afterwards. */
void otlpd_sender_done(otlpd_send_req *req, const otlpd_send_result *r);

/* Charge bytes the exporter holds for req (its encoded body) to the
 * memory accounting; released when req finishes. */
void otlpd_sender_charge(otlpd_send_req *req, size_t bytes);

/* Stop accepting (consume -> OTLPD_ERR_RETRY) and keep sending what is
 * queued and in flight, retries included, for at most deadline_ms (0: give
 * up on everything not already in an attempt; OTLPD_SENDER_NO_DEADLINE:
 * no limit). Exporters pass otlpd_sender_drain_ms(host). At the deadline
 * what is left is counted as send_failed and logged; attempts in flight
 * are cancelled (ops->cancel) and waited for. drained(arg) is called once
 * nothing is left and the sender has no active handle.
 *
 * Before shutdown, once the daemon drains (host->shutting_down), the
 * sender already honours host->drain_deadline_ms: at that time it gives up
 * what it holds and from then on admits every batch and drops it
 * (counted), so a processor held back by this exporter (block_on_overflow)
 * can drain into the pipeline's other exporters. */
#define OTLPD_SENDER_NO_DEADLINE UINT64_MAX
/* What is left until host->drain_deadline_ms, as a shutdown deadline. */
uint64_t otlpd_sender_drain_ms(const otlpd_host *host);
void otlpd_sender_shutdown(otlpd_sender *s, void (*drained)(void *arg), void *arg,
                           uint64_t deadline_ms);

/* Free everything: after drained() was called, or if nothing was ever
 * consumed. */
void otlpd_sender_free(otlpd_sender *s);

/* Requests holding a consumer slot (sending or waiting to retry). */
size_t otlpd_sender_active(const otlpd_sender *s);

#endif
