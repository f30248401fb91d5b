/* confighttp client settings (less `timeout`, which the exporter helper
 * owns), with otelcol's key names; compression defaults to gzip as the
 * otlphttp exporter does. */
#include <stdio.h>
#include <string.h>

#include "otlpd/config.h"
#include "otlpd/http_client.h"

typedef struct auth_view {
  char *authenticator;
} auth_view;

static const otlpd_setting auth_settings[] = {
    OTLPD_S_STRING(auth_view, "authenticator", authenticator, NULL,
                   "id of an enabled authenticator extension whose header every request carries"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_http_client_settings[] = {
    OTLPD_S_STRING(otlpd_http_client_cfg, "endpoint", endpoint, NULL,
                   "URL of the backend (http:// or https://)"),
    OTLPD_S_MAP(otlpd_http_client_cfg, "headers", headers, "headers added to every request"),
    OTLPD_S_STRING(otlpd_http_client_cfg, "compression", compression, "gzip",
                   "request body compression: gzip, zstd or none"),
    OTLPD_S_SECTION(otlpd_http_client_cfg, "tls", tls, otlpd_tls_client_settings,
                    "TLS client settings (configtls)"),
    OTLPD_S_SECTION(otlpd_http_client_cfg, "auth", auth, auth_settings,
                    "client authentication (bearertokenauth, basicauth)"),
    OTLPD_S_IGNORED("read_buffer_size", "accepted; libcurl sizes its buffers"),
    OTLPD_S_IGNORED("write_buffer_size", "accepted; libcurl sizes its buffers"),
    OTLPD_S_IGNORED("max_idle_conns", "accepted; libcurl's connection cache keeps idle connections"),
    OTLPD_S_IGNORED("max_idle_conns_per_host", "accepted; libcurl manages connections"),
    OTLPD_S_IGNORED("max_conns_per_host", "accepted; libcurl manages connections"),
    OTLPD_S_IGNORED("idle_conn_timeout", "accepted; libcurl closes idle connections itself"),
    OTLPD_S_IGNORED("disable_keep_alives", "accepted; connections are always reused"),
    OTLPD_S_IGNORED("http2_read_idle_timeout", "accepted; libcurl manages HTTP/2 pings"),
    OTLPD_S_IGNORED("http2_ping_timeout", "accepted; libcurl manages HTTP/2 pings"),
    OTLPD_S_END,
};

int otlpd_http_compression_parse(const char *s, otlpd_http_compression *out) {
  if (!s || !*s || strcmp(s, "none") == 0) *out = OTLPD_HTTP_COMPRESS_NONE;
  else if (strcmp(s, "gzip") == 0) *out = OTLPD_HTTP_COMPRESS_GZIP;
  else if (strcmp(s, "zstd") == 0) *out = OTLPD_HTTP_COMPRESS_ZSTD;
  else return -EINVAL;
  return 0;
}

int otlpd_http_client_cfg_validate(const otlpd_http_client_cfg *c, const char *path,
                                   otlpd_errors *errs) {
  size_t before = errs->n;
  otlpd_http_compression k;
  if (otlpd_http_compression_parse(c->compression, &k) < 0)
    otlpd_errorf(errs, "%s::compression: \"%s\" is not supported (gzip, zstd or none)", path,
                 c->compression);
  if (c->endpoint && *c->endpoint && strncmp(c->endpoint, "http://", 7) != 0 &&
      strncmp(c->endpoint, "https://", 8) != 0)
    otlpd_errorf(errs, "%s::endpoint: \"%s\" must start with http:// or https://", path,
                 c->endpoint);
  char sub[512];
  snprintf(sub, sizeof(sub), "%s::tls", path);
  otlpd_tls_client_validate(&c->tls, sub, errs);
  return errs->n > before ? -EINVAL : 0;
}
