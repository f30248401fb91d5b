/* service::telemetry::metrics: where the daemon serves its own metrics. */
#ifndef OTLPD_CONFIG_TELEMETRY_METRICS_H
#define OTLPD_CONFIG_TELEMETRY_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "otlpd/config.h"

typedef struct otlpd_cfg_prometheus {
  char *host;
  int64_t port;
} otlpd_cfg_prometheus;

typedef struct otlpd_cfg_pull_exporter {
  otlpd_cfg_prometheus prometheus;
  bool has_prometheus;
} otlpd_cfg_pull_exporter;

typedef struct otlpd_cfg_pull {
  otlpd_cfg_pull_exporter exporter;
} otlpd_cfg_pull;

typedef struct otlpd_cfg_reader {
  otlpd_cfg_pull pull;
  bool has_pull;
} otlpd_cfg_reader;

typedef struct otlpd_cfg_metrics {
  int level;           /* otlpd_metrics_level */
  char *address;
  otlpd_sections readers; /* otlpd_cfg_reader */
} otlpd_cfg_metrics;

extern const otlpd_setting otlpd_cfg_metrics_tbl[];

/* Fills c->metrics_* from the parsed section; node is the metrics map (or
 * NULL) to tell a configured address from the default. */
void otlpd_cfg_metrics_finish(const otlpd_cfg_metrics *m, const otlpd_node *node, otlpd_config *c,
                              otlpd_errors *errs);

#endif
