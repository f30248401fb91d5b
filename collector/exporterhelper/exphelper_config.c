/* The exporter helper's settings: otelcol exporterhelper's keys and
 * defaults (timeout, retry_on_failure, sending_queue), spliced into every
 * network exporter's table, and their cross-field rules. */
#include <errno.h>
#include <string.h>

#include "otlpd/config.h"
#include "otlpd/exporterhelper.h"
#include "otlpd/storage.h"

static const char *const sizer_choices[] = {"requests", "items", "bytes", NULL};
static const char *const drop_choices[] = {"newest", "oldest", NULL};

const otlpd_setting otlpd_retry_settings[] = {
    OTLPD_S_BOOL(otlpd_retry_cfg, "enabled", enabled, "true",
                 "retry retryable failures (false: a failed attempt is dropped and counted)"),
    OTLPD_S_DURATION(otlpd_retry_cfg, "initial_interval", initial_interval, "5s",
                     "wait after the first failure before retrying"),
    OTLPD_S_DOUBLE(otlpd_retry_cfg, "randomization_factor", randomization_factor, "0.5", 0, 1,
                   "each wait is randomized by ± this fraction"),
    OTLPD_S_DOUBLE(otlpd_retry_cfg, "multiplier", multiplier, "1.5", 1, 1e6,
                   "each wait grows by this factor"),
    OTLPD_S_DURATION(otlpd_retry_cfg, "max_interval", max_interval, "30s",
                     "upper bound of a wait (before randomization)"),
    OTLPD_S_DURATION(otlpd_retry_cfg, "max_elapsed_time", max_elapsed_time, "300s",
                     "give up on a request this long after its first attempt (0 = never)"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_queue_settings[] = {
    OTLPD_S_BOOL(otlpd_queue_cfg, "enabled", enabled, "true",
                 "queue requests (false: send at once or refuse upstream when all consumers are busy)"),
    OTLPD_S_INT(otlpd_queue_cfg, "num_consumers", num_consumers, "10", 1, 10000,
                "requests in flight at once (sending or waiting to retry)"),
    OTLPD_S_INT(otlpd_queue_cfg, "queue_size", queue_size, "1000", 0, 0,
                "queue capacity, in the sizer's unit"),
    OTLPD_S_ENUM(otlpd_queue_cfg, "sizer", sizer, "requests", sizer_choices,
                 "unit of queue_size: requests (batches), items, or bytes (protobuf-encoded)"),
    OTLPD_S_BOOL(otlpd_queue_cfg, "block_on_overflow", block_on_overflow, "false",
                 "full queue: refuse upstream retryably (true) instead of dropping and counting (false)"),
    OTLPD_S_ENUM(otlpd_queue_cfg, "drop_on_overflow", drop_on_overflow, "newest", drop_choices,
                 "otlpd only: what a full queue drops (block_on_overflow false): newest = the batch that does "
                 "not fit (as otelcol), oldest = the oldest waiting batches, to take the new one"),
    OTLPD_S_IGNORED("blocking", "deprecated in otelcol; use block_on_overflow"),
    OTLPD_S_IGNORED("wait_for_result",
                    "otlpd answers upstream once the data is queued; the result is counted, not waited for"),
    OTLPD_S_STRING(otlpd_queue_cfg, "storage", storage, NULL,
                   "id of a file_storage extension: the queue is kept on disk and survives restarts and crashes"),
    OTLPD_S_IGNORED("batch", "batching in the queue is not available; use the batch processor"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_exphelper_settings[] = {
    OTLPD_S_DURATION(otlpd_exphelper_cfg, "timeout", timeout, "5s",
                     "time limit of one attempt to send (a timeout is retryable)"),
    OTLPD_S_SECTION(otlpd_exphelper_cfg, "retry_on_failure", retry, otlpd_retry_settings,
                    "retry with exponential backoff"),
    OTLPD_S_SECTION(otlpd_exphelper_cfg, "sending_queue", queue, otlpd_queue_settings,
                    "bounded in-memory queue drained by num_consumers concurrent requests"),
    OTLPD_S_END,
};

static void check_retry(const otlpd_retry_cfg *r, const char *path, otlpd_errors *errs) {
  if (!r->enabled) return;
  if (r->initial_interval <= 0)
    otlpd_errorf(errs, "%s::retry_on_failure::initial_interval: must be positive", path);
  if (r->max_interval < r->initial_interval)
    otlpd_errorf(errs, "%s::retry_on_failure::max_interval: must not be less than initial_interval",
                 path);
  if (r->multiplier < 1)
    otlpd_errorf(errs, "%s::retry_on_failure::multiplier: must be at least 1", path);
  if (r->randomization_factor < 0 || r->randomization_factor > 1)
    otlpd_errorf(errs, "%s::retry_on_failure::randomization_factor: must be between 0 and 1", path);
  if (r->max_elapsed_time < 0)
    otlpd_errorf(errs, "%s::retry_on_failure::max_elapsed_time: must not be negative", path);
}

static void check_queue(const otlpd_queue_cfg *q, const char *path, otlpd_errors *errs) {
  if (q->num_consumers < 1)
    otlpd_errorf(errs, "%s::sending_queue::num_consumers: must be at least 1", path);
  if (!q->enabled) return;
  if (q->queue_size <= 0)
    otlpd_errorf(errs, "%s::sending_queue::queue_size: must be positive", path);
  if (q->sizer < OTLPD_SIZER_REQUESTS || q->sizer > OTLPD_SIZER_BYTES)
    otlpd_errorf(errs, "%s::sending_queue::sizer: must be requests, items or bytes", path);
  if (q->block_on_overflow && q->drop_on_overflow == OTLPD_DROP_OLDEST)
    otlpd_errorf(errs, "%s::sending_queue::drop_on_overflow: oldest drops data, block_on_overflow: true refuses "
                 "it instead; set one of them", path);
}

int otlpd_exphelper_validate_refs(const otlpd_exphelper_cfg *c, const char *path, const otlpd_config *cfg,
                                  otlpd_errors *errs) {
  const char *id = c->queue.storage;
  if (!id) return 0;
  const otlpd_component_cfg *ext = NULL; /* not otlpd_config_find: keeps the config builder out of this library */
  for (size_t i = 0; i < cfg->n_components && !ext; i++)
    if (cfg->components[i].kind == OTLPD_EXTENSION && !strcmp(cfg->components[i].id, id)) ext = &cfg->components[i];
  if (!ext || !ext->factory || !otlpd_storage_type(ext->factory->type)) {
    otlpd_errorf(errs, "%s::sending_queue::storage: \"%s\" is not a file_storage extension defined under extensions",
                 path, id);
    return -EINVAL;
  }
  if (!ext->signals_used) {
    otlpd_errorf(errs, "%s::sending_queue::storage: extension \"%s\" is not enabled (list it in service::extensions)",
                 path, id);
    return -EINVAL;
  }
  if (!c->queue.enabled) {
    otlpd_errorf(errs, "%s::sending_queue::storage: needs sending_queue::enabled: true", path);
    return -EINVAL;
  }
  return 0;
}

int otlpd_exphelper_validate(const otlpd_exphelper_cfg *c, const char *path, otlpd_errors *errs) {
  size_t before = errs->n;
  if (c->timeout < 0) otlpd_errorf(errs, "%s::timeout: must not be negative", path);
  check_retry(&c->retry, path, errs);
  check_queue(&c->queue, path, errs);
  return errs->n > before ? -EINVAL : 0;
}
