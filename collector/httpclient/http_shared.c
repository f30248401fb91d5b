/* The daemon's one client, made on first use so that a daemon without
 * network exporters never initialises libcurl (and OpenSSL through it). */
#include "http_internal.h"
#include "otlpd/component.h"

static void close_shared(otlpd_http_client *c) { otlpd_http_client_close(c, NULL, NULL); }

otlpd_http_client *otlpd_http_shared(const otlpd_host *h) {
  if (!h->http) return NULL;
  if (h->http->client) return h->http->client;
  /* curl_global_init is not thread-safe; this runs on the loop thread,
   * during component creation, before any other thread uses libcurl.
   * It is never undone: curl_global_cleanup at exit would buy nothing. */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  if (!(v->features & CURL_VERSION_ASYNCHDNS))
    otlpd_warn(&h->log, "libcurl %s resolves names synchronously: a slow DNS server "
               "stalls the whole daemon", v->version);
  otlpd_logger lg = {"http", h->log.level};
  otlpd_http_client *c = otlpd_http_client_new(h->loop, &lg);
  if (!c) return NULL;
  h->http->client = c;
  h->http->close = close_shared;
  return c;
}
