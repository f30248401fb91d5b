/* loki settings: the keys of issue #8 (after otelcol-contrib's former
 * lokiexporter where it had them), with the HTTP client's and the exporter
 * helper's tables squashed in as otelcol squashes confighttp and
 * exporterhelper. */
#include <string.h>

#include "loki.h"
#include "otlpd/config.h"

/* Loki 3's default OTLP resource-attribute labels, less k8s.pod.name and
 * service.instance.id, which Loki no longer recommends as labels (high
 * cardinality). service.name is always the label service_name. */
const char *const loki_default_resource_labels[] = {
    "service.namespace",   "deployment.environment", "deployment.environment.name",
    "cloud.region",        "cloud.availability_zone", "container.name",
    "k8s.cluster.name",    "k8s.namespace.name",     "k8s.container.name",
    "k8s.cronjob.name",    "k8s.daemonset.name",     "k8s.deployment.name",
    "k8s.job.name",        "k8s.replicaset.name",    "k8s.statefulset.name",
    NULL,
};

static const char *const encodings[] = {"protobuf", "json", NULL};
static const char *const line_formats[] = {"raw", "json", "logfmt", NULL};

static const otlpd_setting tenant_settings[] = {
    OTLPD_S_STRING(loki_cfg, "source_attribute", tenant.source_attribute, NULL,
                   "resource attribute whose value is the tenant (one push per tenant)"),
    OTLPD_S_END,
};

static const otlpd_setting basic_settings[] = {
    OTLPD_S_STRING(loki_cfg, "username", auth.basic.username, NULL, "basic auth user"),
    OTLPD_S_STRING(loki_cfg, "password", auth.basic.password, NULL, "basic auth password"),
    OTLPD_S_END,
};

/* The nested tables address fields of loki_cfg itself: sections at offset 0. */
static const otlpd_setting auth_settings[] = {
    {"basic", OTLPD_SET_SECTION, 0, NULL, "HTTP basic auth", basic_settings, NULL, 0, 0,
     OTLPD_NO_OFFSET, 0},
    OTLPD_S_STRING(loki_cfg, "bearer_token", auth.bearer_token, NULL,
                   "Authorization: Bearer <token>"),
    OTLPD_S_STRING(loki_cfg, "authenticator", http.auth.authenticator, NULL,
                   "id of an enabled authenticator extension (bearertokenauth, basicauth)"),
    OTLPD_S_END,
};

static const otlpd_setting labels_settings[] = {
    OTLPD_S_STRINGS(loki_cfg, "resource_attributes", labels.resource_attributes,
                    "resource attributes made stream labels (unset: Loki 3's defaults less "
                    "k8s.pod.name and service.instance.id)"),
    OTLPD_S_STRINGS(loki_cfg, "attributes", labels.attributes,
                    "log-record attributes made stream labels"),
    OTLPD_S_END,
};

const otlpd_setting loki_settings[] = {
    OTLPD_S_DURATION(loki_cfg, "timeout", helper.timeout, "30s",
                     "time limit of one push (each attempt)"),
    OTLPD_S_STRING(loki_cfg, "tenant_id", tenant_id, NULL, "static tenant (X-Scope-OrgID)"),
    {"tenant", OTLPD_SET_SECTION, 0, NULL, "tenant from the data", tenant_settings, NULL, 0, 0,
     OTLPD_NO_OFFSET, 0},
    {"auth", OTLPD_SET_SECTION, 0, NULL, "basic or bearer_token", auth_settings, NULL, 0, 0,
     OTLPD_NO_OFFSET, 0},
    OTLPD_S_ENUM(loki_cfg, "encoding", encoding, "protobuf", encodings,
                 "protobuf (logproto.PushRequest, snappy) or json"),
    OTLPD_S_ENUM(loki_cfg, "line_format", line_format, "raw", line_formats,
                 "raw (the body), json (body, attributes, resources, ids) or logfmt"),
    {"labels", OTLPD_SET_SECTION, 0, NULL, "which attributes become stream labels",
     labels_settings, NULL, 0, 0, OTLPD_NO_OFFSET, 0},
    OTLPD_S_BOOL(loki_cfg, "structured_metadata", structured_metadata, "true",
                 "trace_id, span_id, severity_text and other attributes as structured metadata"),
    OTLPD_S_SQUASH(loki_cfg, http, otlpd_http_client_settings),
    OTLPD_S_SQUASH(loki_cfg, helper, otlpd_exphelper_settings),
    OTLPD_S_END,
};

static bool is_url(const char *s) {
  return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static bool set(const char *s) { return s && *s; }

int loki_validate(const void *config, const char *path, otlpd_errors *errs) {
  const loki_cfg *c = config;
  size_t before = errs->n;
  if (!set(c->http.endpoint))
    otlpd_errorf(errs, "%s::endpoint: must be set (e.g. http://loki:3100/loki/api/v1/push)", path);
  else if (!is_url(c->http.endpoint))
    otlpd_errorf(errs, "%s::endpoint: \"%s\" must start with http:// or https://", path,
                 c->http.endpoint);
  if (set(c->auth.bearer_token) && (set(c->auth.basic.username) || set(c->auth.basic.password)))
    otlpd_errorf(errs, "%s::auth: set basic or bearer_token, not both", path);
  if (set(c->http.auth.authenticator) && (set(c->auth.bearer_token) || set(c->auth.basic.username)))
    otlpd_errorf(errs, "%s::auth: set authenticator or basic / bearer_token, not both", path);
  if (set(c->auth.basic.password) && !set(c->auth.basic.username))
    otlpd_errorf(errs, "%s::auth::basic::username: must be set with a password", path);
  if (set(c->tenant_id) && strpbrk(c->tenant_id, "\r\n"))
    otlpd_errorf(errs, "%s::tenant_id: must not contain line breaks", path);
  otlpd_http_client_cfg_validate(&c->http, path, errs);
  otlpd_exphelper_validate(&c->helper, path, errs);
  return errs->n > before ? -EINVAL : 0;
}
