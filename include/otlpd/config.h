/* Configuration: YAML in the OpenTelemetry Collector schema.
 *
 * Loading turns one or more YAML files into a node tree (merged in order,
 * `${env:VAR}` expanded, `--set` applied); building walks that tree with
 * the registry's settings tables into typed component configs and the
 * pipeline graph. Every problem is collected, not only the first. */
#ifndef OTLPD_CONFIG_H
#define OTLPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "otlpd/component.h"
#include "otlpd/log.h"
#include "otlpd/settings.h"

/* Errors make a config invalid; warnings (a setting that has no effect, an
 * unset environment variable) are shown but do not. */
typedef struct otlpd_errors {
  char **msgs;
  size_t n, cap;
  char **warns;
  size_t nw, capw;
} otlpd_errors;

void otlpd_errorf(otlpd_errors *e, const char *fmt, ...) OTLPD_PRINTF(2, 3);
void otlpd_warnf(otlpd_errors *e, const char *fmt, ...) OTLPD_PRINTF(2, 3);
void otlpd_errors_free(otlpd_errors *e);
/* "warning: ..." lines, then "error: ..." lines. */
void otlpd_errors_print(const otlpd_errors *e, FILE *f);

/* The candidate nearest to word (edit distance at most a third of its
 * length, at least 1), for "did you mean" hints; NULL if none is close. */
const char *otlpd_suggest(const char *word, const char *const *cands, size_t n);
/* The same over a settings table's keys (squashed tables included). */
const char *otlpd_settings_suggest(const otlpd_setting *tbl, const char *word);

typedef enum {
  OTLPD_NODE_NULL = 0,
  OTLPD_NODE_SCALAR,
  OTLPD_NODE_MAP,
  OTLPD_NODE_SEQ
} otlpd_node_kind;

typedef struct otlpd_node {
  otlpd_node_kind kind;
  char *scalar;          /* SCALAR: the text after env expansion */
  bool quoted;           /* SCALAR was quoted: never null/bool/number */
  char **keys;           /* MAP: keys[i] -> items[i] */
  struct otlpd_node **items; /* MAP values or SEQ items */
  size_t n, cap;
  int line;              /* 1-based line in its file, 0 if synthesized */
} otlpd_node;

otlpd_node *otlpd_node_new(otlpd_node_kind k);
void otlpd_node_free(otlpd_node *n);
const otlpd_node *otlpd_node_get(const otlpd_node *map, const char *key);
/* true for a missing node, an explicit null and "~" */
bool otlpd_node_is_null(const otlpd_node *n);

/* Parse YAML text (name is used in error messages). NULL on error. */
otlpd_node *otlpd_yaml_parse(const char *text, size_t len, const char *name, otlpd_errors *errs);
/* Load and deep-merge files in order (maps merge, scalars and sequences
 * of later files replace), expanding ${env:VAR}, ${VAR}, ${env:VAR:-def}
 * and $$ (a literal $). NULL on error. */
otlpd_node *otlpd_config_load(const char *const *files, size_t n_files, otlpd_errors *errs);
/* Apply "a::b::c=value" or "a.b.c=value" (value parsed as YAML). */
int otlpd_config_set(otlpd_node *root, const char *assignment, otlpd_errors *errs);

/* Settings engine (collector/config/settings.c). path names the node in
 * errors, e.g. "exporters::file/x". */
void otlpd_settings_defaults(const otlpd_setting *tbl, void *cfg);
int otlpd_settings_apply(const otlpd_setting *tbl, void *cfg, const otlpd_node *node,
                         const char *path, otlpd_errors *errs);
void otlpd_settings_free(const otlpd_setting *tbl, void *cfg);
/* Lines "  key (type, default X): doc" with nested sections indented. */
void otlpd_settings_print(FILE *f, const otlpd_setting *tbl, int indent);
/* Value parsers shared with components. 0 or -EINVAL. */
int otlpd_parse_duration(const char *s, int64_t *ns);
int otlpd_parse_size(const char *s, int64_t *bytes);
int otlpd_parse_endpoint(const char *s, char *host, size_t hostlen, int *port);

/* The built configuration. */
typedef struct otlpd_component_cfg {
  char *id;                      /* "file/x" */
  otlpd_kind kind;
  const otlpd_factory *factory;
  void *config;                  /* config_size bytes, filled by the table */
  unsigned signals_used;         /* signals of the pipelines naming it */
} otlpd_component_cfg;

typedef struct otlpd_pipeline_cfg {
  char *id;                      /* "traces", "logs/es" */
  otlpd_signal signal;
  otlpd_component_cfg **receivers, **processors, **exporters;
  size_t n_receivers, n_processors, n_exporters;
} otlpd_pipeline_cfg;

/* Matches a Kubernetes pod's default terminationGracePeriodSeconds. */
#define OTLPD_DEFAULT_SHUTDOWN_TIMEOUT (30 * OTLPD_NS_PER_SEC)

/* service::telemetry::metrics::level. none = no /metrics endpoint; the
 * others serve the same set today (otlpd has no per-level detail yet). */
typedef enum {
  OTLPD_METRICS_NONE = 0,
  OTLPD_METRICS_BASIC,
  OTLPD_METRICS_NORMAL,
  OTLPD_METRICS_DETAILED,
} otlpd_metrics_level;

#define OTLPD_METRICS_ENDPOINT_MAX 280

typedef struct otlpd_config {
  otlpd_node *root;
  otlpd_component_cfg *components; /* every defined component, all kinds */
  size_t n_components;
  otlpd_pipeline_cfg *pipelines;
  size_t n_pipelines;
  otlpd_log_level log_level;       /* service::telemetry::logs::level */
  bool log_json;                   /* service::telemetry::logs::encoding: json */
  int64_t shutdown_timeout;        /* service::shutdown_timeout, ns; 0 = wait for ever */
  otlpd_metrics_level metrics_level;         /* service::telemetry::metrics::level */
  char metrics_endpoint[OTLPD_METRICS_ENDPOINT_MAX]; /* host:port serving /metrics */
  bool metrics_endpoint_set;       /* configured, not defaulted: failing to bind is fatal */
} otlpd_config;

/* Validates the whole tree; fills out on success (0). On failure returns
 * -EINVAL with every problem in errs. Takes ownership of root either way. */
int otlpd_config_build(otlpd_node *root, otlpd_config *out, otlpd_errors *errs);
void otlpd_config_free(otlpd_config *c);
otlpd_component_cfg *otlpd_config_find(const otlpd_config *c, otlpd_kind k, const char *id);

#endif
