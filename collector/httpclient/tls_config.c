/* TLS client settings with otelcol configtls's key names and defaults. */
#include <string.h>

#include "otlpd/config.h"
#include "otlpd/http_client.h"
#include "http_internal.h"

const otlpd_setting otlpd_tls_client_settings[] = {
    OTLPD_S_STRING(otlpd_tls_client_cfg, "ca_file", ca_file, NULL,
                   "PEM CA certificates to verify the server (empty = the system's)"),
    OTLPD_S_STRING(otlpd_tls_client_cfg, "cert_file", cert_file, NULL,
                   "client certificate for mutual TLS (needs key_file)"),
    OTLPD_S_STRING(otlpd_tls_client_cfg, "key_file", key_file, NULL,
                   "client key for mutual TLS (needs cert_file)"),
    OTLPD_S_BOOL(otlpd_tls_client_cfg, "insecure", insecure, "false",
                 "an endpoint without scheme is reached over plain http (an https:// URL still uses TLS)"),
    OTLPD_S_BOOL(otlpd_tls_client_cfg, "insecure_skip_verify", insecure_skip_verify, "false",
                 "do not verify the server's certificate and name (testing only)"),
    OTLPD_S_STRING(otlpd_tls_client_cfg, "min_version", min_version, "1.2",
                   "oldest TLS version to accept: 1.0, 1.1, 1.2 or 1.3"),
    OTLPD_S_STRING(otlpd_tls_client_cfg, "max_version", max_version, NULL,
                   "newest TLS version to offer (empty = newest available)"),
    OTLPD_S_STRING(otlpd_tls_client_cfg, "server_name_override", server_name_override, NULL,
                   "name sent as SNI and verified in the certificate instead of the endpoint's host"),
    OTLPD_S_IGNORED("ca_pem", "not supported: use ca_file"),
    OTLPD_S_IGNORED("include_system_ca_certs_pool", "accepted; libcurl uses ca_file alone when set"),
    OTLPD_S_IGNORED("reload_interval", "accepted; files are read at each new connection"),
    OTLPD_S_IGNORED("cipher_suites", "accepted; OpenSSL's defaults are used"),
    OTLPD_S_END,
};

/* "1.0".."1.3" -> 10..13; "" or NULL -> 0; unknown -> -1. */
int otlpd_tls_version_parse(const char *s) {
  if (!s || !*s) return 0;
  static const char *const v[] = {"1.0", "1.1", "1.2", "1.3"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, v[i]) == 0) return 10 + i;
  return -1;
}

static bool set(const char *s) { return s && *s; }

int otlpd_tls_client_validate(const otlpd_tls_client_cfg *c, const char *path,
                              otlpd_errors *errs) {
  size_t before = errs->n;
  int lo = otlpd_tls_version_parse(c->min_version), hi = otlpd_tls_version_parse(c->max_version);
  if (lo < 0)
    otlpd_errorf(errs, "%s::min_version: \"%s\" is not one of 1.0, 1.1, 1.2, 1.3", path,
                 c->min_version);
  if (hi < 0)
    otlpd_errorf(errs, "%s::max_version: \"%s\" is not one of 1.0, 1.1, 1.2, 1.3", path,
                 c->max_version);
  if (lo > 0 && hi > 0 && hi < lo)
    otlpd_errorf(errs, "%s::max_version: %s is older than min_version %s", path, c->max_version,
                 c->min_version);
  if (set(c->cert_file) != set(c->key_file))
    otlpd_errorf(errs, "%s: cert_file and key_file must be set together", path);
  return errs->n > before ? -EINVAL : 0;
}
