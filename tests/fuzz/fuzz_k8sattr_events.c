/* libFuzzer target: the k8s_attributes processor's reading of API server
 * answers (collector/processors/k8s_attributes/: the JSON tokenizer, pod
 * parser, table and event application), untrusted input from the network.
 * The first byte picks a PodList or a stream of watch-event lines; the
 * table must stay consistent: every pod found by uid is found by its own
 * uid again, and its count matches. */
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
    const k8sattr_pod *p = e->pod;
    if (k8sattr_table_by_uid(t, p->uid, strlen(p->uid)) != p) abort();
    for (size_t k = 0; k < p->nattrs; k++)
      if (strlen(p->attrs[k].key) != p->attrs[k].klen || strlen(p->attrs[k].value) != p->attrs[k].vlen) abort();
  }
  if (n != t->npods) abort();
  for (size_t i = 0; i < t->by_ip.cap; i++) /* no IP entry outlives its pod */
    if (t->by_ip.v[i].hash && !k8sattr_table_by_uid(t, t->by_ip.v[i].pod->uid, strlen(t->by_ip.v[i].pod->uid)))
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static k8sattr_rule rule[3];
  static k8sattr_rules rules;
  if (!rules.nrules) {
    int ec;
    PCRE2_SIZE off;
    rule[0] = (k8sattr_rule){.key = "app"};
    rule[1] = (k8sattr_rule){.tag_name = "t.$1", .re = pcre2_compile((PCRE2_SPTR) "team/(.*)", PCRE2_ZERO_TERMINATED,
                                                                     PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL)};
    rule[2] = (k8sattr_rule){.key = "sha", .annotation = true};
    rules = (k8sattr_rules){.metadata = ~0u, .rules = rule, .nrules = 3, .default_assoc = true};
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
    (void)k8sattr_apply_list(&t, &rules, &j, p, size - 1, &rv);
  } else {
    size_t start = 0;
    for (size_t i = 0; i <= size - 1; i++) {
      if (i < size - 1 && p[i] != '\n') continue;
      (void)k8sattr_apply_event(&t, &rules, &j, p + start, i - start, &rv);
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
