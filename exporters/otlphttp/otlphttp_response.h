/* What an OTLP/HTTP server's answer means for the data that was sent
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response):
 *  - 2xx: accepted; the body may carry a partial success naming how many
 *    items were rejected (permanently) and why;
 *  - 429, 502, 503, 504: retryable, honouring Retry-After;
 *  - anything else: permanent; the body may be a google.rpc.Status whose
 *    message says why. */
#ifndef OTLPD_OTLPHTTP_RESPONSE_H
#define OTLPD_OTLPHTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/data.h"

typedef enum {
  OTLPHTTP_ACCEPTED = 0,
  OTLPHTTP_RETRYABLE,
  OTLPHTTP_PERMANENT,
} otlphttp_verdict;

typedef struct otlphttp_answer {
  otlphttp_verdict verdict;
  int64_t rejected; /* ACCEPTED: items the server rejected (partial success) */
  char message[256]; /* the server's reason, when it gave one */
} otlphttp_answer;

otlphttp_verdict otlphttp_status_verdict(int status);

/* Reads status and body (json: the body is OTLP-JSON, else protobuf) into
 * *out. Never fails: an unreadable body only leaves the message empty. */
void otlphttp_read_answer(otlpd_signal s, int status, const uint8_t *body, size_t len, bool json,
                          otlphttp_answer *out);

#endif
