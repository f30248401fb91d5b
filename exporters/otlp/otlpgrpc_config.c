/* otlp (gRPC) exporter settings: otelcol's configgrpc client keys and
 * defaults, with the TLS client table and the exporter helper's squashed
 * in as otelcol does. */
#include <stdlib.h>
#include <string.h>

#include "otlpgrpc.h"
#include "otlpd/config.h"

static const otlpd_setting keepalive_settings[] = {
    OTLPD_S_DURATION(otlpgrpc_keepalive_cfg, "time", time, "10s",
                     "ping the server after this long without activity"),
    OTLPD_S_DURATION(otlpgrpc_keepalive_cfg, "timeout", timeout, "10s",
                     "close the connection when a ping is not answered within this"),
    OTLPD_S_BOOL(otlpgrpc_keepalive_cfg, "permit_without_stream", permit_without_stream, "false",
                 "ping also when no call is open"),
    OTLPD_S_END,
};

static const otlpd_setting auth_settings[] = {
    OTLPD_S_STRING(otlpgrpc_auth_cfg, "authenticator", authenticator, NULL,
                   "id of an enabled authenticator extension whose header every call carries (asked again before each call)"),
    OTLPD_S_END,
};

const otlpd_setting otlpgrpc_settings[] = {
    OTLPD_S_STRING(otlpgrpc_cfg, "endpoint", endpoint, NULL,
                   "host:port of the backend (gRPC naming: dns:///host:port, unix:/path; "
                   "http:// means plaintext, https:// TLS)"),
    OTLPD_S_SECTION(otlpgrpc_cfg, "tls", tls, otlpd_tls_client_settings,
                    "TLS client settings (configtls); tls::insecure: true for plaintext"),
    OTLPD_S_MAP(otlpgrpc_cfg, "headers", headers, "metadata sent with every call"),
    OTLPD_S_STRING(otlpgrpc_cfg, "compression", compression, "gzip",
                   "message compression: gzip or none (gRPC core has no zstd)"),
    OTLPD_S_STRING(otlpgrpc_cfg, "balancer_name", balancer_name, "round_robin",
                   "load balancing over the endpoint's addresses: round_robin or pick_first"),
    OTLPD_S_STRING(otlpgrpc_cfg, "authority", authority, NULL,
                   ":authority of the calls (empty = from the endpoint)"),
    OTLPD_S_SECTION(otlpgrpc_cfg, "keepalive", keepalive, keepalive_settings,
                    "HTTP/2 keepalive pings"),
    OTLPD_S_SECTION(otlpgrpc_cfg, "auth", auth, auth_settings,
                    "client authentication (bearertokenauth, basicauth)"),
    OTLPD_S_SIZE(otlpgrpc_cfg, "write_buffer_size", write_buffer_size, "512KiB",
                 "HTTP/2 write buffer (grpc.http2.write_buffer_size)"),
    OTLPD_S_SIZE(otlpgrpc_cfg, "read_buffer_size", read_buffer_size, NULL,
                 "accepted; gRPC core sizes its read buffers"),
    OTLPD_S_BOOL(otlpgrpc_cfg, "wait_for_ready", wait_for_ready, "false",
                 "a call waits for a connection (until its timeout) instead of failing at once"),
    OTLPD_S_IGNORED("per_rpc_auth", "deprecated in otelcol; use headers"),
    OTLPD_S_SQUASH(otlpgrpc_cfg, helper, otlpd_exphelper_settings),
    OTLPD_S_END,
};

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

char *otlpgrpc_target(const otlpgrpc_cfg *c, bool *plaintext) {
  const char *ep = c->endpoint ? c->endpoint : "";
  *plaintext = c->tls.insecure;
  /* configgrpc: an http:// endpoint is plaintext, https:// is TLS; the
   * scheme itself is not part of a gRPC target. */
  if (has_prefix(ep, "http://")) {
    *plaintext = true;
    ep += 7;
  } else if (has_prefix(ep, "https://")) {
    ep += 8;
  }
  char *t = strdup(ep);
  if (!t) return NULL;
  size_t n = strlen(t);
  while (n && t[n - 1] == '/' && !has_prefix(t, "unix:")) t[--n] = 0;
  return t;
}

static void check_headers(const otlpgrpc_cfg *c, const char *path, otlpd_errors *errs) {
  for (size_t i = 0; i < c->headers.n; i++) {
    const char *k = c->headers.keys[i];
    bool ok = *k && k[0] != ':';
    for (const char *p = k; *p && ok; p++)
      ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '-' || *p == '_' || *p == '.';
    if (!ok)
      otlpd_errorf(errs, "%s::headers::%s: not a valid gRPC metadata key (letters, digits, - _ .)",
                   path, k);
    else if (strncmp(k, "grpc-", 5) == 0)
      otlpd_errorf(errs, "%s::headers::%s: grpc- keys are reserved for gRPC itself", path, k);
  }
}

static void check_tls(const otlpgrpc_cfg *c, const char *path, otlpd_errors *errs) {
  otlpd_tls_client_validate(&c->tls, path, errs);
  /* gRPC core's TLS credentials negotiate TLS 1.2 or 1.3 and cannot pin
   * a floor of 1.3 or a ceiling: refuse what cannot be honoured. */
  if (c->tls.min_version && strcmp(c->tls.min_version, "1.3") == 0)
    otlpd_errorf(errs, "%s::tls::min_version: 1.3 cannot be enforced by the gRPC client (it "
                 "negotiates 1.2 or 1.3); use 1.2", path);
  if (c->tls.max_version && *c->tls.max_version)
    otlpd_errorf(errs, "%s::tls::max_version: not supported by the gRPC client", path);
}

int otlpgrpc_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlpgrpc_cfg *c = config;
  size_t before = errs->n;
  if (!c->endpoint || !*c->endpoint)
    otlpd_errorf(errs, "%s::endpoint: must be set (host:port)", path);
  const char *comp = c->compression ? c->compression : "";
  if (strcmp(comp, "zstd") == 0)
    otlpd_errorf(errs, "%s::compression: zstd is not available in gRPC core (use gzip or none, "
                 "or the otlphttp exporter for zstd)", path);
  else if (*comp && strcmp(comp, "gzip") && strcmp(comp, "none"))
    otlpd_errorf(errs, "%s::compression: \"%s\" is not one of gzip, none", path, comp);
  const char *lb = c->balancer_name ? c->balancer_name : "";
  if (*lb && strcmp(lb, "round_robin") && strcmp(lb, "pick_first"))
    otlpd_errorf(errs, "%s::balancer_name: \"%s\" is not one of round_robin, pick_first", path, lb);
  if (c->keepalive.time < 0 || c->keepalive.timeout < 0)
    otlpd_errorf(errs, "%s::keepalive: durations must not be negative", path);
  check_headers(c, path, errs);
  check_tls(c, path, errs);
  otlpd_exphelper_validate(&c->helper, path, errs);
  return errs->n > before ? -EINVAL : 0;
}
