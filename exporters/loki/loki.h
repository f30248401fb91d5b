/* loki exporter: OTLP logs to Grafana Loki's push API
 * (POST /loki/api/v1/push), protobuf + snappy or JSON, with client-side
 * control of stream labels.
 *
 * Files of this folder:
 *   loki_config.c    settings table (confighttp + exporterhelper squashed in)
 *   loki_labels.c    label names (sanitising) and label sets (sorted, escaped)
 *   loki_value.c     attribute values as label text, plain JSON and logfmt
 *   loki_collect.c   a batch into entries grouped per (tenant, stream)
 *   loki_encode.c    one tenant's push: logproto.PushRequest + snappy, or JSON
 *   loki_send.c      one attempt: a push per tenant, what Loki's answer means
 *   loki_exporter.c  the factory and lifecycle
 *
 * Threads: all on the loop. Scratch buffers live in the exporter and are
 * reused by every batch (encoding happens within send(), one at a time). */
#ifndef OTLPD_LOKI_H
#define OTLPD_LOKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"
#include "otlpd/exporterhelper.h"
#include "otlpd/http_client.h"

typedef enum { LOKI_ENC_PROTOBUF = 0, LOKI_ENC_JSON = 1 } loki_encoding;
typedef enum { LOKI_LINE_RAW = 0, LOKI_LINE_JSON = 1, LOKI_LINE_LOGFMT = 2 } loki_line_format;

typedef struct loki_cfg {
  otlpd_http_client_cfg http;   /* endpoint, headers, compression (json only), tls */
  otlpd_exphelper_cfg helper;   /* timeout, retry_on_failure, sending_queue */
  char *tenant_id;              /* static X-Scope-OrgID */
  struct {
    char *source_attribute;     /* resource attribute naming the tenant */
  } tenant;
  struct {
    struct {
      char *username, *password;
    } basic;
    char *bearer_token;
  } auth;
  int encoding;                 /* loki_encoding */
  int line_format;              /* loki_line_format */
  struct {
    otlpd_strings resource_attributes; /* empty: Loki 3's defaults (less two) */
    otlpd_strings attributes;          /* log-record attributes made labels */
  } labels;
  bool structured_metadata;
} loki_cfg;

extern const otlpd_setting loki_settings[];
int loki_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
/* The resource attributes that become labels when none are configured. */
extern const char *const loki_default_resource_labels[];

/* ---- labels (loki_labels.c) ---- */

/* Appends name as a valid Loki label name: [a-zA-Z_][a-zA-Z0-9_]*, any
 * other byte (dots included) becomes '_', a leading digit gets a '_'
 * before it. 0 or -ENOMEM. */
int loki_label_name(otlpd_buf *b, const char *name, size_t n);
/* Appends v quoted as Loki (Go's strconv.Quote) writes a label value. */
int loki_label_value(otlpd_buf *b, const char *v, size_t n);

#define LOKI_MAX_LABELS 64

/* A label set being built: names and values are offsets into text. */
typedef struct loki_label {
  uint32_t name, name_len, value, value_len;
} loki_label;

typedef struct loki_labels {
  loki_label v[LOKI_MAX_LABELS];
  size_t n;
  otlpd_buf text;
} loki_labels;

static inline void loki_labels_clear(loki_labels *l) {
  l->n = 0;
  otlpd_buf_clear(&l->text);
}
/* Adds (sanitised name, value); a later value for the same name replaces
 * the earlier one. Labels past LOKI_MAX_LABELS are left out. 0 or -ENOMEM. */
int loki_labels_add(loki_labels *l, const char *name, size_t name_len, const char *value,
                    size_t value_len);
/* Appends {a="b", c="d"} sorted by name (l itself keeps its order). */
int loki_labels_render(const loki_labels *l, otlpd_buf *out);
void loki_labels_free(loki_labels *l);

/* ---- values (loki_value.c) ---- */

struct Opentelemetry__Proto__Common__V1__AnyValue;
/* As text: strings as they are, numbers and bools as written in JSON,
 * bytes as base64, arrays and maps as JSON. */
int loki_value_text(otlpd_buf *b, const struct Opentelemetry__Proto__Common__V1__AnyValue *v);
/* As a plain JSON value (not OTLP-JSON's typed form). */
int loki_value_json(otlpd_buf *b, const struct Opentelemetry__Proto__Common__V1__AnyValue *v);
/* As a logfmt value (quoted when it must be). */
int loki_value_logfmt(otlpd_buf *b, const struct Opentelemetry__Proto__Common__V1__AnyValue *v);

/* ---- collected entries (loki_collect.c) ---- */

/* One log record. Bytes are offsets into loki_work.data. Structured
 * metadata: the record's own (sm) and its resource's (rsm, shared by its
 * records); protobuf pushes keep them encoded as EntryAdapter fields, JSON
 * pushes as pairs [u32 name_len][name][u32 len][value]. */
typedef struct loki_entry {
  int64_t ts_ns;
  uint32_t stream; /* index into loki_work.streams */
  uint32_t seq;    /* arrival order: equal timestamps keep it */
  uint32_t line, line_len;
  uint32_t sm, sm_len;
  uint32_t rsm, rsm_len;
  uint32_t pb_len; /* encoded EntryAdapter size (loki_encode_pb's own) */
} loki_entry;

typedef struct loki_stream {
  uint32_t tenant;          /* index into loki_work.tenants */
  uint32_t labels, labels_len; /* rendered {..} in loki_work.data */
  uint32_t jlabels, jlabels_len; /* as a JSON object (JSON encoding only) */
  uint64_t hash;
  uint32_t first, count;    /* its entries after sorting */
  size_t pb_len;            /* encoded StreamAdapter size (loki_encode_pb's own) */
} loki_stream;

typedef struct loki_tenant {
  uint32_t name, name_len;  /* in loki_work.data; len 0 = none (no header) */
  uint32_t entries;
} loki_tenant;

/* Scratch of one batch, reused: cleared, never freed, between batches. */
typedef struct loki_work {
  loki_entry *entries;
  size_t n_entries, cap_entries;
  loki_stream *streams;
  size_t n_streams, cap_streams;
  uint32_t *slots;          /* open-addressed stream index: stream + 1, 0 = empty */
  size_t n_slots;
  loki_tenant *tenants;
  size_t n_tenants, cap_tenants;
  otlpd_buf data;
  loki_labels labels;
  otlpd_buf scratch;        /* one label set while rendering; pb bodies */
  otlpd_buf tmp;            /* one value's text */
  bool json;                /* also render labels as JSON objects */
} loki_work;

struct otlpd_batch;
/* Fills w from batch b (w is cleared first) and sorts the entries by
 * (stream, timestamp, arrival). 0 or -ENOMEM. */
int loki_collect(const loki_cfg *cfg, const struct otlpd_batch *b, loki_work *w);
/* Sorts w's entries and sets each stream's first/count. */
void loki_sort(loki_work *w);
void loki_work_free(loki_work *w);

/* ---- encoding (loki_encode.c) ---- */

/* Appends the push of one tenant's streams: logproto.PushRequest
 * snappy-compressed (w->scratch holds the uncompressed bytes) or Loki's
 * JSON. 0 or -ENOMEM. */
int loki_encode_pb(loki_work *w, uint32_t tenant, otlpd_buf *out);
int loki_encode_json(loki_work *w, uint32_t tenant, otlpd_buf *out);

/* ---- the exporter ---- */

/* One push of an attempt: a tenant's part of the batch. */
typedef struct loki_push {
  otlpd_http_req http;
  struct loki_attempt *attempt;
  size_t body_off, body_len; /* in the send request's body */
  size_t entries;
  const char *headers[6];    /* Content-Type, User-Agent, auth, tenant, NULL */
  char *tenant_header;       /* "X-Scope-OrgID: t" */
  int state;                 /* loki_push_state */
  int64_t retry_after_ns;
  size_t rejected;
  char message[256];
} loki_push;

typedef struct loki_exporter {
  const otlpd_host *host;
  const loki_cfg *cfg;
  otlpd_http_client *client;
  otlpd_sender *sender;
  otlpd_http_compression compression;
  char *auth_header;        /* "Authorization: ..." or NULL */
  struct otlpd_auth *auth;  /* auth::authenticator (its header asked again before each push), or NULL */
  loki_work work;
} loki_exporter;

extern const otlpd_sender_ops loki_sender_ops;

/* What Loki's answer to one push means. */
typedef enum { LOKI_ACCEPTED = 0, LOKI_RETRYABLE, LOKI_REJECTED, LOKI_PERMANENT } loki_verdict;
/* 2xx accepted; 429 and 5xx retryable; 400 rejected (bad entries, never
 * retried); anything else (401, 403, 404, 413...) permanent. */
loki_verdict loki_status_verdict(long status);
/* From a 400's text ("... total ignored: 3 out of 10"): how many entries
 * Loki refused; `entries` when it does not say. */
size_t loki_ignored_count(const char *body, size_t len, size_t entries);

#endif
