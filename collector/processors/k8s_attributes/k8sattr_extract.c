/* Label and annotation rules (extract::labels / annotations) run on one
 * key/value of a pod, namespace or node: which attributes it yields.
 * Off the hot path: run when an object arrives from the API. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s_attributes.h"

/* tag_name with $0..$9 replaced by the key_regex's groups. */
static int expand_tag(const char *tag, const char *key, size_t klen, pcre2_match_data *md, const char *val,
                      size_t vlen, k8sattr_put_fn put, void *ctx) {
  char out[512];
  size_t o = 0;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
  uint32_t ng = pcre2_get_ovector_count(md);
  for (const char *s = tag; *s && o < sizeof(out) - 1; s++) {
    if (s[0] == '$' && s[1] >= '0' && s[1] <= '9' && (uint32_t)(s[1] - '0') < ng) {
      uint32_t g = (uint32_t)(s[1] - '0');
      if (ov[2 * g] != PCRE2_UNSET)
        for (PCRE2_SIZE k = ov[2 * g]; k < ov[2 * g + 1] && k < klen && o < sizeof(out) - 1; k++) out[o++] = key[k];
      s++;
      continue;
    }
    out[o++] = *s;
  }
  return put(ctx, out, o, val, vlen);
}

/* otelcol's default tag: k8s.<kind>.labels.<key> / .annotations.<key> */
static int default_tag(k8sattr_kind from, bool annotation, const char *key, size_t klen, const char *val,
                       size_t vlen, k8sattr_put_fn put, void *ctx) {
  char tag[512];
  const char *kind = from == KR_NAMESPACE ? "namespace" : from == KR_NODE ? "node" : "pod";
  int n = snprintf(tag, sizeof(tag), "k8s.%s.%s.%.*s", kind, annotation ? "annotations" : "labels", (int)klen, key);
  return put(ctx, tag, (size_t)n < sizeof(tag) ? (size_t)n : sizeof(tag) - 1, val, vlen);
}

int k8sattr_rules_extract(const k8sattr_rules *r, k8sattr_kind from, bool annotation, const char *key, size_t klen,
                          const char *val, size_t vlen, k8sattr_put_fn put, void *ctx) {
  for (size_t i = 0; i < r->nrules; i++) {
    const k8sattr_rule *ru = &r->rules[i];
    if (ru->annotation != annotation || ru->from != from) continue;
    if (ru->key) {
      if (strlen(ru->key) != klen || memcmp(ru->key, key, klen)) continue;
      int rc = ru->tag_name ? put(ctx, ru->tag_name, strlen(ru->tag_name), val, vlen)
                            : default_tag(from, annotation, key, klen, val, vlen, put, ctx);
      if (rc) return rc;
      continue;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(ru->re, NULL);
    if (!md) return -ENOMEM;
    int m = pcre2_match(ru->re, (PCRE2_SPTR)key, klen, 0, 0, md, NULL);
    int rc = 0;
    if (m > 0)
      rc = ru->tag_name ? expand_tag(ru->tag_name, key, klen, md, val, vlen, put, ctx)
                        : default_tag(from, annotation, key, klen, val, vlen, put, ctx);
    pcre2_match_data_free(md);
    if (rc) return rc;
  }
  return 0;
}

void k8sattr_rules_free(k8sattr_rules *r) {
  for (size_t i = 0; i < r->nrules; i++) pcre2_code_free(r->rules[i].re);
  free(r->rules);
  free(r->assoc);
  memset(r, 0, sizeof(*r));
}
