/* otlphttp exporter: OTLP over HTTP (protobuf or JSON) to another
 * collector or any OTLP/HTTP backend, otelcol's otlphttp keys.
 *
 * Files of this folder:
 *   otlphttp_config.c    settings table (confighttp + exporterhelper squashed in)
 *   otlphttp_exporter.c  the factory and lifecycle
 *   otlphttp_send.c      one attempt: encode once, POST, read the answer
 *   otlphttp_response.c  what a status and body mean (OTLP/HTTP spec)
 *
 * Threads: all on the loop. The sending queue and retries are the
 * exporter helper's (collector/exporterhelper), the transport the shared
 * HTTP client's (collector/httpclient). */
#ifndef OTLPD_OTLPHTTP_H
#define OTLPD_OTLPHTTP_H

#include "otlpd/component.h"
#include "otlpd/exporterhelper.h"
#include "otlpd/http_client.h"

typedef enum { OTLPHTTP_PROTO = 0, OTLPHTTP_JSON = 1 } otlphttp_encoding;

typedef struct otlphttp_cfg {
  otlpd_http_client_cfg http;   /* endpoint, headers, compression, tls */
  otlpd_exphelper_cfg helper;   /* timeout, retry_on_failure, sending_queue */
  char *signal_endpoint[OTLPD_SIGNAL_COUNT]; /* traces_endpoint, ... */
  int encoding;                 /* otlphttp_encoding */
} otlphttp_cfg;

extern const otlpd_setting otlphttp_settings[];
int otlphttp_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

typedef struct otlphttp_exporter {
  const otlpd_host *host;
  const otlphttp_cfg *cfg;
  otlpd_http_client *client;
  otlpd_sender *sender;
  char *url[OTLPD_SIGNAL_COUNT];
  otlpd_http_compression compression;
  const char *headers[4];       /* Content-Type, User-Agent, auth line or NULL, NULL */
  struct otlpd_auth *auth;      /* auth::authenticator, or NULL */
  char *auth_line;              /* its header, refreshed before each attempt (token files rotate) */
} otlphttp_exporter;

/* The signal's URL: its own endpoint, else endpoint + "/v1/<signal>".
 * NULL when neither is set (or ENOMEM). */
char *otlphttp_signal_url(const otlphttp_cfg *c, otlpd_signal s);

/* otlpd_sender_ops of this exporter (otlphttp_send.c). */
extern const otlpd_sender_ops otlphttp_sender_ops;

#endif
