/* The service section: pipelines, enabled extensions and telemetry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "telemetry_metrics.h"

/* The log level and the metrics endpoint mean something to otlpd; the
 * rest of otelcol's telemetry block is accepted so existing configs keep
 * loading. */
typedef struct telemetry_logs {
  int level; /* index into log_levels, same order as otlpd_log_level */
  int encoding; /* index into log_encodings */
} telemetry_logs;

typedef struct telemetry_cfg {
  telemetry_logs logs;
  otlpd_cfg_metrics metrics;
} telemetry_cfg;

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_encodings[] = {"console", "json", NULL};

static const otlpd_setting telemetry_logs_tbl[] = {
    OTLPD_S_ENUM(telemetry_logs, "level", level, "info", log_levels, "daemon log level"),
    OTLPD_S_IGNORED("development", "ignored"),
    OTLPD_S_ENUM(telemetry_logs, "encoding", encoding, "console", log_encodings,
                 "console: \"ts level [component] message\" lines; json: one JSON object per line"),
    OTLPD_S_IGNORED("disable_caller", "ignored"),
    OTLPD_S_IGNORED("disable_stacktrace", "ignored"),
    OTLPD_S_IGNORED("sampling", "ignored"),
    OTLPD_S_IGNORED("output_paths", "ignored: logs go to stderr"),
    OTLPD_S_IGNORED("error_output_paths", "ignored: logs go to stderr"),
    OTLPD_S_IGNORED("initial_fields", "ignored"),
    OTLPD_S_IGNORED("processors", "ignored"),
    OTLPD_S_END,
};

static const otlpd_setting telemetry_tbl[] = {
    OTLPD_S_SECTION(telemetry_cfg, "logs", logs, telemetry_logs_tbl, "daemon logging"),
    OTLPD_S_SECTION(telemetry_cfg, "metrics", metrics, otlpd_cfg_metrics_tbl, "the daemon's own metrics (/metrics)"),
    OTLPD_S_IGNORED("traces", "ignored"),
    OTLPD_S_IGNORED("resource", "ignored"),
    OTLPD_S_END,
};

static void build_telemetry(otlpd_config *c, const otlpd_node *n, otlpd_errors *errs) {
  telemetry_cfg t;
  otlpd_settings_defaults(telemetry_tbl, &t);
  if (otlpd_settings_apply(telemetry_tbl, &t, n, "service::telemetry", errs) == 0) {
    c->log_level = (otlpd_log_level)t.logs.level;
    c->log_json = t.logs.encoding == 1;
    otlpd_cfg_metrics_finish(&t.metrics, otlpd_node_get(n, "metrics"), c, errs);
  }
  otlpd_settings_free(telemetry_tbl, &t);
}

/* Listed extensions are the enabled ones; the config has no separate list,
 * so signals_used != 0 marks an extension as enabled. */
static void build_extensions(otlpd_config *c, const otlpd_node *n, otlpd_errors *errs) {
  const char *path = "service::extensions";
  const char **ids;
  size_t n_ids;
  if (otlpd_cfg_id_list(n, path, &ids, &n_ids, errs) != 0)
    return;
  for (size_t i = 0; i < n_ids; i++) {
    otlpd_component_cfg *comp = otlpd_config_find(c, OTLPD_EXTENSION, ids[i]);
    if (!comp)
      otlpd_errorf(errs, "%s: extension \"%s\" is not defined", path, ids[i]);
    else if (comp->signals_used)
      otlpd_errorf(errs, "%s: extension \"%s\" is listed more than once", path, ids[i]);
    else
      comp->signals_used = OTLPD_ALL_SIGNALS;
  }
  free(ids);
}

/* otlpd's own key: how long SIGTERM may take to deliver what is held. */
static void build_shutdown_timeout(otlpd_config *c, const otlpd_node *n, otlpd_errors *errs) {
  if (otlpd_node_is_null(n)) return;
  int64_t ns;
  if (n->kind != OTLPD_NODE_SCALAR || otlpd_parse_duration(n->scalar, &ns) != 0 || ns < 0) {
    char buf[256];
    otlpd_errorf(errs, "service::shutdown_timeout: expected a duration such as \"30s\" (0 = no limit), got %s",
                 otlpd_node_describe(n, buf, sizeof(buf)));
    return;
  }
  c->shutdown_timeout = ns;
}

/* Each component's references to other ids (sending_queue::storage). */
static void validate_refs(otlpd_config *c, otlpd_errors *errs) {
  for (size_t i = 0; i < c->n_components; i++) {
    otlpd_component_cfg *comp = &c->components[i];
    if (!comp->factory || !comp->config || !comp->factory->validate_refs) continue;
    char path[OTLPD_PATH_MAX];
    otlpd_path_join(path, otlpd_kind_section(comp->kind), comp->id);
    size_t before = errs->n;
    if (comp->factory->validate_refs(comp->config, path, c, errs) != 0 && errs->n == before)
      otlpd_errorf(errs, "%s: invalid configuration", path);
  }
}

int otlpd_cfg_build_service(otlpd_config *c, const otlpd_node *service, otlpd_errors *errs) {
  size_t before = errs->n;
  if (!otlpd_node_is_null(service) && service->kind != OTLPD_NODE_MAP) {
    char buf[256];
    otlpd_errorf(errs, "service: expected a map, got %s",
                 otlpd_node_describe(service, buf, sizeof(buf)));
    return -EINVAL;
  }
  for (size_t i = 0; service && i < service->n; i++) {
    const char *k = service->keys[i];
    static const char *const keys[] = {"pipelines", "extensions", "telemetry", "shutdown_timeout"};
    if (strcmp(k, "pipelines") && strcmp(k, "extensions") && strcmp(k, "telemetry") &&
        strcmp(k, "shutdown_timeout")) {
      const char *near = otlpd_suggest(k, keys, 4);
      otlpd_errorf(errs, "service::%s: unknown key%s%s%s", k, near ? " (did you mean \"" : "",
                   near ? near : "", near ? "\"?)" : "");
    }
  }
  build_shutdown_timeout(c, otlpd_node_get(service, "shutdown_timeout"), errs);
  otlpd_cfg_build_pipelines(c, otlpd_node_get(service, "pipelines"), errs);
  build_extensions(c, otlpd_node_get(service, "extensions"), errs);
  build_telemetry(c, otlpd_node_get(service, "telemetry"), errs);
  validate_refs(c, errs);
  return errs->n > before ? -EINVAL : 0;
}
