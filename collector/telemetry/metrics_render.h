/* The daemon's own metrics as Prometheus text exposition (format 0.0.4),
 * with otelcol's metric names and labels. Pure: unit-tested on its own. */
#ifndef OTLPD_METRICS_RENDER_H
#define OTLPD_METRICS_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"

/* One component instance. Instances with the same kind and id (a
 * processor in several pipelines) are summed into one series, as otelcol
 * does for equal attribute sets. */
typedef struct otlpd_metrics_source {
  otlpd_kind kind;
  const char *id;           /* the label value: "otlp", "file/x" */
  unsigned signals;         /* OTLPD_SIGNAL_BIT mask wired to it */
  const otlpd_counters *c;
} otlpd_metrics_source;

typedef struct otlpd_metrics_process {
  double uptime_s;
  uint64_t rss_bytes;
  double cpu_s;             /* user + system CPU time of the process */
  uint64_t mem_limit, mem_held; /* the daemon's memory accounting */
} otlpd_metrics_process;

/* Replaces out's contents. 0 or -ENOMEM. */
int otlpd_metrics_render(otlpd_buf *out, const otlpd_metrics_source *src, size_t n,
                         const otlpd_metrics_process *p);

/* Appends v as a label value: \ " and newline escaped. */
int otlpd_metrics_label_value(otlpd_buf *out, const char *v);

#endif
