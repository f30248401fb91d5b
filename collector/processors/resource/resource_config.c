/* resource processor settings: otelcol's `attributes:` action list. */
#include <stdio.h>

#include "otlpd/config.h"
#include "resource_processor.h"

const otlpd_setting resource_settings[] = {
    OTLPD_S_SECTIONS(resource_cfg, "attributes", attributes, attraction_item_cfg, attraction_item_settings,
                     "actions applied in order to each resource's attributes"),
    OTLPD_S_END,
};

int resource_validate(const void *config, const char *path, otlpd_errors *errs) {
  const resource_cfg *c = config;
  char p[512];
  snprintf(p, sizeof(p), "%s::attributes", path);
  return attraction_validate(&c->attributes, p, true, errs);
}
