/* Fuzz target: the otlp exporter's reader of grpc-status-details-bin (a
 * google.rpc.Status from the network, looking for RetryInfo). The first
 * byte picks the status code. Invariants: never reads past the input
 * (ASan), a found delay lies in [0, OTLPGRPC_MAX_RETRY_DELAY_NS], and the
 * verdict agrees with the reader. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../exporters/otlp/otlpgrpc_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int code = data[0] % 18;
  int64_t d = -1, hint = -1;
  int rc = otlpgrpc_status_retry_delay(data + 1, size - 1, &d);
  if (rc != 1 && rc != 0 && rc != -EINVAL) abort();
  if (d < 0 || d > OTLPGRPC_MAX_RETRY_DELAY_NS || (rc != 1 && d != 0)) {
    fprintf(stderr, "delay %lld with rc %d\n", (long long)d, rc);
    abort();
  }
  otlpd_send_status st = otlpgrpc_status_classify(code, data + 1, size - 1, &hint);
  if (code == 8 && (st == OTLPD_SEND_RETRYABLE) != (rc == 1 && size > 1)) abort();
  if (st == OTLPD_SEND_RETRYABLE && hint != (rc == 1 ? d : 0)) abort();
  if (st != OTLPD_SEND_RETRYABLE && hint != 0) abort();
  return 0;
}
