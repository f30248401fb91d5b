/* health_check extension (otelcol-contrib's keys): GET <path> answers 200
 * while every pipeline runs, 503 while the daemon starts or drains. */
#ifndef OTLPD_HEALTH_CHECK_H
#define OTLPD_HEALTH_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "otlpd/component.h"
#include "telemetry/tserver.h"

typedef struct otlpd_hc_bodies {
  char *healthy, *unhealthy; /* NULL = the JSON status */
} otlpd_hc_bodies;

typedef struct otlpd_hc_cfg {
  char *endpoint;
  char *path;
  otlpd_hc_bodies response_body;
} otlpd_hc_cfg;

extern const otlpd_setting otlpd_hc_settings[];
int otlpd_hc_validate(const void *config, const char *path, struct otlpd_errors *errs);

/* hc_answer.c: the answer for a daemon state, written into buf (the reply
 * points into it). up_since is wall-clock seconds, uptime_ms how long ago. */
void otlpd_hc_answer(const otlpd_hc_cfg *cfg, bool ready, time_t up_since, uint64_t uptime_ms, char *buf,
                     size_t n, otlpd_tserver_reply *out);
/* Go's time.Duration style at millisecond precision: "0s", "250ms",
 * "1.5s", "2m3.004s", "1h0m0s". */
void otlpd_hc_duration(uint64_t ms, char *buf, size_t n);

#endif
