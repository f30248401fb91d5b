/* The daemon's /metrics endpoint (service::telemetry::metrics). Owned by
 * the daemon; everything on the loop thread. Counters are read with
 * relaxed atomics, as they are written. */
#ifndef OTLPD_TELEMETRY_H
#define OTLPD_TELEMETRY_H

#include "daemon.h"

/* After the pipelines are built: serves /metrics on the configured
 * endpoint unless the level is none. A taken default endpoint is only a
 * warning; a configured one that cannot be bound fails the start. */
int otlpd_telemetry_start(otlpd_daemon *d);
/* Once the pipelines drained: stop serving (finishes on the loop). */
void otlpd_telemetry_shutdown(otlpd_daemon *d);
void otlpd_telemetry_destroy(otlpd_daemon *d);

/* process_stats.c: resident set size from /proc/self/statm (0 if unknown). */
uint64_t otlpd_process_rss_bytes(void);
/* User + system CPU seconds of the whole process (all threads). */
double otlpd_process_cpu_seconds(void);

#endif
