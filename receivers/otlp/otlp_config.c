/* otlp receiver settings, with otelcol's key names and defaults. */
#include <errno.h>
#include <stddef.h>

#include "otlp_receiver.h"
#include "otlpd/config.h"

static const otlpd_setting tls_settings[] = {
    OTLPD_S_STRING(otlp_tls_cfg, "cert_file", cert_file, NULL, "server certificate (PEM)"),
    OTLPD_S_STRING(otlp_tls_cfg, "key_file", key_file, NULL, "server private key (PEM)"),
    OTLPD_S_STRING(otlp_tls_cfg, "client_ca_file", client_ca_file, NULL,
                   "CA bundle to verify client certificates (mTLS)"),
    OTLPD_S_STRING(otlp_tls_cfg, "ca_file", ca_file, NULL, "CA bundle"),
    OTLPD_S_STRING(otlp_tls_cfg, "min_version", min_version, "1.2", "lowest TLS version"),
    OTLPD_S_STRING(otlp_tls_cfg, "max_version", max_version, NULL, "highest TLS version"),
    OTLPD_S_STRINGS(otlp_tls_cfg, "cipher_suites", cipher_suites,
                    "TLS 1.2 cipher suites allowed (IANA names); empty: OpenSSL's defaults"),
    OTLPD_S_DURATION(otlp_tls_cfg, "reload_interval", reload_interval, "0",
                     "how often the certificate, key and CA files are checked for changes (0 = never)"),
    OTLPD_S_IGNORED("cipher_suites", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

static const otlpd_setting cors_settings[] = {
    OTLPD_S_STRINGS(otlp_cors_cfg, "allowed_origins", allowed_origins,
                    "origins allowed to POST from browsers (\"*\" or wildcards like https://*.example.com)"),
    OTLPD_S_STRINGS(otlp_cors_cfg, "allowed_headers", allowed_headers,
                    "extra request headers allowed in CORS requests"),
    OTLPD_S_INT(otlp_cors_cfg, "max_age", max_age, "0", 0, 86400 * 7,
                "seconds browsers may cache a preflight answer (0 = not sent)"),
    OTLPD_S_END,
};

static const otlpd_setting auth_settings[] = {
    OTLPD_S_STRING(otlp_auth_cfg, "authenticator", authenticator, NULL,
                   "id of an enabled authenticator extension (bearertokenauth/x, basicauth/x)"),
    OTLPD_S_END,
};

static const otlpd_setting otlp_http_settings[] = {
    OTLPD_S_ENDPOINT(otlp_http_cfg, "endpoint", endpoint, "localhost:4318", "address to listen on"),
    OTLPD_S_SIZE(otlp_http_cfg, "max_request_body_size", max_request_body_size, "20971520",
                 "largest request body accepted, compressed and decompressed"),
    OTLPD_S_STRING(otlp_http_cfg, "traces_url_path", traces_url_path, "/v1/traces", "path for traces"),
    OTLPD_S_STRING(otlp_http_cfg, "metrics_url_path", metrics_url_path, "/v1/metrics", "path for metrics"),
    OTLPD_S_STRING(otlp_http_cfg, "logs_url_path", logs_url_path, "/v1/logs", "path for logs"),
    OTLPD_S_BOOL(otlp_http_cfg, "include_metadata", include_metadata, "false",
                 "keep the request headers with the data (batch metadata_keys, exporters)"),
    OTLPD_S_SECTION(otlp_http_cfg, "cors", cors, cors_settings, "CORS for browser SDKs"),
    OTLPD_S_SECTION_P(otlp_http_cfg, "tls", tls, has_tls, tls_settings, "serve HTTPS"),
    OTLPD_S_SECTION(otlp_http_cfg, "auth", auth, auth_settings,
                    "authenticate requests (401 before the body is decoded)"),
    OTLPD_S_DURATION(otlp_http_cfg, "read_header_timeout", read_header_timeout, "1m",
                     "time to receive a request's headers (0 = none; HTTP/1: see README)"),
    OTLPD_S_DURATION(otlp_http_cfg, "read_timeout", read_timeout, "0s",
                     "time to receive a whole request, body included (0 = none; HTTP/1 only)"),
    OTLPD_S_DURATION(otlp_http_cfg, "write_timeout", write_timeout, "30s",
                     "bounds the TLS handshake only (h2o 2.2.5 has no response write timeout)"),
    OTLPD_S_DURATION(otlp_http_cfg, "idle_timeout", idle_timeout, "1m",
                     "close a keep-alive connection idle this long (0 = read_timeout, or none)"),
    OTLPD_S_INT(otlp_http_cfg, "max_connections", max_connections, "0", 0, 1e7,
                "otlpd only: open connections at most; more are closed at once (0 = unlimited)"),
    OTLPD_S_IGNORED("compression_algorithms", "accepted for otelcol compatibility"),
    OTLPD_S_IGNORED("response_headers", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

static const otlpd_setting server_params_settings[] = {
    OTLPD_S_DURATION(otlp_keepalive_server_cfg, "max_connection_idle", max_connection_idle, NULL,
                     "close connections idle this long (unset = never)"),
    OTLPD_S_DURATION(otlp_keepalive_server_cfg, "max_connection_age", max_connection_age, NULL,
                     "close connections older than this (unset = never)"),
    OTLPD_S_DURATION(otlp_keepalive_server_cfg, "max_connection_age_grace", max_connection_age_grace, NULL,
                     "grace for in-flight calls after max age"),
    OTLPD_S_DURATION(otlp_keepalive_server_cfg, "time", time, "2h", "ping an idle client after this long"),
    OTLPD_S_DURATION(otlp_keepalive_server_cfg, "timeout", timeout, "20s", "wait this long for a ping answer"),
    OTLPD_S_END,
};

static const otlpd_setting enforcement_settings[] = {
    OTLPD_S_DURATION(otlp_keepalive_enforcement_cfg, "min_time", min_time, "5m",
                     "minimum interval between client pings"),
    OTLPD_S_BOOL(otlp_keepalive_enforcement_cfg, "permit_without_stream", permit_without_stream, "false",
                 "allow pings when no call is active"),
    OTLPD_S_END,
};

static const otlpd_setting keepalive_settings[] = {
    OTLPD_S_SECTION(otlp_keepalive_cfg, "server_parameters", server_parameters, server_params_settings,
                    "server-side keepalive"),
    OTLPD_S_SECTION(otlp_keepalive_cfg, "enforcement_policy", enforcement_policy, enforcement_settings,
                    "what client pings are tolerated"),
    OTLPD_S_END,
};

static const otlpd_setting otlp_grpc_settings[] = {
    OTLPD_S_ENDPOINT(otlp_grpc_cfg, "endpoint", endpoint, "localhost:4317", "address to listen on (or unix:/path)"),
    OTLPD_S_STRING(otlp_grpc_cfg, "transport", transport, "tcp", "tcp or unix"),
    OTLPD_S_INT(otlp_grpc_cfg, "max_recv_msg_size_mib", max_recv_msg_size_mib, "4", 1, 1024,
                "largest request message in MiB"),
    OTLPD_S_INT(otlp_grpc_cfg, "max_concurrent_streams", max_concurrent_streams, "0", 0, 1e9,
                "concurrent calls per connection (0 = library default)"),
    OTLPD_S_SIZE(otlp_grpc_cfg, "read_buffer_size", read_buffer_size, "524288", "accepted for otelcol compatibility"),
    OTLPD_S_SIZE(otlp_grpc_cfg, "write_buffer_size", write_buffer_size, "0", "accepted for otelcol compatibility"),
    OTLPD_S_BOOL(otlp_grpc_cfg, "include_metadata", include_metadata, "false",
                 "keep the call's metadata with the data (batch metadata_keys, exporters)"),
    OTLPD_S_INT(otlp_grpc_cfg, "max_connections", max_connections, "0", 0, 1e7,
                "otlpd only: open connections at most; more are closed at once (0 = unlimited)"),
    OTLPD_S_SECTION(otlp_grpc_cfg, "keepalive", keepalive, keepalive_settings, "keepalive parameters"),
    OTLPD_S_SECTION_P(otlp_grpc_cfg, "tls", tls, has_tls, tls_settings, "serve gRPC over TLS"),
    OTLPD_S_SECTION(otlp_grpc_cfg, "auth", auth, auth_settings,
                    "authenticate calls (UNAUTHENTICATED before the message is decoded)"),
    OTLPD_S_END,
};

typedef struct protocols_view {
  bool has_grpc, has_http;
  otlp_grpc_cfg grpc;
  otlp_http_cfg http;
} protocols_view;

static const otlpd_setting protocols_settings[] = {
    OTLPD_S_SECTION_P(protocols_view, "grpc", grpc, has_grpc, otlp_grpc_settings, "OTLP/gRPC server"),
    OTLPD_S_SECTION_P(protocols_view, "http", http, has_http, otlp_http_settings, "OTLP/HTTP server"),
    OTLPD_S_END,
};

const otlpd_setting otlp_receiver_settings[] = {
    OTLPD_S_SECTION(otlp_receiver_cfg, "protocols", protocols, protocols_settings,
                    "which protocols to serve; at least one"),
    OTLPD_S_END,
};

int otlp_receiver_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlp_receiver_cfg *c = config;
  if (!c->protocols.has_grpc && !c->protocols.has_http) {
    otlpd_errorf(errs, "%s::protocols: must enable at least one of grpc, http", path);
    return -EINVAL;
  }
  return 0;
}

int otlp_receiver_validate_refs(const void *config, const char *path, const otlpd_config *cfg, otlpd_errors *errs) {
  const otlp_receiver_cfg *c = config;
  int rc = 0;
  if (c->protocols.has_grpc &&
      otlpd_auth_validate_ref(c->protocols.grpc.auth.authenticator, path, "protocols::grpc::auth::authenticator",
                              cfg, errs) != 0)
    rc = -EINVAL;
  if (c->protocols.has_http &&
      otlpd_auth_validate_ref(c->protocols.http.auth.authenticator, path, "protocols::http::auth::authenticator",
                              cfg, errs) != 0)
    rc = -EINVAL;
  return rc;
}
