/* Authenticator extensions (bearertokenauth, basicauth) as receivers and
 * exporters see them through auth::authenticator.
 *
 * The state of such an extension begins with an otlpd_auth, so the daemon
 * hands it out by id (otlpd_host.auth), as storage extensions are.
 *  - server side: authenticate() checks a request's headers (HTTP) or
 *    initial metadata (gRPC) before its body is decoded. It may run on the
 *    loop and on the gRPC receiver's thread at once: implementations guard
 *    their mutable state (token file, credential cache) with their own
 *    mutex, the one documented hand-off of each extension.
 *  - client side: client_header() gives the header an exporter adds to each
 *    request (loop thread, or an exporter's sender thread under its lock).
 * Secrets are compared in constant time and never logged. */
#ifndef OTLPD_AUTH_H
#define OTLPD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A request's headers, looked up by lower-case name. */
typedef struct otlpd_auth_src {
  /* The first value of header `name`, not NUL-terminated (*len), or NULL. */
  const char *(*header)(const void *ctx, const char *name, size_t *len);
  const void *ctx;
} otlpd_auth_src;

#define OTLPD_AUTH_SUBJECT_MAX 128
/* begin(): the check must go on in finish(), off the caller's thread. */
#define OTLPD_AUTH_SLOW 1
/* Room for one "Name: value" client header line. */
#define OTLPD_AUTH_LINE_MAX 8192

typedef struct otlpd_auth otlpd_auth;
struct otlpd_auth {
  const char *type; /* "bearertokenauth", "basicauth" */
  /* Server side, NULL when the extension is configured for clients only.
   * 0: authenticated, subject holds who ("" when the scheme names nobody);
   * -EACCES: missing or wrong credentials; other negative errno: could
   * not check (a token file unreadable): refused as well. */
  int (*authenticate)(otlpd_auth *a, const otlpd_auth_src *src, char *subject, size_t n);
  /* Optional split of authenticate() for checks too slow for an event
   * loop or the gRPC thread (bcrypt). begin() decides what the headers
   * alone decide (0 or -EACCES as authenticate, e.g. a cached success), or
   * returns OTLPD_AUTH_SLOW with *work holding a copy of what the slow part
   * needs (src is not used after begin returns). finish() does the slow
   * part on any thread and frees work: 0 (subject filled) or -EACCES.
   * abandon() frees a work that will not be finished. */
  int (*begin)(otlpd_auth *a, const otlpd_auth_src *src, char *subject, size_t n, void **work);
  int (*finish)(otlpd_auth *a, void *work, char *subject, size_t n);
  void (*abandon)(otlpd_auth *a, void *work);
  /* WWW-Authenticate value of a 401 ("Bearer", "Basic realm=...") */
  const char *challenge;
  /* Client side, NULL when configured for servers only. Writes one
   * "Name: value" line (NUL-terminated) into line. 0 or negative errno. */
  int (*client_header)(otlpd_auth *a, char *line, size_t n);
};

/* Extension types whose state begins with an otlpd_auth. */
static inline bool otlpd_auth_type(const char *type) {
  return type && (!strcmp(type, "bearertokenauth") || !strcmp(type, "basicauth"));
}

/* The client_header line split for gRPC metadata: lower-cased key and
 * value pointers into line (modified in place). 0 or -EINVAL. */
int otlpd_auth_split_line(char *line, const char **key, const char **value);

/* validate_refs helper: `id` (may be NULL = nothing configured) must name
 * an authenticator extension enabled in service::extensions. key is the
 * setting's path below `path` ("auth::authenticator"). */
struct otlpd_config;
struct otlpd_errors;
int otlpd_auth_validate_ref(const char *id, const char *path, const char *key, const struct otlpd_config *cfg,
                            struct otlpd_errors *errs);

/* Exporters at create: the client-side extension `id` names (NULL id:
 * *out = NULL, nothing configured). 0, or -EINVAL logged to log when it
 * is not an enabled authenticator or cannot authenticate clients. */
struct otlpd_host;
int otlpd_auth_client_resolve(const struct otlpd_host *h, const char *id, otlpd_auth **out);

/* A malloc'ed copy of a's client header line, for exporters that build
 * their header list once at start. 0 or negative errno (logged to h). */
int otlpd_auth_client_line(const struct otlpd_host *h, otlpd_auth *a, char **out);

/* Before each request: rewrites line (from otlpd_auth_client_line) with
 * a's header as of now, so a rotated token file is picked up by later
 * requests. Keeps the header it had when the extension gives none. */
void otlpd_auth_client_refresh(otlpd_auth *a, char *line);

/* Secrets compared without a length or content timing leak (SHA-256 of
 * both, then a constant-time compare). Any thread. */
bool otlpd_auth_secret_eq(const char *a, size_t alen, const char *b, size_t blen);

#endif
