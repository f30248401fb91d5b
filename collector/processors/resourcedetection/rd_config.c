/* resourcedetection settings, with otelcol-contrib's keys and defaults. */
#include <errno.h>
#include <string.h>

#include "otlpd/config.h"
#include "resourcedetection.h"

static const otlpd_setting enabled_settings[] = {
    OTLPD_S_BOOL(rd_enabled, "enabled", enabled, "true", "detect this attribute"),
    OTLPD_S_END,
};

static const otlpd_setting system_attr_settings[] = {
    OTLPD_S_SECTION(rd_system_attrs, "host.name", host_name, enabled_settings, "host.name"),
    OTLPD_S_SECTION(rd_system_attrs, "host.id", host_id, enabled_settings, "host.id (/etc/machine-id)"),
    OTLPD_S_SECTION(rd_system_attrs, "os.type", os_type, enabled_settings, "os.type"),
    OTLPD_S_END,
};

static const otlpd_setting system_settings[] = {
    OTLPD_S_STRINGS(rd_system_cfg, "hostname_sources", hostname_sources,
                    "where host.name comes from, first that answers: dns (FQDN), os (default [dns, os])"),
    OTLPD_S_SECTION(rd_system_cfg, "resource_attributes", attrs, system_attr_settings,
                    "which attributes to detect (each `enabled`, default true)"),
    OTLPD_S_END,
};

static const otlpd_setting k8snode_settings[] = {
    OTLPD_S_STRING(rd_k8snode_cfg, "node_from_env_var", node_from_env_var, "K8S_NODE_NAME",
                   "environment variable holding the node name (downward API spec.nodeName)"),
    OTLPD_S_IGNORED("auth_type", "otlpd reads the node name only, no API call"),
    OTLPD_S_IGNORED("context", "otlpd reads the node name only, no API call"),
    OTLPD_S_IGNORED("resource_attributes", "k8s.node.name is always detected; k8s.node.uid is not"),
    OTLPD_S_END,
};

const otlpd_setting rd_settings[] = {
    OTLPD_S_STRINGS(rd_cfg, "detectors", detectors, "env, system, k8snode, in order of precedence"),
    OTLPD_S_BOOL(rd_cfg, "override", override, "true", "detected values replace attributes already set"),
    OTLPD_S_DURATION(rd_cfg, "timeout", timeout, "5s", "accepted as otelcol's; local detection does not wait"),
    OTLPD_S_SECTION(rd_cfg, "system", system, system_settings, "system detector"),
    OTLPD_S_SECTION(rd_cfg, "k8snode", k8snode, k8snode_settings, "k8snode detector"),
    OTLPD_S_IGNORED("attributes", "deprecated otelcol filter of detected keys"),
    OTLPD_S_END,
};

/* Detectors of otelcol-contrib that only mean something on a cloud or
 * platform otlpd does not query: common in shared configs, so a warning. */
static const char *const platform_detectors[] = {
    "gcp", "ec2", "ecs", "eks", "elasticbeanstalk", "lambda", "azure", "aks", "consul", "docker",
    "heroku", "openshift", "k8s_cluster", "kubeadm", "dynatrace", "akamai", "scaleway", "hetzner",
    "openstack", "upcloud", "vultr", "digitalocean", "oraclecloud", NULL};

static bool in(const char *const *list, const char *s) {
  for (size_t i = 0; list[i]; i++)
    if (!strcmp(list[i], s)) return true;
  return false;
}

int rd_validate(const void *config, const char *path, otlpd_errors *errs) {
  const rd_cfg *c = config;
  static const char *const supported[] = {"env", "system", "k8snode", NULL};
  static const char *const sources[] = {"dns", "os", "cname", "lookup", NULL};
  size_t before = errs->n;
  for (size_t i = 0; i < c->detectors.n; i++) {
    const char *d = c->detectors.v[i];
    if (in(supported, d)) continue;
    if (in(platform_detectors, d))
      otlpd_warnf(errs, "%s::detectors[%zu]: \"%s\" is not supported by otlpd (only env, system, k8snode): ignored",
                  path, i, d);
    else
      otlpd_errorf(errs, "%s::detectors[%zu]: unknown detector \"%s\" (otlpd has env, system, k8snode)", path, i, d);
  }
  for (size_t i = 0; i < c->system.hostname_sources.n; i++)
    if (!in(sources, c->system.hostname_sources.v[i]))
      otlpd_errorf(errs, "%s::system::hostname_sources[%zu]: invalid source \"%s\" (dns, os, cname or lookup)", path,
                   i, c->system.hostname_sources.v[i]);
  if (!c->k8snode.node_from_env_var || !*c->k8snode.node_from_env_var)
    otlpd_errorf(errs, "%s::k8snode::node_from_env_var: empty", path);
  return errs->n > before ? -EINVAL : 0;
}
