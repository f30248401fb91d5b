/* The interface every receiver, processor and exporter codes against.
 *
 * A component is a factory (otlpd_factory): its type name, the signals it
 * handles, its settings table and lifecycle callbacks. Factories are listed
 * in one table (collector/registry.c); adding a component is its own folder
 * plus one line there.
 *
 * Instances:
 *  - receiver: one per receiver id; gets one consumer per signal it feeds
 *    (NULL where no pipeline of that signal lists it).
 *  - processor: one per (pipeline, processor id), as in otelcol; gets the
 *    next consumer of its pipeline.
 *  - exporter: one per exporter id, shared by every pipeline naming it;
 *    exposes one consumer that accepts any of its signals.
 * Everything runs on the daemon's libuv loop thread unless a component's
 * README says otherwise.
 */
#ifndef OTLPD_COMPONENT_H
#define OTLPD_COMPONENT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "otlpd/counters.h"
#include "otlpd/data.h"
#include "otlpd/log.h"
#include "otlpd/settings.h"

/* consume() results. A refusal is retryable unless PERMANENT. */
#define OTLPD_OK 0
#define OTLPD_ERR_RETRY (-EAGAIN)     /* try later (memory, queue full, shutting down) */
#define OTLPD_ERR_PERMANENT (-EINVAL) /* the data itself is bad */

/* Defined in config.h; factories only pass it through to otlpd_errorf. */
struct otlpd_errors;
struct otlpd_config;
struct otlpd_storage;

typedef struct otlpd_consumer otlpd_consumer;
struct otlpd_consumer {
  /* Borrows batch (take a reference to keep it). Returns OTLPD_OK or an
   * OTLPD_ERR_*; on error nothing of the batch was kept. */
  int (*consume)(otlpd_consumer *self, otlpd_batch *batch);
  /* Optional: would consume(batch) be accepted now? OTLPD_OK or
   * OTLPD_ERR_RETRY, and no side effect on the data. A consumer that
   * admitted a batch must not refuse it retryably in the consume() that
   * follows on the same loop turn (only ENOMEM may). A fan-out asks every
   * consumer first and delivers to all or to none, so an internal retry
   * never duplicates into the consumers that took the batch already
   * (docs/ARCHITECTURE.md, "Fan-out"). NULL = always admits. */
  int (*admit)(otlpd_consumer *self, const otlpd_batch *batch);
  /* Set by an exporter whose consume() answers OK only once the batch is
   * in a persistent queue (sending_queue::storage): upstream must not hold
   * data after answering OK (docs/ARCHITECTURE.md, "Delivery guarantees"). */
  bool durable;
};

static inline int otlpd_consume(otlpd_consumer *c, otlpd_batch *b) {
  return c->consume(c, b);
}

static inline int otlpd_admit(otlpd_consumer *c, const otlpd_batch *b) {
  return c->admit ? c->admit(c, b) : OTLPD_OK;
}

typedef enum {
  OTLPD_RECEIVER = 0,
  OTLPD_PROCESSOR = 1,
  OTLPD_EXPORTER = 2,
  OTLPD_EXTENSION = 3,
  OTLPD_KIND_COUNT = 4
} otlpd_kind;

const char *otlpd_kind_name(otlpd_kind k); /* "receiver", ... */
const char *otlpd_kind_section(otlpd_kind k); /* "receivers", ... */

/* The daemon's shared HTTP client (collector/httpclient/), created on first
 * use by otlpd_http_shared(). The daemon closes it through `close` after the
 * pipelines drained, so the core does not link libcurl. */
struct otlpd_http_client;
typedef struct otlpd_http_slot {
  struct otlpd_http_client *client;
  void (*close)(struct otlpd_http_client *c);
} otlpd_http_slot;

/* A component's health, as otelcol's component status: OK; a recoverable
 * error (e.g. writes failing, may work again: the health check stays 200
 * and lists it); a permanent one (e.g. a listener that died: the health
 * check answers 503). */
typedef enum {
  OTLPD_STATUS_OK = 0,
  OTLPD_STATUS_RECOVERABLE = 1,
  OTLPD_STATUS_PERMANENT = 2,
} otlpd_status;

const char *otlpd_status_name(otlpd_status s); /* "StatusOK", ... (otelcol's words) */

typedef void (*otlpd_status_fn)(void *arg, otlpd_kind kind, const char *name, otlpd_status st,
                                const char *why);

/* What the daemon hands a component at creation. All pointers outlive the
 * instance. */
typedef struct otlpd_host {
  uv_loop_t *loop;
  otlpd_memacct *mem;      /* bytes held by in-flight data; refuse when over */
  otlpd_logger log;        /* names this instance */
  const char *id;          /* "file/x" */
  otlpd_counters *counters; /* this instance's counters (counters.h) */
  /* set at SIGTERM: loop time (uv_now) by which exporters give up what
   * they could not deliver (service::shutdown_timeout less a tenth, so
   * they can say what they lost before the daemon's hard deadline);
   * UINT64_MAX = no limit. An exporter that still refuses data at that
   * time must accept and drop it, so processors upstream can drain. */
  uint64_t drain_deadline_ms;
  bool mutates_data;       /* the factory's mutates_data: may use the edit API */
  volatile bool *shutting_down;
  /* set once every component started (readiness); shutting_down clears
   * readiness again. For the health_check extension. */
  const volatile bool *started;
  otlpd_http_slot *http;   /* use otlpd_http_shared(host); NULL in bare test hosts */
  /* this process is a SIGHUP reload of a running daemon: outputs continue
   * where the previous configuration left them (no truncation) */
  bool restarted;
  /* The storage extension `id` ("file_storage/x") enabled in
   * service::extensions (include/otlpd/storage.h), or NULL. Extensions
   * are built and started before exporters. NULL in bare test hosts. */
  const struct otlpd_storage *(*storage)(const struct otlpd_host *h, const char *id);
  void *storage_ctx;       /* the daemon's, for storage() and auth() */
  /* The authenticator extension `id` enabled in service::extensions
   * (include/otlpd/auth.h), or NULL; found at create like storage(). */
  struct otlpd_auth *(*auth)(const struct otlpd_host *h, const char *id);
  /* Loop thread only. report_status: this instance's health (why is
   * copied; NULL when OK); use otlpd_report_status. each_status: every
   * instance's, for the health check. Both NULL in bare test hosts; a host
   * the daemon did not make (a copy) reports nothing. */
  void (*report_status)(const struct otlpd_host *h, otlpd_status st, const char *why);
  void (*each_status)(const struct otlpd_host *h, otlpd_status_fn fn, void *arg);
  void *status_ctx;        /* the daemon's */
  /* Listening sockets kept across a reload (net.h); NULL in bare test hosts. */
  struct otlpd_listen_fds *listen_fds;
  /* Threads of this daemon that poll gRPC core without pause (a gRPC
   * receiver's completion-queue thread raises it while it runs). gRPC core
   * polls every channel and server in the process from whichever thread
   * polls, so a gRPC client seeing it non-zero need not poll itself.
   * NULL in bare test hosts. */
  atomic_int *grpc_pollers;
} otlpd_host;

static inline void otlpd_report_status(const otlpd_host *h, otlpd_status st, const char *why) {
  if (h && h->report_status) h->report_status(h, st, why);
}

typedef struct otlpd_create_params {
  const otlpd_host *host;
  const void *config;      /* the struct the settings table filled */
  /* receivers: next[s] feeds signal s (NULL = no pipeline wants it).
   * processors: next[signal] is the downstream of its pipeline. */
  otlpd_consumer *next[OTLPD_SIGNAL_COUNT];
  otlpd_signal signal;     /* processors: the pipeline's signal */
  unsigned signals;        /* exporters/receivers: the signals wired to it */
  /* processors: an exporter of the pipeline is durable (its consumer's
   * `durable`): a processor that would hold data after answering OK
   * passes it straight through instead, so a client's OK means on disk. */
  bool durable_downstream;
  /* receivers: every pipeline that next[s] feeds is wire_only (factory
   * above), so signal s may be decoded shallow. */
  bool shallow_ok[OTLPD_SIGNAL_COUNT];
} otlpd_create_params;

/* For factories whose instances never read items, whatever the config. */
static inline bool otlpd_wire_only_always(const void *config) {
  (void)config;
  return true;
}

typedef struct otlpd_factory {
  const char *type;        /* "otlp", "batch", "file" */
  otlpd_kind kind;
  unsigned signals;        /* OTLPD_SIGNAL_BIT mask it supports */
  const otlpd_setting *settings;
  size_t config_size;
  const char *doc;         /* one line for `otlpd components` */
  /* As otelcol's Capabilities.MutatesData: the component edits the data
   * it is given. Only such components may call the copy-on-write edit API
   * of data.h (otlpd_batch_edit asserts it in debug builds); the others
   * must treat every batch as read-only. */
  bool mutates_data;
  /* Optional: true when an instance with this config reads nothing below
   * the scope level (no span, log record or metric): it counts, splits and
   * forwards the clients' bytes (otlpd_batch_encode_pb). When every path
   * from a receiver's signal says so, the receiver decodes shallow
   * (codec.h, otlpd_pb_decode_shallow_keep). NULL = reads items. */
  bool (*wire_only)(const void *config);

  /* Cross-field checks after the table was applied (optional). Report
   * with otlpd_errorf(errs, "%s::key: ...", path). Return 0 if valid. */
  int (*validate)(const void *config, const char *path, struct otlpd_errors *errs);
  /* Checks against the whole configuration, once service:: is built
   * (optional): references to other components' ids, such as
   * sending_queue::storage. Same reporting as validate. */
  int (*validate_refs)(const void *config, const char *path, const struct otlpd_config *c,
                       struct otlpd_errors *errs);

  /* Build an instance; nothing may be listening or running yet. */
  int (*create)(const otlpd_create_params *p, void **state);
  /* processors and exporters: where upstream delivers. */
  otlpd_consumer *(*consumer)(void *state);
  /* Begin work (bind sockets, open files, arm timers). 0 or negative errno. */
  int (*start)(void *state);
  /* Graceful stop: receivers stop accepting; processors flush downstream;
   * exporters finish what they hold. May complete asynchronously on the
   * loop; must leave no active handles once done. */
  void (*shutdown)(void *state);
  /* Processors that hold data (optional): true once everything accepted
   * was delivered downstream. Exporters are shut down only when every
   * processor is drained, so what a processor still retries after its
   * shutdown() reaches exporters that accept it. NULL = never holds. */
  bool (*drained)(void *state);
  /* Free everything; the loop has stopped running this instance. */
  void (*destroy)(void *state);
} otlpd_factory;

/* Registry (collector/registry.c). */
const otlpd_factory *otlpd_factory_find(otlpd_kind kind, const char *type, size_t type_len);
const otlpd_factory *const *otlpd_factories(size_t *n);

#endif
