/* confighttp's server timeouts on h2o 2.2.5, which has fewer knobs than Go's
 * net/http (the README's "Timeouts" says what a client sees):
 *  - HTTP/1: one timer (http1.req_timeout) runs from the moment a
 *    connection waits for a request (accept, or the end of the previous
 *    response) until that request's body has fully arrived; it is not
 *    reset by reads. It gets the shortest of the effective idle timeout,
 *    read_header_timeout and read_timeout.
 *  - HTTP/2: http2.idle_timeout, re-armed by every read while no request
 *    is being handled, gets the effective idle timeout.
 *  - TLS: handshake_timeout gets the shortest of read_header_timeout,
 *    read_timeout and write_timeout (what Go bounds the handshake by).
 *  - write_timeout has nothing else to act on: h2o 2.2.5 writes responses
 *    without a timer (ours are small and fit the socket buffer).
 * As in Go, idle_timeout 0 means read_timeout, and 0 everywhere means no
 * timeout; h2o has no "never", so that becomes a very long timer. */
#include "http_server.h"

#define NEVER_MS ((uint64_t)100 * 24 * 3600 * 1000) /* 100 days */

static uint64_t to_ms(int64_t ns) { return ns <= 0 ? 0 : ((uint64_t)ns + 999999) / 1000000; }

/* The shorter of two timeouts, 0 meaning none. */
static uint64_t shorter(uint64_t a, uint64_t b) {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

static uint64_t or_never(uint64_t ms) { return ms ? ms : NEVER_MS; }

void otlp_http_timeouts_apply(otlp_http *h) {
  const otlp_http_cfg *c = h->cfg;
  uint64_t header = to_ms(c->read_header_timeout), read = to_ms(c->read_timeout), write = to_ms(c->write_timeout);
  uint64_t idle = c->idle_timeout > 0 ? to_ms(c->idle_timeout) : read;
  uint64_t req = shorter(shorter(idle, header), read);
  uint64_t handshake = shorter(shorter(header, read), write);
  h->gconf.http1.req_timeout = or_never(req);
  h->gconf.http2.idle_timeout = or_never(idle);
  h->gconf.handshake_timeout = or_never(handshake);
  otlpd_info(h->log,
             "http: timeouts (ms, 0 = none): HTTP/1 idle+request %llu, HTTP/2 idle %llu, TLS handshake %llu",
             (unsigned long long)req, (unsigned long long)idle, (unsigned long long)handshake);
  if (write)
    otlpd_info(h->log, "http: write_timeout bounds the TLS handshake only: h2o 2.2.5 has no response write timeout");
}
