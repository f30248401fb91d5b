/* resource processor: otelcol's attribute actions (collector/attraction/)
 * on the resource attributes of every signal. It edits through the
 * copy-on-write API of data.h, so a pipeline that shares its input with
 * others never changes what they see. */
#ifndef OTLPD_RESOURCE_PROCESSOR_H
#define OTLPD_RESOURCE_PROCESSOR_H

#include "attraction/attraction.h"
#include "otlpd/component.h"

typedef struct resource_cfg {
  otlpd_sections attributes; /* attraction_item_cfg */
} resource_cfg;

extern const otlpd_setting resource_settings[];
int resource_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

#endif
