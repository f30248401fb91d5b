/* batch processor settings: otelcol's keys and defaults. */
#include <errno.h>
#include "batch_processor.h"
#include "otlpd/config.h"

const otlpd_setting batch_settings[] = {
    OTLPD_S_INT(batch_cfg, "send_batch_size", send_batch_size, "8192", 0, 1e9,
                "items (spans, data points, log records) that trigger a send regardless of timeout"),
    OTLPD_S_INT(batch_cfg, "send_batch_max_size", send_batch_max_size, "0", 0, 1e9,
                "upper bound of a batch; larger batches are split (0 = no limit)"),
    OTLPD_S_DURATION(batch_cfg, "timeout", timeout, "200ms",
                     "time after which a non-empty batch is sent regardless of size (0 = no batching)"),
    OTLPD_S_IGNORED("metadata_keys", "accepted for otelcol compatibility; batches are not split by metadata"),
    OTLPD_S_IGNORED("metadata_cardinality_limit", "accepted for otelcol compatibility"),
    OTLPD_S_END,
};

int batch_validate(const void *config, const char *path, otlpd_errors *errs) {
  const batch_cfg *c = config;
  if (c->send_batch_max_size && c->send_batch_max_size < c->send_batch_size) {
    otlpd_errorf(errs, "%s::send_batch_max_size: must be 0 or at least send_batch_size (%lld)", path,
                 (long long)c->send_batch_size);
    return -EINVAL;
  }
  return 0;
}
