/* TLS server contexts of both OTLP receivers, and their reload.
 *
 * tls_ctx.c builds an SSL_CTX from tls:: (files, versions, ciphers,
 * client CA); the receiver's hook adds its ALPN. tls_reload.c owns the
 * context in force: with reload_interval set, a libuv timer (unref'd, so
 * it never keeps the loop alive) stats the files and, when one changed,
 * builds a new context. Only a context that loaded fully replaces the
 * old one, for new connections; connections already open hold a
 * reference to theirs (OpenSSL refcounts SSL_CTX). Loop thread only. */
#ifndef OTLPD_OTLP_TLS_SERVER_H
#define OTLPD_OTLP_TLS_SERVER_H

#include <stdint.h>
#include <sys/stat.h>
#include <uv.h>
#include <openssl/ssl.h>

#include "otlp_receiver.h"

/* Receiver-specific setup of a fresh context (ALPN). 0 or negative errno. */
typedef int (*otlp_tls_ctx_hook)(SSL_CTX *ctx);

/* A context from t; who ("http", "grpc") prefixes the logged error, which
 * names the file that failed. 0 or -EINVAL (logged). */
int otlp_tls_ctx_build(const otlp_tls_cfg *t, const char *who, const otlpd_logger *log, otlp_tls_ctx_hook hook,
                       SSL_CTX **out);

/* What is known of one watched file: a change of any field is a change. */
typedef struct otlp_tls_stamp {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  int err; /* errno of a failed stat, 0 when stat worked */
} otlp_tls_stamp;

#define OTLP_TLS_FILES 4 /* cert_file, key_file, ca_file, client_ca_file */

typedef struct otlp_tls_reload {
  uv_timer_t timer;
  const otlp_tls_cfg *cfg;
  const char *who;
  const otlpd_logger *log;
  otlp_tls_ctx_hook hook;
  SSL_CTX *ctx;                          /* in force for new connections */
  otlp_tls_stamp loaded[OTLP_TLS_FILES]; /* the files ctx was built from */
  otlp_tls_stamp failed[OTLP_TLS_FILES]; /* the files a failed build saw */
  bool has_failed, timer_on;
  uint64_t reloads, failures;
  otlpd_counters *counters; /* the receiver's (tls_reloads, tls_reload_failures); may be NULL */
} otlp_tls_reload;

/* Builds the first context (an error fails start) and, with interval_ns
 * > 0, starts watching. 0 or negative errno; *out NULL on error. */
int otlp_tls_reload_start(uv_loop_t *loop, const otlp_tls_cfg *t, int64_t interval_ns, const char *who,
                          const otlpd_logger *log, otlp_tls_ctx_hook hook, otlpd_counters *counters,
                          otlp_tls_reload **out);
/* The context for a connection accepted now (SSL_new takes its own ref). */
static inline SSL_CTX *otlp_tls_reload_ctx(const otlp_tls_reload *r) { return r->ctx; }
/* Compares the files with what is in force and reloads when they changed.
 * The timer calls it; tests may too. 1: reloaded, 0: nothing to do,
 * negative errno: the new files did not load (old context kept). */
int otlp_tls_reload_check(otlp_tls_reload *r);
/* Stops watching and drops our context reference; the state is freed
 * once the timer has closed (at once without a timer). NULL is a no-op. */
void otlp_tls_reload_stop(otlp_tls_reload *r);

#endif
