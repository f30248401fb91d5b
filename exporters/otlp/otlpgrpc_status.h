/* What an OTLP/gRPC server's status means for the data that was sent, as
 * otelcol's otlp exporter decides:
 *  - OK: sent (the response may still carry a partial_success);
 *  - CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE,
 *    DATA_LOSS: retryable;
 *  - RESOURCE_EXHAUSTED: retryable only when the server attached a
 *    google.rpc.RetryInfo (it can recover), else permanent;
 *  - anything else: permanent.
 * A RetryInfo's retry_delay, when present, is the wait before the retry.
 *
 * The details arrive in the `grpc-status-details-bin` trailer: a
 * google.rpc.Status whose `details` are google.protobuf.Any. These bytes
 * come from the network: the reader below checks every length and never
 * reads past n (tests/fuzz/fuzz_grpc_status_details.c). */
#ifndef OTLPD_OTLPGRPC_STATUS_H
#define OTLPD_OTLPGRPC_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "otlpd/exporterhelper.h"

#define OTLPGRPC_RETRY_INFO_TYPE "type.googleapis.com/google.rpc.RetryInfo"
/* A server's hint beyond this is clamped: a typo must not park a batch
 * for years (the retry's max_elapsed_time still applies). */
#define OTLPGRPC_MAX_RETRY_DELAY_NS (3600LL * 1000000000LL)

/* From grpc-status-details-bin: 1 and *delay_ns (>= 0, clamped) when a
 * RetryInfo is there, 0 when the bytes are a Status without one, -EINVAL
 * when they are not a well-formed Status. */
int otlpgrpc_status_retry_delay(const uint8_t *p, size_t n, int64_t *delay_ns);

/* The verdict for a finished call's status code and its details trailer
 * (NULL/0 when absent). *retry_after_ns: the RetryInfo delay for a
 * retryable verdict, else 0. */
otlpd_send_status otlpgrpc_status_classify(int code, const uint8_t *details, size_t n,
                                           int64_t *retry_after_ns);

/* "UNAVAILABLE", ...; "code 42" style names are the caller's. NULL if unknown. */
const char *otlpgrpc_status_name(int code);

#endif
