/* batch processor: groups data into batches by size and time (otelcol
 * semantics) and holds them when downstream refuses, pushing back on the
 * receivers instead of dropping. */
#ifndef OTLPD_BATCH_PROCESSOR_H
#define OTLPD_BATCH_PROCESSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/component.h"

typedef struct batch_cfg {
  int64_t send_batch_size;
  int64_t send_batch_max_size;
  int64_t timeout; /* ns */
} batch_cfg;

extern const otlpd_setting batch_settings[];
int batch_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

typedef struct batch_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  const batch_cfg *cfg;
  otlpd_signal signal;
  otlpd_consumer *next;
  otlpd_batch *pending;   /* accepted but not yet delivered */
  otlpd_batch *refused;   /* taken from pending, refused downstream: goes first */
  size_t hold_limit;      /* refuse new data while this many items are held */
  uint64_t backoff_ms;    /* retry delay while downstream refuses (0: it accepts) */
  uv_timer_t timer;
  bool timer_armed, stopping, timer_init, closed;
  uint64_t refused_downstream;
} batch_proc;

#endif
