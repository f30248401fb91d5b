/* health_check extension (otelcol-contrib's keys): GET <path> answers 200
 * while every pipeline runs, 503 while the daemon starts or drains. */
#ifndef OTLPD_HEALTH_CHECK_H
#define OTLPD_HEALTH_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "otlpd/buf.h"
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

/* The daemon's state as the health check sees it. components: a JSON
 * object of every component's status (NULL = none known). */
typedef struct otlpd_hc_state {
  bool ready;      /* every component started, no drain begun */
  bool failed;     /* some component failed permanently */
  time_t up_since; /* wall-clock seconds */
  uint64_t uptime_ms;
  const char *components;
} otlpd_hc_state;

/* hc_answer.c: the answer for a state, written into body (the reply
 * points into it). 0 or -ENOMEM. */
int otlpd_hc_answer(const otlpd_hc_cfg *cfg, const otlpd_hc_state *st, otlpd_buf *body,
                    otlpd_tserver_reply *out);
/* Appends one component's entry ("kind:name": {"status": ..., "error": ...})
 * to a components object being built in b (first: no comma). */
int otlpd_hc_component(otlpd_buf *b, bool first, const char *kind, const char *name, const char *status,
                       const char *why);
/* Go's time.Duration style at millisecond precision: "0s", "250ms",
 * "1.5s", "2m3.004s", "1h0m0s". */
void otlpd_hc_duration(uint64_t ms, char *buf, size_t n);

#endif
