/* k8s_attributes settings: otelcol-contrib k8sattributes' keys. */
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"
#include "otlpd/config.h"

static const otlpd_setting selector_settings[] = {
    OTLPD_S_STRING(k8sattr_selector_cfg, "key", key, NULL, "field or label name"),
    OTLPD_S_STRING(k8sattr_selector_cfg, "value", value, NULL, "value to compare with"),
    OTLPD_S_STRING(k8sattr_selector_cfg, "op", op, "equals",
                   "equals, not-equals (labels also exists, does-not-exist)"),
    OTLPD_S_END,
};

static const otlpd_setting filter_settings[] = {
    OTLPD_S_STRING(k8sattr_filter_cfg, "node", node, NULL, "watch only the pods of this node"),
    OTLPD_S_STRING(k8sattr_filter_cfg, "node_from_env_var", node_from_env_var, NULL,
                   "watch only the pods of the node named by this environment variable (DaemonSet: K8S_NODE_NAME)"),
    OTLPD_S_STRING(k8sattr_filter_cfg, "namespace", namespace_, NULL, "watch only this namespace's pods"),
    OTLPD_S_SECTIONS(k8sattr_filter_cfg, "fields", fields, k8sattr_selector_cfg, selector_settings,
                     "field selectors sent to the API server"),
    OTLPD_S_SECTIONS(k8sattr_filter_cfg, "labels", labels, k8sattr_selector_cfg, selector_settings,
                     "label selectors sent to the API server"),
    OTLPD_S_END,
};

static const otlpd_setting rule_settings[] = {
    OTLPD_S_STRING(k8sattr_rule_cfg, "tag_name", tag_name, NULL,
                   "attribute to set (default k8s.pod.labels.<key> / k8s.pod.annotations.<key>; $1.. from key_regex)"),
    OTLPD_S_STRING(k8sattr_rule_cfg, "key", key, NULL, "label or annotation key"),
    OTLPD_S_STRING(k8sattr_rule_cfg, "key_regex", key_regex, NULL, "regex matching whole keys, instead of key"),
    OTLPD_S_STRING(k8sattr_rule_cfg, "regex", regex, NULL, "removed from otelcol: a config error"),
    OTLPD_S_STRING(k8sattr_rule_cfg, "from", from, "pod",
                   "pod, namespace (the pod's Namespace) or node (the pod's Node)"),
    OTLPD_S_END,
};

static const otlpd_setting extract_settings[] = {
    OTLPD_S_STRINGS(k8sattr_extract_cfg, "metadata", metadata,
                    "attributes taken from the pod (default: k8s.namespace.name, k8s.pod.name, k8s.pod.uid, "
                    "k8s.pod.start_time, k8s.deployment.name, k8s.node.name)"),
    OTLPD_S_BOOL(k8sattr_extract_cfg, "deployment_name_from_replicaset", deployment_name_from_replicaset, "false",
                 "k8s.deployment.name from the ReplicaSet's name without its hash suffix, instead of watching "
                 "ReplicaSets for their Deployment owner"),
    OTLPD_S_SECTIONS(k8sattr_extract_cfg, "labels", labels, k8sattr_rule_cfg, rule_settings,
                     "pod labels to copy into attributes"),
    OTLPD_S_SECTIONS(k8sattr_extract_cfg, "annotations", annotations, k8sattr_rule_cfg, rule_settings,
                     "pod annotations to copy into attributes"),
    OTLPD_S_IGNORED("otel_annotations", "not supported; no effect"),
    OTLPD_S_END,
};

static const otlpd_setting source_settings[] = {
    OTLPD_S_STRING(k8sattr_source_cfg, "from", from, NULL, "resource_attribute or connection"),
    OTLPD_S_STRING(k8sattr_source_cfg, "name", name, NULL,
                   "resource_attribute: k8s.pod.ip, k8s.pod.uid, k8s.pod.name, k8s.namespace.name, host.name, ip"),
    OTLPD_S_END,
};

static const otlpd_setting assoc_settings[] = {
    OTLPD_S_SECTIONS(k8sattr_assoc_cfg, "sources", sources, k8sattr_source_cfg, source_settings,
                     "all must be present for this rule to identify a pod"),
    OTLPD_S_END,
};

const otlpd_setting k8sattr_settings[] = {
    OTLPD_S_STRING(k8sattr_cfg, "auth_type", auth_type, "serviceAccount",
                   "serviceAccount (in-cluster token and CA) or none (no token); kubeConfig/tls: not supported"),
    OTLPD_S_BOOL(k8sattr_cfg, "passthrough", passthrough, "false",
                 "only add k8s.pod.ip from the connection; no API access"),
    OTLPD_S_SECTION(k8sattr_cfg, "filter", filter, filter_settings, "which pods to watch"),
    OTLPD_S_SECTION(k8sattr_cfg, "extract", extract, extract_settings, "what to add"),
    OTLPD_S_SECTIONS(k8sattr_cfg, "pod_association", pod_association, k8sattr_assoc_cfg, assoc_settings,
                     "rules, tried in order, that find a resource's pod (default: k8s.pod.ip, ip, connection, host.name)"),
    OTLPD_S_BOOL(k8sattr_cfg, "wait_for_metadata", wait_for_metadata, "false",
                 "refuse data (retryably) until the first pod list arrived or the timeout passed"),
    OTLPD_S_DURATION(k8sattr_cfg, "wait_for_metadata_timeout", wait_for_metadata_timeout, "10s",
                     "how long wait_for_metadata waits"),
    OTLPD_S_IGNORED("exclude", "pods never associated by name; no effect yet"),
    OTLPD_S_END,
};

static bool set(const char *s) { return s && *s; }

static const char *const metadata_names[] = {
    "k8s.namespace.name",   "k8s.pod.name", "k8s.pod.uid",          "k8s.pod.start_time",
    "k8s.deployment.name",  "k8s.node.name", "k8s.replicaset.name", "k8s.pod.ip",
    "k8s.pod.hostname",     "k8s.daemonset.name", "k8s.statefulset.name", "k8s.job.name",
    "k8s.cronjob.name",     "k8s.container.name", "container.image.name", "container.image.tag",
    "k8s.replicaset.uid",   "k8s.deployment.uid", NULL};

/* KM_* bit of a metadata name; 0 when otlpd does not know it. */
unsigned k8sattr_metadata_bit(const char *name) {
  for (unsigned i = 0; name && metadata_names[i]; i++)
    if (!strcmp(name, metadata_names[i])) return 1u << i;
  return 0;
}

static void check_selectors(const otlpd_sections *s, const char *path, const char *what, bool labels,
                            otlpd_errors *errs) {
  const k8sattr_selector_cfg *v = s->v;
  for (size_t i = 0; i < s->n; i++) {
    const char *op = set(v[i].op) ? v[i].op : "equals";
    bool ok = !strcmp(op, "equals") || !strcmp(op, "not-equals") ||
              (labels && (!strcmp(op, "exists") || !strcmp(op, "does-not-exist")));
    if (!set(v[i].key)) otlpd_errorf(errs, "%s::filter::%s[%zu]::key: missing", path, what, i);
    if (!ok) otlpd_errorf(errs, "%s::filter::%s[%zu]::op: unsupported \"%s\"", path, what, i, op);
  }
}

static void check_rules(const otlpd_sections *s, const char *path, const char *what, otlpd_errors *errs) {
  const k8sattr_rule_cfg *v = s->v;
  for (size_t i = 0; i < s->n; i++) {
    const k8sattr_rule_cfg *r = &v[i];
    if (set(r->regex))
      otlpd_errorf(errs, "%s::extract::%s[%zu]::regex: removed from otelcol; use key_regex", path, what, i);
    if (set(r->key) == set(r->key_regex))
      otlpd_errorf(errs, "%s::extract::%s[%zu]: exactly one of key and key_regex", path, what, i);
    if (set(r->from) && strcmp(r->from, "pod") != 0 && strcmp(r->from, "namespace") != 0 &&
        strcmp(r->from, "node") != 0)
      otlpd_errorf(errs, "%s::extract::%s[%zu]::from: \"%s\" is not supported (pod, namespace or node)", path,
                   what, i, r->from);
    if (set(r->key_regex)) {
      int ec;
      PCRE2_SIZE off;
      pcre2_code *re = pcre2_compile((PCRE2_SPTR)r->key_regex, PCRE2_ZERO_TERMINATED, PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec,
                                     &off, NULL);
      if (!re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        otlpd_errorf(errs, "%s::extract::%s[%zu]::key_regex: %s at offset %zu", path, what, i, (char *)msg,
                     (size_t)off);
      }
      pcre2_code_free(re);
    }
  }
}

static void check_assoc(const otlpd_sections *s, const char *path, otlpd_errors *errs) {
  const k8sattr_assoc_cfg *a = s->v;
  for (size_t i = 0; i < s->n; i++) {
    const k8sattr_source_cfg *src = a[i].sources.v;
    if (a[i].sources.n == 0)
      otlpd_errorf(errs, "%s::pod_association[%zu]::sources: at least one source", path, i);
    if (a[i].sources.n > K8SATTR_MAX_SOURCES)
      otlpd_errorf(errs, "%s::pod_association[%zu]::sources: at most %d", path, i, K8SATTR_MAX_SOURCES);
    for (size_t k = 0; k < a[i].sources.n; k++) {
      const char *from = src[k].from;
      if (set(from) && !strcmp(from, "connection")) continue;
      if (!set(from) || strcmp(from, "resource_attribute") != 0) {
        otlpd_errorf(errs, "%s::pod_association[%zu]::sources[%zu]::from: \"%s\" (resource_attribute or connection)",
                     path, i, k, from ? from : "");
      } else if (!set(src[k].name)) {
        otlpd_errorf(errs, "%s::pod_association[%zu]::sources[%zu]::name: missing", path, i, k);
      }
    }
  }
}

int k8sattr_validate(const void *cfg, const char *path, otlpd_errors *errs) {
  const k8sattr_cfg *c = cfg;
  size_t before = errs->n;
  const char *auth = set(c->auth_type) ? c->auth_type : "serviceAccount";
  if (strcmp(auth, "serviceAccount") != 0 && strcmp(auth, "none") != 0)
    otlpd_errorf(errs, "%s::auth_type: \"%s\" is not supported (serviceAccount or none)", path, auth);
  for (size_t i = 0; i < c->extract.metadata.n; i++)
    if (!k8sattr_metadata_bit(c->extract.metadata.v[i]))
      otlpd_errorf(errs, "%s::extract::metadata[%zu]: \"%s\" is not supported", path, i,
                   c->extract.metadata.v[i]);
  check_rules(&c->extract.labels, path, "labels", errs);
  check_rules(&c->extract.annotations, path, "annotations", errs);
  check_selectors(&c->filter.fields, path, "fields", false, errs);
  check_selectors(&c->filter.labels, path, "labels", true, errs);
  check_assoc(&c->pod_association, path, errs);
  if (set(c->filter.node) && set(c->filter.node_from_env_var))
    otlpd_errorf(errs, "%s::filter: node and node_from_env_var are exclusive", path);
  return errs->n != before;
}
