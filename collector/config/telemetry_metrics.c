/* service::telemetry::metrics: level, the older `address` and otelcol's
 * newer `readers: [{pull: {exporter: {prometheus: {host, port}}}}]`. The
 * first pull/prometheus reader wins over `address`; other readers
 * (periodic push) are accepted and ignored. */
#include <stdio.h>
#include <string.h>

#include "telemetry_metrics.h"

static const char *const levels[] = {"none", "basic", "normal", "detailed", NULL};

static const otlpd_setting prometheus_tbl[] = {
    OTLPD_S_STRING(otlpd_cfg_prometheus, "host", host, "localhost", "interface to listen on"),
    OTLPD_S_INT(otlpd_cfg_prometheus, "port", port, "8888", 0, 65535, "TCP port"),
    OTLPD_S_IGNORED("without_units", "ignored: names never carry units"),
    OTLPD_S_IGNORED("without_type_suffix", "ignored: names never carry _total"),
    OTLPD_S_IGNORED("without_scope_info", "ignored: no otel_scope_info is served"),
    OTLPD_S_IGNORED("with_resource_constant_labels", "ignored"),
    OTLPD_S_IGNORED("translation_strategy", "ignored"),
    OTLPD_S_END,
};

static const otlpd_setting pull_exporter_tbl[] = {
    OTLPD_S_SECTION_P(otlpd_cfg_pull_exporter, "prometheus", prometheus, has_prometheus, prometheus_tbl,
                      "serve /metrics in Prometheus text format"),
    OTLPD_S_END,
};

static const otlpd_setting pull_tbl[] = {
    OTLPD_S_SECTION(otlpd_cfg_pull, "exporter", exporter, pull_exporter_tbl, "pull exporter"),
    OTLPD_S_END,
};

static const otlpd_setting reader_tbl[] = {
    OTLPD_S_SECTION_P(otlpd_cfg_reader, "pull", pull, has_pull, pull_tbl, "a scraped reader"),
    OTLPD_S_IGNORED("periodic", "ignored: otlpd does not push its own metrics"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_cfg_metrics_tbl[] = {
    OTLPD_S_ENUM(otlpd_cfg_metrics, "level", level, "normal", levels,
                 "none disables the endpoint; the others serve the same metrics"),
    OTLPD_S_ENDPOINT(otlpd_cfg_metrics, "address", address, "localhost:8888",
                     "host:port serving /metrics (older form of readers)"),
    OTLPD_S_SECTIONS(otlpd_cfg_metrics, "readers", readers, otlpd_cfg_reader, reader_tbl,
                     "the first pull/prometheus reader sets host and port"),
    OTLPD_S_IGNORED("views", "ignored"),
    OTLPD_S_END,
};

static const otlpd_cfg_prometheus *first_prometheus(const otlpd_cfg_metrics *m) {
  const otlpd_cfg_reader *r = m->readers.v;
  for (size_t i = 0; i < m->readers.n; i++)
    if (r[i].has_pull && r[i].pull.exporter.has_prometheus) return &r[i].pull.exporter.prometheus;
  return NULL;
}

void otlpd_cfg_metrics_finish(const otlpd_cfg_metrics *m, const otlpd_node *node, otlpd_config *c,
                              otlpd_errors *errs) {
  c->metrics_level = (otlpd_metrics_level)m->level;
  const otlpd_cfg_prometheus *p = first_prometheus(m);
  int n;
  if (p) {
    const char *host = p->host ? p->host : "localhost";
    bool v6 = strchr(host, ':') != NULL && host[0] != '[';
    n = snprintf(c->metrics_endpoint, sizeof(c->metrics_endpoint), v6 ? "[%s]:%lld" : "%s:%lld", host,
                 (long long)p->port);
    c->metrics_endpoint_set = true;
  } else {
    n = snprintf(c->metrics_endpoint, sizeof(c->metrics_endpoint), "%s", m->address);
    c->metrics_endpoint_set = otlpd_node_get(node, "address") != NULL;
  }
  if (n < 0 || (size_t)n >= sizeof(c->metrics_endpoint))
    otlpd_errorf(errs, "service::telemetry::metrics: endpoint is too long");
}
