/* Shared by the filelog unit tests: a config from YAML, entries by hand. */
#ifndef FILELOG_FIXTURE_H
#define FILELOG_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "otlpd/config.h"
#include "../../receivers/filelog/filelog.h"

extern const otlpd_factory otlpd_receiver_filelog;

/* Parsed, defaulted and validated; NULL (errs filled) if invalid. */
static inline filelog_cfg *fl_test_cfg(const char *yaml, otlpd_errors *errs) {
  const otlpd_factory *f = &otlpd_receiver_filelog;
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  if (!n) return NULL;
  filelog_cfg *cfg = calloc(1, f->config_size);
  otlpd_settings_defaults(f->settings, cfg);
  int rc = otlpd_settings_apply(f->settings, cfg, n, "receivers::filelog", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = f->validate(cfg, "receivers::filelog", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(f->settings, cfg);
  free(cfg);
  return NULL;
}

static inline void fl_test_cfg_free(filelog_cfg *c) {
  if (!c) return;
  otlpd_settings_free(otlpd_receiver_filelog.settings, c);
  free(c);
}

#endif
