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
    OTLPD_S_STRINGS(batch_cfg, "metadata_keys", metadata_keys,
                    "client metadata keys (receiver include_metadata) whose values split batches"),
    OTLPD_S_INT(batch_cfg, "metadata_cardinality_limit", metadata_cardinality_limit, "1000", 0, 1e7,
                "distinct metadata value combinations kept; data of further ones is refused"),
    OTLPD_S_END,
};

int batch_validate(const void *config, const char *path, otlpd_errors *errs) {
  const batch_cfg *c = config;
  if (c->send_batch_max_size && c->send_batch_max_size < c->send_batch_size) {
    otlpd_errorf(errs, "%s::send_batch_max_size: must be 0 or at least send_batch_size (%lld)", path,
                 (long long)c->send_batch_size);
    return -EINVAL;
  }
  if (c->metadata_keys.n && c->metadata_cardinality_limit < 1) {
    otlpd_errorf(errs, "%s::metadata_cardinality_limit: must be at least 1 with metadata_keys", path);
    return -EINVAL;
  }
  return 0;
}
