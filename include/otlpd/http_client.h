/* The shared HTTP client every network exporter sends through.
 *
 * libcurl's multi interface driven by the daemon's libuv loop: one client
 * serves many exporters; everything (send, completion, cancel, close) runs
 * on the loop thread. Name resolution happens on libcurl's resolver thread
 * (threaded resolver), never on the loop. The client reports what happened
 * (transport error or HTTP status, Retry-After, the response); retrying is
 * the caller's decision (collector/exporterhelper/).
 * See collector/httpclient/README.md. */
#ifndef OTLPD_HTTP_CLIENT_H
#define OTLPD_HTTP_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/buf.h"
#include "otlpd/data.h"
#include "otlpd/log.h"
#include "otlpd/settings.h"

struct otlpd_host;
struct otlpd_errors;

/* ---- settings (otelcol configtls client / confighttp client keys) ---- */

typedef struct otlpd_tls_client_cfg {
  char *ca_file;        /* PEM CA bundle to verify the server with (empty = system) */
  char *cert_file;      /* client certificate (mTLS) */
  char *key_file;       /* its key */
  bool insecure;        /* exporters: an endpoint without scheme uses http:// */
  bool insecure_skip_verify; /* do not verify the server's certificate or name */
  char *min_version;    /* "1.0".."1.3", default "1.2" */
  char *max_version;    /* "" = newest the library has */
  char *server_name_override; /* name to verify and send as SNI */
} otlpd_tls_client_cfg;

extern const otlpd_setting otlpd_tls_client_settings[];
/* Cross-field checks (versions known and ordered, cert and key together). */
int otlpd_tls_client_validate(const otlpd_tls_client_cfg *c, const char *path,
                              struct otlpd_errors *errs);

typedef enum {
  OTLPD_HTTP_COMPRESS_NONE = 0,
  OTLPD_HTTP_COMPRESS_GZIP,
  OTLPD_HTTP_COMPRESS_ZSTD,
} otlpd_http_compression;

/* confighttp ClientConfig, less `timeout` (the exporter helper owns it). */
typedef struct otlpd_http_client_cfg {
  char *endpoint;
  otlpd_strmap headers;
  char *compression;    /* "gzip" (default), "zstd", "none" or "" */
  otlpd_tls_client_cfg tls;
  struct {
    char *authenticator; /* auth::authenticator: an auth extension's id (include/otlpd/auth.h) */
  } auth;
} otlpd_http_client_cfg;

extern const otlpd_setting otlpd_http_client_settings[];
int otlpd_http_client_cfg_validate(const otlpd_http_client_cfg *c, const char *path,
                                   struct otlpd_errors *errs);
/* "gzip" -> GZIP, ...; -EINVAL for what otlpd cannot send. */
int otlpd_http_compression_parse(const char *s, otlpd_http_compression *out);

/* ---- the client ---- */

typedef struct otlpd_http_client otlpd_http_client;

typedef enum {
  OTLPD_HTTP_POST = 0,
  OTLPD_HTTP_PUT,
  OTLPD_HTTP_GET,
  OTLPD_HTTP_HEAD,
} otlpd_http_method;

/* Transport errors (otlpd_http_result.error). Anything else negative is
 * -EIO (other libcurl failure) or -ENOMEM. */
#define OTLPD_HTTP_E_REFUSED (-ECONNREFUSED) /* nobody listens / connect failed */
#define OTLPD_HTTP_E_TIMEOUT (-ETIMEDOUT)    /* timeout_ms passed */
#define OTLPD_HTTP_E_RESET (-ECONNRESET)     /* closed or reset before a full answer */
#define OTLPD_HTTP_E_TLS (-EPROTO)           /* handshake or verification failed */
#define OTLPD_HTTP_E_RESOLVE (-EHOSTUNREACH) /* name did not resolve */
#define OTLPD_HTTP_E_CANCELLED (-ECANCELED)  /* otlpd_http_cancel or client closed */
#define OTLPD_HTTP_E_REQUEST (-EINVAL)       /* bad URL / option: retrying cannot help */

#define OTLPD_HTTP_DEFAULT_BODY_LIMIT (64 * 1024)

typedef struct otlpd_http_result {
  int error;              /* 0 = an HTTP answer arrived; else OTLPD_HTTP_E_* */
  const char *error_text; /* libcurl's message ("Connection refused", ...), "" if none */
  long status;            /* HTTP status, 0 when error */
  int64_t retry_after_ms; /* parsed Retry-After, -1 if absent or unparsable */
  const char *body;       /* collected response body (NUL-terminated), not with on_body */
  size_t body_len;
  bool body_truncated;    /* the body passed body_limit; the rest was dropped */
  struct otlpd_http_xfer *xfer_; /* private: header lookup */
} otlpd_http_result;

/* A response header's value (first of that name, case-insensitive), or
 * NULL. Valid during the done callback only. */
const char *otlpd_http_result_header(const otlpd_http_result *r, const char *name);

typedef struct otlpd_http_req otlpd_http_req;
struct otlpd_http_req {
  /* Set by the caller; read at each otlpd_http_send(). */
  otlpd_http_method method;
  const char *url;                   /* http:// or https:// */
  const otlpd_strmap *headers;       /* config headers, may be NULL */
  const char *const *extra_headers;  /* "Name: value" strings, NULL-terminated, may be NULL */
  otlpd_http_compression compression;
  int compression_level;             /* 0: the codec's default (gzip 6, zstd 3) */
  int64_t timeout_ms;                /* whole transfer; 0 = none */
  const otlpd_tls_client_cfg *tls;   /* may be NULL (defaults) */
  bool h2c;                          /* http://: HTTP/2 with prior knowledge */
  size_t body_limit;                 /* 0 = OTLPD_HTTP_DEFAULT_BODY_LIMIT */
  otlpd_memacct *mem;                /* charged for the compressed copy; may be NULL */
  /* Streaming answer: when set, gets the response body as it arrives and
   * nothing is collected. Return 0 to go on, negative to abort the transfer
   * (done then sees that error). Must not call into the client. */
  int (*on_body)(otlpd_http_req *req, const char *p, size_t n);
  /* Called once per successful otlpd_http_send, on the loop. The request
   * may be freed, reused or resent from here. */
  void (*done)(otlpd_http_req *req, const otlpd_http_result *res);
  void *data;                        /* the caller's */

  /* Private. Zero-initialise the struct; use the functions below. */
  const void *body_;
  size_t body_len_;
  otlpd_buf packed_;                 /* compressed copy, reused across resends */
  otlpd_http_compression packed_kind_;
  bool packed_valid_;
  size_t charged_;
  struct otlpd_http_xfer *xfer_;     /* non-NULL while in flight */
};

/* The body is borrowed until done (and across resends). Invalidates the
 * compressed copy, so a rewritten buffer is compressed again. */
void otlpd_http_req_set_body(otlpd_http_req *req, const void *p, size_t len);
/* Frees the compressed copy (and releases its memory charge). Not while in flight. */
void otlpd_http_req_release(otlpd_http_req *req);
static inline bool otlpd_http_req_in_flight(const otlpd_http_req *req) { return req->xfer_ != NULL; }

otlpd_http_client *otlpd_http_client_new(uv_loop_t *loop, const otlpd_logger *log);
/* Starts the transfer. 0, or negative errno and done will not be called:
 * -EBUSY (already in flight), -ESHUTDOWN (client closing), -ENOMEM,
 * -EINVAL (no URL). The compressed copy is made here, on the loop. */
int otlpd_http_send(otlpd_http_client *c, otlpd_http_req *req);
/* Stops an in-flight request: done is called once, now, with
 * OTLPD_HTTP_E_CANCELLED. No-op when not in flight. Not from on_body. */
void otlpd_http_cancel(otlpd_http_req *req);
/* Number of requests in flight. */
size_t otlpd_http_client_active(const otlpd_http_client *c);
/* Cancels what is in flight (done is called), closes connections and
 * handles; closed(arg) runs once everything is freed. */
void otlpd_http_client_close(otlpd_http_client *c, void (*closed)(void *), void *arg);

/* The daemon's one client, created on first use (so a daemon without
 * network exporters never initialises libcurl). NULL on failure. */
otlpd_http_client *otlpd_http_shared(const struct otlpd_host *h);

/* Retry-After value (delay-seconds or an HTTP-date) as milliseconds from
 * now; dates in the past give 0; -1 if it is neither. */
int64_t otlpd_retry_after_ms(const char *value, int64_t now_unix_sec);

#endif
