/* Helpers of the hostmetrics unit tests: a config from YAML, one scrape of
 * the fixture tree tests/hostmetrics/fixture, and point lookup by metric
 * name and attributes. */
#ifndef OTLPD_TEST_HOSTMETRICS_FIXTURES_H
#define OTLPD_TEST_HOSTMETRICS_FIXTURES_H

#include <string.h>

#include "../../receivers/hostmetrics/hostmetrics.h"
#include "otlpd/config.h"

#define HM_FIXTURE OTLPD_SOURCE_DIR "/tests/hostmetrics/fixture"

typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint hm_test_point;

/* Parse yaml (the receiver's body) into *c; returns the settings result
 * (validate included) and leaves messages in errs. */
static inline int hm_test_config(hm_cfg *c, const char *yaml, otlpd_errors *errs) {
  memset(c, 0, sizeof(*c));
  otlpd_settings_defaults(hm_settings, c);
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  if (!n) return -EINVAL;
  int rc = otlpd_settings_apply(hm_settings, c, n, "receivers::hostmetrics", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = hm_validate(c, "receivers::hostmetrics", errs);
  return rc;
}

/* statvfs stand-in: every filesystem has 1000 blocks of 4096 bytes, 300
 * free (200 available to users), 500 inodes with 100 free. */
static inline int hm_test_statvfs(const char *path, struct statvfs *v) {
  (void)path;
  memset(v, 0, sizeof(*v));
  v->f_frsize = v->f_bsize = 4096;
  v->f_blocks = 1000;
  v->f_bfree = 300;
  v->f_bavail = 200;
  v->f_files = 500;
  v->f_ffree = 100;
  return 0;
}

typedef struct hm_test_run {
  hm_cfg cfg;
  hm_filters filters;
  hm_state state;
  hm_scrape s;
  otlp_metrics_request *req;
} hm_test_run;

static inline void hm_test_filters(hm_test_run *t) {
  const hm_scrapers_cfg *c = &t->cfg.scrapers;
  hm_filter_init(&t->filters.disk_inc, &c->disk.include, NULL, NULL, 0);
  hm_filter_init(&t->filters.disk_exc, &c->disk.exclude, NULL, NULL, 0);
  hm_filter_init(&t->filters.net_inc, &c->network.include, NULL, NULL, 0);
  hm_filter_init(&t->filters.net_exc, &c->network.exclude, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_dev_inc, &c->filesystem.include_devices, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_dev_exc, &c->filesystem.exclude_devices, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_type_inc, &c->filesystem.include_fs_types, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_type_exc, &c->filesystem.exclude_fs_types, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_mp_inc, &c->filesystem.include_mount_points, NULL, NULL, 0);
  hm_filter_init(&t->filters.fs_mp_exc, &c->filesystem.exclude_mount_points, NULL, NULL, 0);
}

/* Config from yaml, one scrape of the fixture (root_path = fixture) at time now_ns. */
static inline int hm_test_start(hm_test_run *t, const char *yaml) {
  memset(t, 0, sizeof(*t));
  otlpd_errors errs = {0};
  int rc = hm_test_config(&t->cfg, yaml, &errs);
  if (rc) otlpd_errors_print(&errs, stderr);
  otlpd_errors_free(&errs);
  if (rc) return rc;
  hm_test_filters(t);
  t->s = (hm_scrape){.cfg = &t->cfg, .filters = &t->filters, .state = &t->state, .proc = HM_FIXTURE "/proc",
                     .root = HM_FIXTURE, .statvfs = hm_test_statvfs};
  return 0;
}

static inline otlp_metrics_request *hm_test_scrape(hm_test_run *t, uint64_t now_ns) {
  if (t->s.arena) otlpd_arena_free(t->s.arena);
  t->s.arena = otlpd_arena_new(0);
  t->s.now_ns = now_ns;
  t->req = hm_scrape_all(&t->s);
  return t->req;
}

static inline void hm_test_end(hm_test_run *t) {
  hm_filter *all[] = {&t->filters.disk_inc, &t->filters.disk_exc, &t->filters.net_inc, &t->filters.net_exc,
                      &t->filters.fs_dev_inc, &t->filters.fs_dev_exc, &t->filters.fs_type_inc,
                      &t->filters.fs_type_exc, &t->filters.fs_mp_inc, &t->filters.fs_mp_exc};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]->cfg) hm_filter_free(all[i]);
  if (t->s.arena) otlpd_arena_free(t->s.arena);
  hm_scrape_release(&t->s);
  hm_state_free(&t->state);
  otlpd_settings_free(hm_settings, &t->cfg);
}

static inline const otlp_metric *hm_test_metric(const otlp_metrics_request *r, const char *name) {
  for (size_t i = 0; r && i < r->n_resource_metrics; i++)
    for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++) {
      const otlp_scope_metrics *sm = r->resource_metrics[i]->scope_metrics[j];
      for (size_t k = 0; k < sm->n_metrics; k++)
        if (strcmp(sm->metrics[k]->name, name) == 0) return sm->metrics[k];
    }
  return NULL;
}

static inline size_t hm_test_npoints(const otlp_metric *m) {
  if (!m) return 0;
  return m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE ? m->gauge->n_data_points
                                                                                : m->sum->n_data_points;
}

/* The point of metric `name` whose attributes are exactly "k=v,k=v" (in
 * any order); NULL if none. */
static inline const hm_test_point *hm_test_point_of(const otlp_metrics_request *r, const char *name,
                                                    const char *attrs) {
  const otlp_metric *m = hm_test_metric(r, name);
  if (!m) return NULL;
  hm_test_point **pts = m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE ? m->gauge->data_points
                                                                                               : m->sum->data_points;
  size_t want = attrs[0] ? 1 : 0;
  for (const char *c = attrs; *c; c++) want += *c == ',';
  for (size_t i = 0; i < hm_test_npoints(m); i++) {
    const hm_test_point *p = pts[i];
    if (p->n_attributes != want) continue;
    size_t hit = 0;
    for (size_t a = 0; a < p->n_attributes; a++) {
      char kv[512];
      snprintf(kv, sizeof(kv), "%s=%s", p->attributes[a]->key, p->attributes[a]->value->string_value);
      /* kv must appear as a whole item of attrs */
      size_t kl = strlen(kv);
      for (const char *at = attrs; (at = strstr(at, kv)); at++)
        if ((at == attrs || at[-1] == ',') && (at[kl] == ',' || at[kl] == '\0')) {
          hit++;
          break;
        }
    }
    if (hit == want) return p;
  }
  return NULL;
}

#endif
