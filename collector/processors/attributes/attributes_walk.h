/* The attributes processor's instance and its per-signal walks. */
#ifndef OTLPD_ATTRIBUTES_WALK_H
#define OTLPD_ATTRIBUTES_WALK_H

#include "attributes_processor.h"

typedef struct attributes_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  attraction actions;
  attrs_matcher include, exclude;
} attributes_proc;

/* Entry i of b. edit false: 1 when something would change, else 0 (b is
 * not written). edit true (b editable): applies; 0 or -ENOMEM. */
int attrs_walk_spans(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i, bool edit);
int attrs_walk_logs(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i, bool edit);
int attrs_walk_metrics(const attributes_proc *ap, const otlpd_client_info *ci, otlpd_batch *b, size_t i,
                       bool edit);

#endif
