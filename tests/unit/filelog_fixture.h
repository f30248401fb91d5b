/* Shared by the filelog unit tests: a config from YAML, entries by hand. */
#ifndef FILELOG_FIXTURE_H
#define FILELOG_FIXTURE_H

#include <stdio.h>
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

/* A receiver over the config in yaml (*cfg kept for fl_test_recv_close);
 * 0, or -1 when the config or the receiver's start fails. */
static inline int fl_test_recv_open(filelog_recv *r, filelog_cfg **cfg, const char *yaml) {
  otlpd_errors errs = {0};
  *cfg = fl_test_cfg(yaml, &errs);
  otlpd_errors_free(&errs);
  if (!*cfg) return -1;
  r->cfg = *cfg;
  char why[128];
  return fl_recv_init(r, why, sizeof(why)) == 0 ? 0 : -1;
}

/* Stops the receiver, frees its config and removes the test's directory. */
static inline int fl_test_recv_close(filelog_recv *r, filelog_cfg *cfg, const char *dir) {
  fl_recv_fini(r);
  fl_test_cfg_free(cfg);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd);
}

/* One accepted cycle: the bodies it produced, "|"-joined, go to bodies, the
 * offsets it read are committed as the loop does after a consume, and the
 * record count is returned (the cycle's error in *err). */
static inline size_t fl_test_cycle(filelog_recv *r, uint64_t now_ms, char *bodies, int *err) {
  fl_cycle cy = {0};
  cy.now_ms = now_ms;
  fl_cycle_run(r, &cy);
  *err = cy.err;
  bodies[0] = 0;
  for (size_t i = 0; cy.req && i < cy.req->n_resource_logs; i++) {
    otlp_scope_logs *sl = cy.req->resource_logs[i]->scope_logs[0];
    for (size_t j = 0; j < sl->n_log_records; j++) {
      if (bodies[0]) strcat(bodies, "|");
      strcat(bodies, sl->log_records[j]->body->string_value);
    }
  }
  for (fl_reader *rd = r->readers; rd; rd = rd->next) rd->offset = rd->pending;
  r->first_done = true;
  if (cy.arena) otlpd_arena_free(cy.arena);
  fl_reap(r);
  return cy.records;
}

#endif
