/* The data that flows through pipelines.
 *
 * A payload is one decoded Export*ServiceRequest living in its own arena.
 * A batch is a list of borrowed resource-level items (ResourceSpans,
 * ResourceMetrics, ResourceLogs) plus references on the payloads that own
 * them, so batching and fan-out move pointers and never deep-copy.
 *
 * Ownership rules (see docs/ARCHITECTURE.md):
 *  - consume() borrows the batch. A consumer that keeps it past the call
 *    takes its own reference with otlpd_batch_ref().
 *  - decoded data is immutable once a payload holds it: the same objects
 *    may sit in several batches at once (a receiver feeding two pipelines,
 *    split copies sharing scope and item arrays), so a reference count of
 *    1 on a batch says nothing about who else sees its data.
 *  - a batch received in consume() is borrowed, its arrays included: the
 *    caller (a fan-out) hands the same batch to the next pipeline.
 *  - editing goes only through the copy-on-write API below: a processor
 *    whose factory declares mutates_data makes its own batch with
 *    otlpd_batch_edit() and asks it for private objects
 *    (otlpd_batch_mut_resource(), ..._mut_scopes(), ..._mut_items(),
 *    ..._own_attrs()); those clone what will change into a child payload
 *    of that entry, clear the entry's wire bytes and charge the memory.
 *    Strings and nested values of a private object may still be shared:
 *    they are replaced, never written through.
 *  - reference counts are atomic because exporter worker threads may drop
 *    the last reference.
 */
#ifndef OTLPD_DATA_H
#define OTLPD_DATA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "otlpd/arena.h"
#include "otlpd/otlp.h"

typedef enum {
  OTLPD_TRACES = 0,
  OTLPD_METRICS = 1,
  OTLPD_LOGS = 2,
  OTLPD_SIGNAL_COUNT = 3
} otlpd_signal;

#define OTLPD_SIGNAL_BIT(s) (1u << (s))
#define OTLPD_ALL_SIGNALS 0x7u

const char *otlpd_signal_name(otlpd_signal s); /* "traces", "metrics", "logs" */
int otlpd_signal_parse(const char *name, size_t len, otlpd_signal *out);

/* Process-wide accounting of bytes held by live payloads and batches.
 * Receivers consult it before accepting data (back-pressure). Owned by the
 * daemon context; updated atomically because the last reference to a
 * payload may be dropped on an exporter thread. */
typedef struct otlpd_memacct {
  atomic_size_t used;
  size_t limit; /* 0 = unlimited */
  bool configured; /* limit came from a memory_limiter processor */
} otlpd_memacct;

/* A memory_limiter's soft limit, set at create (before any data flows):
 * the first replaces the daemon's default, later ones keep the smallest. */
static inline void otlpd_memacct_configure(otlpd_memacct *m, size_t limit) {
  if (!m->configured || limit < m->limit) m->limit = limit;
  m->configured = true;
}

int otlpd_memacct_over(const otlpd_memacct *m);
/* Bytes held now. */
static inline size_t otlpd_memacct_used(const otlpd_memacct *m) {
  return m ? atomic_load_explicit(&m->used, memory_order_relaxed) : 0;
}
/* Charge / give back n bytes (m may be NULL: nothing is counted). */
static inline void otlpd_memacct_charge(otlpd_memacct *m, size_t n) {
  if (m) atomic_fetch_add_explicit(&m->used, n, memory_order_relaxed);
}
static inline void otlpd_memacct_release(otlpd_memacct *m, size_t n) {
  if (m) atomic_fetch_sub_explicit(&m->used, n, memory_order_relaxed);
}

/* Bytes of one resource-level item exactly as the client encoded it. */
typedef struct otlpd_slice {
  const uint8_t *p; /* NULL: not available (decoded from JSON, split, or edited) */
  size_t len;
} otlpd_slice;

/* The wire bytes of every resource-level item of a request, in order. */
typedef struct otlpd_raw {
  otlpd_slice *v;
  size_t n;
} otlpd_raw;

/* What the receiver knew about the client that sent a request: its
 * address (always kept; k8s_attributes associates by it), the
 * authenticated subject and, with the receiver's include_metadata, the
 * request's headers (keys lower-cased). Lives in the root payload's arena;
 * split and edited copies reach it through their parent. */
typedef struct otlpd_client_info {
  const char *addr;          /* peer IP without port; NULL when unknown (unix socket) */
  const char *auth_subject;  /* NULL when not authenticated */
  const char *const *keys;   /* include_metadata headers: keys[i] = values[i] */
  const char *const *values;
  size_t nmeta;
} otlpd_client_info;

typedef struct otlpd_payload {
  atomic_int refs;
  otlpd_signal signal;
  otlpd_arena *arena;
  ProtobufCMessage *msg; /* Export*ServiceRequest in arena; NULL for split copies */
  struct otlpd_payload *parent; /* split copies point into it; reference held */
  const otlpd_client_info *client; /* NULL when the receiver kept none; see otlpd_payload_client */
  /* The receiver's wait for durable writes (otlpd/durable.h): set only
   * during the receiver's consume() call, NULL otherwise. */
  struct otlpd_durable *durable;
  otlpd_raw raw;         /* in arena; n == 0 when the wire bytes were not kept */
  size_t accounted;      /* bytes charged to acct (arena footprint + struct) */
  otlpd_memacct *acct;   /* may be NULL */
} otlpd_payload;

/* Wrap a decoded request; takes ownership of arena. refs = 1. The arena's
 * footprint is charged to acct until the last reference goes. */
otlpd_payload *otlpd_payload_new(otlpd_signal s, otlpd_arena *arena,
                                 ProtobufCMessage *msg, otlpd_memacct *acct);
void otlpd_payload_ref(otlpd_payload *p);
void otlpd_payload_unref(otlpd_payload *p);
/* Charge what p's arena grew by since it was last charged. */
void otlpd_payload_recharge(otlpd_payload *p);
/* The client a payload's data came from (its own or its nearest
 * ancestor's); NULL when unknown. */
const otlpd_client_info *otlpd_payload_client(const otlpd_payload *p);
/* One include_metadata value of that client (key lower-case); NULL if absent. */
const char *otlpd_client_meta(const otlpd_client_info *c, const char *key);

/* Parallel arrays: resources[i] is kept alive by owners[i] (one reference
 * per entry) and holds counts[i] items; raw[i] is its original encoding
 * when known, so protobuf exporters copy it instead of re-encoding.
 * resources[] is laid out so that it can be the resource_* array of an
 * Export*ServiceRequest directly. Only the copy-on-write API below edits
 * entries; it clears raw[i] itself. */
typedef struct otlpd_batch {
  atomic_int refs;
  otlpd_signal signal;
  void **resources;          /* ResourceSpans* / ResourceMetrics* / ResourceLogs* */
  otlpd_payload **owners;
  size_t *counts;
  otlpd_slice *raw;
  size_t n, cap;
  size_t items; /* spans, metric data points or log records */
  otlpd_memacct *acct;
  /* Edit state (batch_edit.c). Only batches made by otlpd_batch_edit()
   * are editable; mine[i] != 0 once entry i's resource-level objects are
   * private to this batch (owners[i] is then a child payload that no other
   * batch references yet). Never carried over by add/append/take. */
  uint8_t *mine;
  bool editable;
} otlpd_batch;

otlpd_batch *otlpd_batch_new(otlpd_signal s, otlpd_memacct *acct);
/* The whole request as a batch (takes references on p). NULL on ENOMEM. */
otlpd_batch *otlpd_batch_from_payload(otlpd_payload *p);
void otlpd_batch_ref(otlpd_batch *b);
void otlpd_batch_unref(otlpd_batch *b);
static inline int otlpd_batch_refs(const otlpd_batch *b) { return atomic_load(&b->refs); }

/* Append one resource item owned by p (takes a reference on p).
 * items: its item count. 0 or -ENOMEM. */
int otlpd_batch_add(otlpd_batch *b, void *resource, otlpd_payload *p, size_t items);
/* The same with the item's original encoding (raw.p may be NULL). */
int otlpd_batch_add_raw(otlpd_batch *b, void *resource, otlpd_payload *p, size_t items, otlpd_slice raw);
/* Room for `need` more entries, so that as many adds cannot fail. */
int otlpd_batch_reserve(otlpd_batch *b, size_t need);
/* Append all of src's entries (takes references). 0 or -ENOMEM. */
int otlpd_batch_append(otlpd_batch *dst, const otlpd_batch *src);

/* Moves at most max_items items from the front of src into a new batch,
 * splitting a resource (shallow copies, never the spans themselves) when
 * it straddles the limit. src keeps the rest. NULL on ENOMEM. */
otlpd_batch *otlpd_batch_take(otlpd_batch *src, size_t max_items);

/* Item count of one resource-level item of the given signal. */
size_t otlpd_resource_items(otlpd_signal s, const void *resource);
/* Item count of a whole decoded Export*ServiceRequest. */
size_t otlpd_request_items(otlpd_signal s, const ProtobufCMessage *req);

/* Fill *req (storage of the right Export*ServiceRequest type) with
 * pointers into b, for encoding. No copies; valid while b is unchanged. */
typedef union otlpd_request_view {
  ProtobufCMessage base;
  otlp_trace_request traces;
  otlp_metrics_request metrics;
  otlp_logs_request logs;
} otlpd_request_view;
ProtobufCMessage *otlpd_batch_view(const otlpd_batch *b, otlpd_request_view *req);

/* ---- Copy-on-write editing (batch_edit.c) ----
 *
 * Only processors whose factory sets mutates_data may use these (asserted
 * in debug builds through the host). None edits what another batch can
 * see: each clones the level it hands out into a child payload owned by
 * that entry alone, whose arena also takes the caller's new values.
 *
 *   otlpd_batch *mine = otlpd_batch_edit(host, in);   // in: borrowed
 *   otlp_resource_spans *rs = otlpd_batch_mut_resource(mine, i);
 *   ... edit rs->resource's attributes (otlpd_batch_alloc for memory) ...
 *   rc = otlpd_consume(next, mine); otlpd_batch_unref(mine);
 */
struct otlpd_host;
/* A new editable batch over src's entries (references taken; nothing is
 * copied yet). NULL on ENOMEM. */
otlpd_batch *otlpd_batch_edit(const struct otlpd_host *h, const otlpd_batch *src);
/* Entry i's resource-level item, private to b: the Resource{Spans,
 * Metrics,Logs} struct, its Resource (created if absent) and its
 * attribute list (array, KeyValue and AnyValue structs). Scope structs
 * and everything below are still shared. Cloned once per entry; later
 * calls return the same object. NULL on ENOMEM. */
void *otlpd_batch_mut_resource(otlpd_batch *b, size_t i);
/* As mut_resource, plus a private scope array and private scope structs
 * (Scope{Spans,Metrics,Logs}, not their InstrumentationScope); the item
 * arrays they point to are still shared. Returns the resource item. */
void *otlpd_batch_mut_scopes(otlpd_batch *b, size_t i);
/* Scope j of entry i with a private item array and private item structs
 * (Span / LogRecord / Metric, shallow: their attribute lists, events,
 * data points are shared until otlpd_batch_own_attrs or a deeper call).
 * Returns the scope struct, or NULL on ENOMEM / bad index. */
void *otlpd_batch_mut_items(otlpd_batch *b, size_t i, size_t j);
/* Make the attribute list (*n, *kv) of an object already private to
 * entry i private too (array, KeyValue and AnyValue structs), unless it
 * is already. 0 or -ENOMEM. */
int otlpd_batch_own_attrs(otlpd_batch *b, size_t i, size_t *n, otlp_key_value ***kv);
/* Memory in entry i's child payload (mine[i] must be set), charged to the
 * accounting. Lives as long as the entry's data. NULL on ENOMEM. */
void *otlpd_batch_alloc(otlpd_batch *b, size_t i, size_t size);
char *otlpd_batch_strdup(otlpd_batch *b, size_t i, const char *s, size_t len);

/* Append b as one protobuf Export*ServiceRequest: entries with their
 * original encoding are copied as they came, the others are encoded.
 * 0 or -ENOMEM. */
struct otlpd_buf;
int otlpd_batch_encode_pb(const otlpd_batch *b, struct otlpd_buf *out);

#endif
