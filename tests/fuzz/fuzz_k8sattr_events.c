/* libFuzzer target: the k8s_attributes processor's reading of API server
 * answers (collector/processors/k8s_attributes/: the JSON tokenizer, pod
 * parser, table and event application), untrusted input from the network.
 * The first byte picks a list or a stream of watch-event lines; a list's
 * second byte, and each line's first character (R: ReplicaSet, N:
 * Namespace, D: Node, else Pod), pick the kind, so events of the side
 * tables and pods interleave and link. The table must stay consistent:
 * every pod found by uid is found by its own uid again, and its count
 * matches; every side-table object is found by its key; a pod's
 * attributes start with its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../collector/processors/k8s_attributes/k8s_attributes.h"
#include "../../collector/processors/k8s_attributes/k8sattr_json.h"

static void check_table(const k8sattr_table *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->by_uid.cap; i++) {
    const k8sattr_map_ent *e = &t->by_uid.v[i];
    if (!e->hash) continue;
    n++;
    const k8sattr_pod *p = e->val;
    if (k8sattr_table_by_uid(t, p->uid, strlen(p->uid)) != p) abort();
    for (size_t k = 0; k < p->nattrs; k++)
      if (strlen(p->attrs[k].key) != p->attrs[k].klen || strlen(p->attrs[k].value) != p->attrs[k].vlen) abort();
  }
  if (n != t->npods) abort();
  for (int k = KR_REPLICASET; k < KR_NKINDS; k++) {
    size_t no = 0;
    for (size_t i = 0; i < t->objs[k].map.cap; i++) {
      const k8sattr_obj *o = t->objs[k].map.v[i].val;
      if (!t->objs[k].map.v[i].hash) continue;
      no++;
      if (k8sattr_table_obj(t, (k8sattr_kind)k, o->key, strlen(o->key)) != o) abort();
    }
    if (no != t->objs[k].map.n) abort();
  }
  for (size_t i = 0; i < t->by_uid.cap; i++) {
    const k8sattr_pod *p = t->by_uid.v[i].val;
    if (!t->by_uid.v[i].hash) continue;
    if (p->nattrs < p->nown || (p->nown && memcmp(p->attrs, p->own, p->nown * sizeof(*p->own)))) abort();
  }
  for (size_t i = 0; i < t->by_ip.cap; i++) { /* no IP entry outlives its pod */
    const k8sattr_pod *p = t->by_ip.v[i].val;
    if (t->by_ip.v[i].hash && !k8sattr_table_by_uid(t, p->uid, strlen(p->uid))) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static k8sattr_rule rule[5];
  static k8sattr_rules rules;
  if (!rules.nrules) {
    int ec;
    PCRE2_SIZE off;
    rule[0] = (k8sattr_rule){.key = "app"};
    rule[1] = (k8sattr_rule){.tag_name = "t.$1", .re = pcre2_compile((PCRE2_SPTR) "team/(.*)", PCRE2_ZERO_TERMINATED,
                                                                     PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL)};
    rule[2] = (k8sattr_rule){.key = "sha", .annotation = true};
    rule[3] = (k8sattr_rule){.key = "team", .from = KR_NAMESPACE};
    rule[4] = (k8sattr_rule){.tag_name = "zone", .key = "zone", .from = KR_NODE};
    rules = (k8sattr_rules){.metadata = ~0u, .rules = rule, .nrules = 5, .default_assoc = true,
                            .link = KL_DEPLOYMENT | KL_DEPLOYMENT_UID | KL_NAMESPACE | KL_NODE};
  }
  /* exactly `size` bytes, so ASan sees any read past them */
  char *p = malloc(size - 1 ? size - 1 : 1);
  if (!p) return 0;
  memcpy(p, data + 1, size - 1);
  k8sattr_table t;
  k8sattr_table_init(&t, NULL);
  k8sattr_json j = {0};
  char *rv = NULL;
  if (data[0] & 1) {
    (void)k8sattr_apply_kind_list_page(&t, &rules, (k8sattr_kind)((data[0] >> 1) % KR_NKINDS), &j, p, size - 1,
                                       true, &rv, NULL);
  } else {
    size_t start = 0;
    for (size_t i = 0; i <= size - 1; i++) {
      if (i < size - 1 && p[i] != '\n') continue;
      size_t s0 = start;
      k8sattr_kind kind = KR_POD;
      if (i > s0 && (p[s0] == 'R' || p[s0] == 'N' || p[s0] == 'D')) {
        kind = p[s0] == 'R' ? KR_REPLICASET : p[s0] == 'N' ? KR_NAMESPACE : KR_NODE;
        s0++;
      }
      (void)k8sattr_apply_kind_event(&t, &rules, kind, &j, p + s0, i - s0, &rv);
      check_table(&t);
      start = i + 1;
    }
  }
  check_table(&t);
  k8sattr_table_free(&t);
  k8sattr_json_free(&j);
  free(rv);
  free(p);
  return 0;
}
