/* auth::authenticator on both transports: the extension is found at
 * create, and each request's headers are checked before its body is
 * decoded. Runs on the loop (HTTP) and on the gRPC thread. */
#include <errno.h>
#include <time.h>

#include "otlp_receiver.h"

#define REFUSALS_LOGGED_PER_SECOND 5

static const char *const transport_name[] = {"http", "grpc"};

static int resolve_one(otlp_receiver *r, otlp_transport t, const char *id) {
  if (!id || !*id) return 0;
  otlpd_auth *a = r->host->auth ? r->host->auth(r->host, id) : NULL;
  if (!a || !a->authenticate) {
    otlpd_error(&r->host->log, "protocols::%s::auth::authenticator: \"%s\" %s", transport_name[t], id,
                a ? "is configured for clients only (client_auth); it cannot check requests"
                  : "is not an enabled authenticator extension");
    return -EINVAL;
  }
  r->auth.ext[t] = a;
  otlpd_info(&r->host->log, "%s: requests authenticated by %s", transport_name[t], id);
  return 0;
}

int otlp_auth_resolve(otlp_receiver *r) {
  const otlp_receiver_cfg *c = r->cfg;
  int rc = 0;
  if (c->protocols.has_http) rc = resolve_one(r, OTLP_TRANSPORT_HTTP, c->protocols.http.auth.authenticator);
  if (rc == 0 && c->protocols.has_grpc) rc = resolve_one(r, OTLP_TRANSPORT_GRPC, c->protocols.grpc.auth.authenticator);
  return rc;
}

/* At most a few lines a second whatever a client sends; the count of the
 * lines left out is reported with the next window's first. */
void otlp_auth_log_refusal(otlp_receiver *r, otlp_transport t, const char *peer, int rc) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t)ts.tv_sec, was = atomic_load(&r->auth.log_second);
  if (now != was && atomic_compare_exchange_strong(&r->auth.log_second, &was, now)) {
    unsigned dropped = atomic_exchange(&r->auth.log_dropped, 0);
    atomic_store(&r->auth.log_count, 0);
    if (dropped) otlpd_warn(&r->host->log, "%u more unauthenticated requests not logged", dropped);
  }
  if (atomic_fetch_add(&r->auth.log_count, 1) >= REFUSALS_LOGGED_PER_SECOND) {
    atomic_fetch_add(&r->auth.log_dropped, 1);
    return;
  }
  otlpd_warn(&r->host->log, "%s request from %s refused: %s", transport_name[t], peer && *peer ? peer : "?",
             rc == -EACCES ? "missing or wrong credentials" : "credentials could not be checked");
}
