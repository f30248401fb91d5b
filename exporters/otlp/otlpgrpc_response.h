/* The answer of a successful Export call (otlpgrpc_response.c). */
#ifndef OTLPD_OTLPGRPC_RESPONSE_H
#define OTLPD_OTLPGRPC_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "otlpd/data.h"

/* Items the response's partial_success rejected (0 when none, or when the
 * body does not decode); the server's error_message into msg. */
int64_t otlpgrpc_partial_rejected(otlpd_signal s, const uint8_t *body, size_t len, char *msg,
                                  size_t cap);

#endif
