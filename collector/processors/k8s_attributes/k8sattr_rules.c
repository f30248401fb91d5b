/* What a validated config compiles to: metadata bits, label/annotation
 * rules with their regexes compiled once, association rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_attributes.h"

#define DEFAULT_METADATA (KM_NAMESPACE | KM_POD_NAME | KM_POD_UID | KM_START_TIME | KM_DEPLOYMENT | KM_NODE)

static bool set(const char *s) { return s && *s; }

static int build_rule(const k8sattr_rule_cfg *c, bool annotation, k8sattr_rule *out) {
  memset(out, 0, sizeof(*out));
  out->annotation = annotation;
  out->from = !set(c->from) || !strcmp(c->from, "pod") ? KR_POD : !strcmp(c->from, "node") ? KR_NODE : KR_NAMESPACE;
  out->tag_name = set(c->tag_name) ? c->tag_name : NULL;
  if (set(c->key)) {
    out->key = c->key;
    return 0;
  }
  int ec;
  PCRE2_SIZE off;
  out->re = pcre2_compile((PCRE2_SPTR)c->key_regex, PCRE2_ZERO_TERMINATED, PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL);
  return out->re ? 0 : -EINVAL;
}

static k8sattr_src_kind source_kind(const k8sattr_source_cfg *s) {
  if (!strcmp(s->from, "connection")) return KS_CONNECTION;
  if (!strcmp(s->name, "k8s.pod.uid")) return KS_POD_UID;
  if (!strcmp(s->name, "k8s.pod.name")) return KS_POD_NAME;
  if (!strcmp(s->name, "k8s.namespace.name")) return KS_NAMESPACE;
  return KS_POD_IP; /* k8s.pod.ip, host.name, ip, or any attribute holding an IP */
}

int k8sattr_rules_build(const k8sattr_cfg *c, k8sattr_rules *r) {
  memset(r, 0, sizeof(*r));
  r->passthrough = c->passthrough;
  for (size_t i = 0; i < c->extract.metadata.n; i++) r->metadata |= k8sattr_metadata_bit(c->extract.metadata.v[i]);
  if (!c->extract.metadata.n) r->metadata = DEFAULT_METADATA;
  size_t nl = c->extract.labels.n, na = c->extract.annotations.n;
  if (nl + na && !(r->rules = calloc(nl + na, sizeof(*r->rules)))) return -ENOMEM;
  for (size_t i = 0; i < nl + na; i++) {
    const k8sattr_rule_cfg *rc = i < nl ? &((const k8sattr_rule_cfg *)c->extract.labels.v)[i]
                                        : &((const k8sattr_rule_cfg *)c->extract.annotations.v)[i - nl];
    r->nrules = i + 1;
    int rc2 = build_rule(rc, i >= nl, &r->rules[i]);
    if (rc2) {
      k8sattr_rules_free(r);
      return rc2;
    }
  }
  size_t n = c->pod_association.n;
  r->default_assoc = n == 0;
  if (n && !(r->assoc = calloc(n, sizeof(*r->assoc)))) {
    k8sattr_rules_free(r);
    return -ENOMEM;
  }
  const k8sattr_assoc_cfg *a = c->pod_association.v;
  for (size_t i = 0; i < n; i++) {
    const k8sattr_source_cfg *s = a[i].sources.v;
    for (size_t k = 0; k < a[i].sources.n && k < K8SATTR_MAX_SOURCES; k++) {
      r->assoc[i].src[k].kind = source_kind(&s[k]);
      r->assoc[i].src[k].attr = s[k].name;
    }
    r->assoc[i].n = a[i].sources.n;
  }
  r->nassoc = n;
  r->deployment_from_name = c->extract.deployment_name_from_replicaset;
  if ((r->metadata & KM_DEPLOYMENT) && !r->deployment_from_name) r->link |= KL_DEPLOYMENT;
  if (r->metadata & KM_DEPLOYMENT_UID) r->link |= KL_DEPLOYMENT_UID;
  for (size_t i = 0; i < r->nrules; i++)
    r->link |= r->rules[i].from == KR_NAMESPACE ? KL_NAMESPACE : r->rules[i].from == KR_NODE ? KL_NODE : 0;
  return 0;
}

bool k8sattr_rules_need(const k8sattr_rules *r, k8sattr_kind kind) {
  switch (kind) {
  case KR_POD: return true;
  case KR_REPLICASET: return r->link & (KL_DEPLOYMENT | KL_DEPLOYMENT_UID);
  case KR_NAMESPACE: return r->link & KL_NAMESPACE;
  case KR_NODE: return r->link & KL_NODE;
  default: return false;
  }
}
