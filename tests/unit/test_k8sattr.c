/* k8s_attributes: the JSON tokenizer, pods from a list and watch events
 * into the table, extraction rules, association (attributes, connection)
 * and the copy-on-write edit. The API side end to end: tests/k8sattr/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "edit_fixtures.h"
#include "otlpd/config.h"
#include "processors/k8s_attributes/k8s_attributes.h"
#include "processors/k8s_attributes/k8sattr_json.h"

extern const otlpd_factory otlpd_processor_k8s_attributes;
extern const otlpd_factory otlpd_processor_k8sattributes;

/* ---- tokenizer ---- */

static int tokens(const char *s, k8sattr_jtype *out, size_t max) {
  k8sattr_json j = {0};
  k8sattr_json_init(&j, s, strlen(s));
  k8sattr_jtok t;
  int n = 0;
  for (;;) {
    k8sattr_jtype ty = k8sattr_json_next(&j, &t);
    if ((size_t)n < max) out[n] = ty;
    n++;
    if (ty == KJ_END || ty == KJ_ERROR) break;
  }
  k8sattr_json_free(&j);
  return n;
}

static void test_json_tokens(void **st) {
  (void)st;
  k8sattr_jtype t[32];
  int n = tokens(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}} ", t, 32);
  k8sattr_jtype want[] = {KJ_OBJ_BEGIN, KJ_KEY,   KJ_ARR_BEGIN, KJ_NUMBER, KJ_NUMBER,  KJ_TRUE,
                          KJ_FALSE,     KJ_NULL,  KJ_STRING,    KJ_ARR_END, KJ_KEY,    KJ_OBJ_BEGIN,
                          KJ_OBJ_END,   KJ_OBJ_END, KJ_END};
  assert_int_equal(n, (int)(sizeof(want) / sizeof(want[0])));
  for (int i = 0; i < n; i++) assert_int_equal(t[i], want[i]);
}

static void test_json_errors(void **st) {
  (void)st;
  const char *bad[] = {"{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "[1,]", "{\"a\":1]", "\"x", "tru", "{} {}",
                       "\"\\q\"", "\"a\x01\"", "", "[-]", "{1:2}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    k8sattr_jtype t[16];
    int n = tokens(bad[i], t, 16);
    if (t[(n < 16 ? n : 16) - 1] != KJ_ERROR) fail_msg("accepted: %s", bad[i]);
  }
}

static void test_json_escapes(void **st) {
  (void)st;
  const char *s = "[\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\\ud800x\", \"plain\"]";
  k8sattr_json j = {0};
  k8sattr_json_init(&j, s, strlen(s));
  k8sattr_jtok t;
  assert_int_equal(k8sattr_json_next(&j, &t), KJ_ARR_BEGIN);
  assert_int_equal(k8sattr_json_next(&j, &t), KJ_STRING);
  const char want[] = "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx";
  assert_int_equal(t.n, sizeof(want) - 1);
  assert_memory_equal(t.s, want, t.n);
  assert_int_equal(k8sattr_json_next(&j, &t), KJ_STRING);
  assert_true(KJ_IS(&t, "plain"));
  assert_int_equal(k8sattr_json_next(&j, &t), KJ_ARR_END);
  assert_int_equal(k8sattr_json_next(&j, &t), KJ_END);
  k8sattr_json_free(&j);
}

static void test_json_depth(void **st) {
  (void)st;
  char s[300];
  memset(s, '[', 100);
  memset(s + 100, ']', 100);
  s[200] = 0;
  k8sattr_jtype t[1];
  (void)t;
  k8sattr_json j = {0};
  k8sattr_json_init(&j, s, 200);
  k8sattr_jtok tok;
  k8sattr_jtype ty;
  while ((ty = k8sattr_json_next(&j, &tok)) != KJ_END && ty != KJ_ERROR) {}
  assert_int_equal(ty, KJ_ERROR);
  k8sattr_json_free(&j);
}

/* ---- config ---- */

static void *load(const otlpd_factory *f, const char *yaml, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, f->config_size);
  otlpd_settings_defaults(f->settings, cfg);
  int rc = otlpd_settings_apply(f->settings, cfg, n, "processors::k8s_attributes", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = f->validate(cfg, "processors::k8s_attributes", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(f->settings, cfg);
  free(cfg);
  return NULL;
}

static void unload(void *cfg) {
  otlpd_settings_free(k8sattr_settings, cfg);
  free(cfg);
}

static bool has_error(const otlpd_errors *e, const char *needle) {
  for (size_t i = 0; i < e->n; i++)
    if (strstr(e->msgs[i], needle)) return true;
  return false;
}

static void test_config_errors(void **st) {
  (void)st;
  struct {
    const char *yaml, *err;
  } cases[] = {
      {"auth_type: kubeConfig\n", "auth_type: \"kubeConfig\" is not supported"},
      {"extract: {metadata: [k8s.cluster.uid]}\n", "metadata[0]: \"k8s.cluster.uid\" is not supported"},
      {"extract: {labels: [{key: a, key_regex: b}]}\n", "exactly one of key and key_regex"},
      {"extract: {labels: [{key_regex: '(a'}]}\n", "key_regex: missing closing parenthesis"},
      {"extract: {annotations: [{key: a, regex: 'x=(?P<value>.*)'}]}\n", "regex: removed from otelcol"},
      {"extract: {labels: [{key: a, from: cluster}]}\n", "\"cluster\" is not supported (pod, namespace or node)"},
      {"pod_association: [{sources: [{from: somewhere}]}]\n", "\"somewhere\" (resource_attribute or connection)"},
      {"pod_association: [{sources: [{from: resource_attribute}]}]\n", "sources[0]::name: missing"},
      {"pod_association: [{sources: []}]\n", "at least one source"},
      {"filter: {labels: [{key: a, op: sometimes}]}\n", "op: unsupported \"sometimes\""},
      {"filter: {node: a, node_from_env_var: B}\n", "exclusive"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    otlpd_errors errs = {0};
    void *cfg = load(&otlpd_processor_k8s_attributes, cases[i].yaml, &errs);
    assert_null(cfg);
    if (!has_error(&errs, cases[i].err)) {
      for (size_t k = 0; k < errs.n; k++) fprintf(stderr, "  got: %s\n", errs.msgs[k]);
      fail_msg("no error \"%s\" for %s", cases[i].err, cases[i].yaml);
    }
    otlpd_errors_free(&errs);
  }
}

/* ---- pods into the table ---- */

#define POD(name, uid, ip, extra_meta, extra_spec)                                                      \
  "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name "\",\"namespace\":\"shop\",\"uid\":\"" uid          \
  "\",\"resourceVersion\":\"7\",\"creationTimestamp\":\"2026-11-29T09:00:00Z\"" extra_meta "},"        \
  "\"spec\":{\"nodeName\":\"node-a\",\"containers\":[{\"name\":\"app\",\"image\":\"reg:5000/shop/app:1.2\"}]" \
  extra_spec "},\"status\":{\"phase\":\"Running\",\"podIP\":\"" ip "\",\"podIPs\":[{\"ip\":\"" ip       \
  "\"},{\"ip\":\"fd00::" uid "\"}]}}"

static const char *LIST =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"100\"},\"items\":["
    POD("cart-7d9f8b6c5d-x2x4q", "u1", "10.1.0.1",
        ",\"labels\":{\"app\":\"cart\",\"pod-template-hash\":\"7d9f8b6c5d\",\"team.io/owner\":\"ann\"},"
        "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"huge\\\":1}\",\"sha\":\"abc\"},"
        "\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"cart-7d9f8b6c5d\",\"uid\":\"r1\"}]",
        "") ","
    POD("agent-abcde", "u2", "10.0.0.9", ",\"ownerReferences\":[{\"kind\":\"DaemonSet\",\"name\":\"agent\"}]",
        ",\"hostNetwork\":true") ","
    POD("job-28000000-zz", "u3", "10.1.0.3", ",\"ownerReferences\":[{\"kind\":\"Job\",\"name\":\"backup-28000000\"}]",
        "") "]}";

typedef struct fx {
  void *cfg;
  k8sattr_rules rules;
  k8sattr_table table;
  k8sattr_json json;
  char *rv;
  otlpd_memacct mem;
} fx;

static void fx_init(fx *f, const char *yaml) {
  otlpd_errors errs = {0};
  memset(f, 0, sizeof(*f));
  f->cfg = load(&otlpd_processor_k8s_attributes, yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.msgs[i]);
  assert_non_null(f->cfg);
  assert_int_equal(k8sattr_rules_build(f->cfg, &f->rules), 0);
  k8sattr_table_init(&f->table, &f->mem);
}

static void fx_free(fx *f) {
  k8sattr_table_free(&f->table);
  k8sattr_rules_free(&f->rules);
  k8sattr_json_free(&f->json);
  free(f->rv);
  unload(f->cfg);
}

static const char *pod_attr(const k8sattr_pod *p, const char *key) {
  for (size_t i = 0; p && i < p->nattrs; i++)
    if (!strcmp(p->attrs[i].key, key)) return p->attrs[i].value;
  return NULL;
}

static void test_list_and_extract(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "extract:\n"
              "  deployment_name_from_replicaset: true\n"
              "  metadata: [k8s.namespace.name, k8s.pod.name, k8s.pod.uid, k8s.pod.start_time, k8s.deployment.name,\n"
              "             k8s.node.name, k8s.replicaset.name, k8s.daemonset.name, k8s.job.name, k8s.cronjob.name]\n"
              "  labels:\n"
              "    - {key: app}\n"
              "    - {tag_name: owner, key: team.io/owner}\n"
              "    - {tag_name: 'team.$1', key_regex: 'team\\.io/(.*)'}\n"
              "    - {tag_name: partial, key_regex: 'team'}\n"
              "  annotations:\n"
              "    - {tag_name: commit, key: sha}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  assert_string_equal(f.rv, "100");
  assert_int_equal(f.table.npods, 3);

  const k8sattr_pod *p = k8sattr_table_by_ip(&f.table, "10.1.0.1", 8);
  assert_non_null(p);
  assert_ptr_equal(p, k8sattr_table_by_uid(&f.table, "u1", 2));
  assert_ptr_equal(p, k8sattr_table_by_name(&f.table, "shop", 4, "cart-7d9f8b6c5d-x2x4q", 21));
  assert_ptr_equal(p, k8sattr_table_by_ip(&f.table, "fd00::u1", 8)); /* podIPs: every address */
  assert_string_equal(pod_attr(p, "k8s.namespace.name"), "shop");
  assert_string_equal(pod_attr(p, "k8s.pod.name"), "cart-7d9f8b6c5d-x2x4q");
  assert_string_equal(pod_attr(p, "k8s.pod.uid"), "u1");
  assert_string_equal(pod_attr(p, "k8s.pod.start_time"), "2026-11-29T09:00:00Z");
  assert_string_equal(pod_attr(p, "k8s.deployment.name"), "cart");
  assert_string_equal(pod_attr(p, "k8s.replicaset.name"), "cart-7d9f8b6c5d");
  assert_string_equal(pod_attr(p, "k8s.node.name"), "node-a");
  assert_string_equal(pod_attr(p, "k8s.pod.labels.app"), "cart");
  assert_string_equal(pod_attr(p, "owner"), "ann");
  assert_string_equal(pod_attr(p, "team.owner"), "ann");
  assert_null(pod_attr(p, "partial")); /* key_regex matches whole keys, as otelcol */
  assert_string_equal(pod_attr(p, "commit"), "abc");
  assert_null(pod_attr(p, "k8s.pod.labels.pod-template-hash")); /* no rule asks for it */
  assert_null(pod_attr(p, "k8s.pod.annotations.kubectl.kubernetes.io/last-applied-configuration"));

  /* host network: shares the node's IP, so never found by it */
  assert_null(k8sattr_table_by_ip(&f.table, "10.0.0.9", 8));
  const k8sattr_pod *agent = k8sattr_table_by_uid(&f.table, "u2", 2);
  assert_non_null(agent);
  assert_string_equal(pod_attr(agent, "k8s.daemonset.name"), "agent");
  assert_null(pod_attr(agent, "k8s.deployment.name"));

  const k8sattr_pod *job = k8sattr_table_by_uid(&f.table, "u3", 2);
  assert_string_equal(pod_attr(job, "k8s.job.name"), "backup-28000000");
  assert_string_equal(pod_attr(job, "k8s.cronjob.name"), "backup");
  fx_free(&f);
}

static void test_deployment_of(void **st) {
  (void)st;
  assert_int_equal(k8sattr_deployment_of("cart-7d9f8b6c5d", "7d9f8b6c5d"), 4);
  assert_int_equal(k8sattr_deployment_of("my-app-v2-5c4b", "5c4b"), 9);
  assert_int_equal(k8sattr_deployment_of("cart-7d9f8b6c5d", "other"), 0); /* not a deployment's */
  assert_int_equal(k8sattr_deployment_of("cart-7d9f8b6c5d", NULL), 4);     /* no hash label: last segment */
  assert_int_equal(k8sattr_deployment_of("cart", NULL), 0);
  assert_int_equal(k8sattr_deployment_of("-abc", NULL), 0);
}

static int ev(fx *f, const char *line) {
  return k8sattr_apply_event(&f->table, &f->rules, &f->json, line, strlen(line), &f->rv);
}

/* ---- side tables: ReplicaSets, Namespaces, Nodes ---- */

#define RS(uid, name, dep, dep_uid)                                                                     \
  "{\"kind\":\"ReplicaSet\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"" name "\",\"namespace\":"   \
  "\"shop\",\"uid\":\"" uid "\",\"resourceVersion\":\"50\",\"labels\":{\"app\":\"x\"},\"ownerReferences\":"      \
  "[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"" dep "\",\"uid\":\"" dep_uid "\","      \
  "\"controller\":true}]},\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2}}"
#define NS(name, labels, annotations)                                                                   \
  "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" name "\",\"uid\":\"ns-" name      \
  "\",\"resourceVersion\":\"60\",\"labels\":{" labels "},\"annotations\":{" annotations "}},"                \
  "\"status\":{\"phase\":\"Active\"}}"

static int obj_ev(fx *f, k8sattr_kind kind, const char *type, const char *obj) {
  char line[2048];
  snprintf(line, sizeof(line), "{\"type\":\"%s\",\"object\":%s}", type, obj);
  return k8sattr_apply_kind_event(&f->table, &f->rules, kind, &f->json, line, strlen(line), &f->rv);
}

static int obj_list(fx *f, k8sattr_kind kind, const char *items) {
  char body[4096];
  snprintf(body, sizeof(body), "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"70\"},\"items\":[%s]}", items);
  return k8sattr_apply_kind_list_page(&f->table, &f->rules, kind, &f->json, body, strlen(body), true, &f->rv, NULL);
}

/* k8s.deployment.name comes from the ReplicaSet's Deployment owner, not
 * from the ReplicaSet's name: here they differ, as after a Deployment
 * was renamed, or a ReplicaSet adopted. The link follows either side
 * arriving first, changes and deletes; an unchanged ReplicaSet (a status
 * update) leaves the pod's attributes as they were. */
static void test_replicaset_deployment(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "extract:\n"
              "  metadata: [k8s.pod.name, k8s.deployment.name, k8s.deployment.uid, k8s.replicaset.name,\n"
              "             k8s.replicaset.uid]\n");
  assert_true(k8sattr_rules_need(&f.rules, KR_REPLICASET));
  assert_false(k8sattr_rules_need(&f.rules, KR_NAMESPACE));
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  const k8sattr_pod *p = k8sattr_table_by_uid(&f.table, "u1", 2);
  assert_string_equal(pod_attr(p, "k8s.replicaset.uid"), "r1");
  assert_string_equal(pod_attr(p, "k8s.replicaset.name"), "cart-7d9f8b6c5d");
  assert_null(pod_attr(p, "k8s.deployment.name")); /* no ReplicaSet known yet: no trimming guess */

  assert_int_equal(obj_list(&f, KR_REPLICASET, RS("r1", "cart-7d9f8b6c5d", "storefront", "d1") ","
                                                 RS("r9", "other-55", "other", "d9")), 0);
  assert_int_equal(f.table.objs[KR_REPLICASET].map.n, 2);
  assert_string_equal(pod_attr(p, "k8s.deployment.name"), "storefront");
  assert_string_equal(pod_attr(p, "k8s.deployment.uid"), "d1");
  assert_string_equal(pod_attr(p, "k8s.pod.name"), "cart-7d9f8b6c5d-x2x4q");
  assert_null(pod_attr(k8sattr_table_by_uid(&f.table, "u3", 2), "k8s.deployment.name")); /* a Job's pod */

  /* a status update: same owner, nothing rebuilt */
  const k8sattr_attr *before = p->attrs;
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "MODIFIED", RS("r1", "cart-7d9f8b6c5d", "storefront", "d1")), 0);
  assert_ptr_equal(p->attrs, before);
  /* adopted by another Deployment */
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "MODIFIED", RS("r1", "cart-7d9f8b6c5d", "shop-cart", "d2")), 0);
  assert_string_equal(pod_attr(p, "k8s.deployment.name"), "shop-cart");
  assert_string_equal(pod_attr(p, "k8s.deployment.uid"), "d2");
  /* a pod that arrives after its ReplicaSet */
  assert_int_equal(ev(&f, "{\"type\":\"ADDED\",\"object\":" POD("cart-7d9f8b6c5d-new", "u7", "10.1.0.7",
                        ",\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"cart-7d9f8b6c5d\",\"uid\":\"r1\"}]",
                        "") "}"), 0);
  assert_string_equal(pod_attr(k8sattr_table_by_uid(&f.table, "u7", 2), "k8s.deployment.name"), "shop-cart");
  /* the ReplicaSet goes: so does what it gave */
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "DELETED", RS("r1", "cart-7d9f8b6c5d", "shop-cart", "d2")), 0);
  assert_null(pod_attr(p, "k8s.deployment.name"));
  assert_null(pod_attr(k8sattr_table_by_uid(&f.table, "u7", 2), "k8s.deployment.uid"));
  assert_string_equal(pod_attr(p, "k8s.replicaset.uid"), "r1");
  /* back, then a relist without it */
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "ADDED", RS("r1", "cart-7d9f8b6c5d", "storefront", "d1")), 0);
  assert_string_equal(pod_attr(p, "k8s.deployment.name"), "storefront");
  assert_int_equal(obj_list(&f, KR_REPLICASET, RS("r9", "other-55", "other", "d9")), 0);
  assert_int_equal(f.table.objs[KR_REPLICASET].map.n, 1);
  assert_null(pod_attr(p, "k8s.deployment.name"));
  /* watch errors and bookmarks, as for pods */
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "BOOKMARK",
                          "{\"kind\":\"ReplicaSet\",\"metadata\":{\"resourceVersion\":\"99\"}}"), 0);
  assert_string_equal(f.rv, "99");
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "ERROR", "{\"kind\":\"Status\",\"code\":410}"), K8SATTR_EV_GONE);
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "ADDED", "{\"metadata\":{\"uid\":[}"), -EBADMSG);
  assert_int_equal(f.table.charged, otlpd_memacct_used(&f.mem));
  fx_free(&f);
  assert_int_equal(otlpd_memacct_used(&f.mem), 0);
}

/* extract rules from: namespace / node take the pod's Namespace's and
 * Node's labels and annotations; a change to them reaches the pods;
 * the pod's own attributes win a clash (otelcol inserts). */
static void test_namespace_node_rules(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "extract:\n"
              "  metadata: [k8s.pod.name]\n"
              "  labels:\n"
              "    - {key: team, from: namespace}\n"
              "    - {tag_name: k8s.pod.labels.app, key: owner, from: namespace}\n"
              "    - {key: app}\n"
              "    - {tag_name: zone, key: topology.kubernetes.io/zone, from: node}\n"
              "  annotations:\n"
              "    - {tag_name: 'ns.$1', key_regex: 'example\\.com/(.*)', from: namespace}\n");
  assert_true(k8sattr_rules_need(&f.rules, KR_NAMESPACE));
  assert_true(k8sattr_rules_need(&f.rules, KR_NODE));
  assert_false(k8sattr_rules_need(&f.rules, KR_REPLICASET));
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  const k8sattr_pod *p = k8sattr_table_by_uid(&f.table, "u1", 2);
  assert_null(pod_attr(p, "k8s.namespace.labels.team"));
  assert_int_equal(obj_list(&f, KR_NAMESPACE,
                            NS("shop", "\"team\":\"payments\",\"owner\":\"ns-owner\"", "\"example.com/cost\":\"42\"") ","
                            NS("other", "\"team\":\"else\"", "")), 0);
  assert_string_equal(pod_attr(p, "k8s.namespace.labels.team"), "payments");
  assert_string_equal(pod_attr(p, "ns.cost"), "42");
  size_t apps = 0; /* the pod's own label wins over the namespace rule's same tag */
  for (size_t i = 0; i < p->nattrs; i++) apps += !strcmp(p->attrs[i].key, "k8s.pod.labels.app");
  assert_int_equal(apps, 1);
  assert_string_equal(pod_attr(p, "k8s.pod.labels.app"), "cart");
  assert_null(pod_attr(p, "k8s.namespace.labels.kubernetes.io/metadata.name")); /* no rule asks */
  /* the labels change */
  assert_int_equal(obj_ev(&f, KR_NAMESPACE, "MODIFIED", NS("shop", "\"team\":\"checkout\"", "")), 0);
  assert_string_equal(pod_attr(p, "k8s.namespace.labels.team"), "checkout");
  assert_null(pod_attr(p, "ns.cost"));
  /* the node's labels */
  const char *node = "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\",\"uid\":\"n1\",\"labels\":"
                     "{\"topology.kubernetes.io/zone\":\"eu-1a\",\"team\":\"infra\"}}}";
  assert_int_equal(obj_ev(&f, KR_NODE, "ADDED", node), 0);
  assert_string_equal(pod_attr(p, "zone"), "eu-1a");
  assert_null(pod_attr(p, "k8s.node.labels.team")); /* team: a namespace rule only */
  assert_string_equal(pod_attr(p, "k8s.namespace.labels.team"), "checkout");
  assert_int_equal(obj_ev(&f, KR_NAMESPACE, "DELETED", NS("shop", "", "")), 0);
  assert_null(pod_attr(p, "k8s.namespace.labels.team"));
  assert_string_equal(pod_attr(p, "zone"), "eu-1a");
  assert_int_equal(f.table.charged, otlpd_memacct_used(&f.mem));
  fx_free(&f);
  assert_int_equal(otlpd_memacct_used(&f.mem), 0);
}

static void test_watch_events(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "{}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);

  /* ADDED */
  assert_int_equal(ev(&f, "{\"type\":\"ADDED\",\"object\":" POD("new", "u9", "10.1.0.9", ",\"resourceVersion\":\"101\"", "") "}"), 0);
  const k8sattr_pod *p = k8sattr_table_by_ip(&f.table, "10.1.0.9", 8);
  assert_non_null(p);
  assert_string_equal(pod_attr(p, "k8s.pod.name"), "new");
  assert_int_equal(f.table.npods, 4);

  /* MODIFIED with a new IP: the old one finds nothing any more */
  assert_int_equal(ev(&f, "{\"object\":" POD("new", "u9", "10.1.0.10", "", "") ",\"type\":\"MODIFIED\"}"), 0);
  assert_null(k8sattr_table_by_ip(&f.table, "10.1.0.9", 8));
  assert_non_null(k8sattr_table_by_ip(&f.table, "10.1.0.10", 9));
  assert_int_equal(f.table.npods, 4);

  /* an IP taken over by a new pod survives the old pod's deletion */
  assert_int_equal(ev(&f, "{\"type\":\"ADDED\",\"object\":" POD("reuse", "u10", "10.1.0.1", "", "") "}"), 0);
  assert_int_equal(ev(&f, "{\"type\":\"DELETED\",\"object\":" POD("cart", "u1", "10.1.0.1", "", "") "}"), 0);
  p = k8sattr_table_by_ip(&f.table, "10.1.0.1", 8);
  assert_non_null(p);
  assert_string_equal(p->uid, "u10");
  assert_null(k8sattr_table_by_uid(&f.table, "u1", 2));
  assert_int_equal(f.table.npods, 4);

  /* a finished pod gives its IP back */
  assert_int_equal(ev(&f, "{\"type\":\"MODIFIED\",\"object\":" POD("new", "u9", "10.1.0.10", "", "") "}"), 0);
  assert_int_equal(ev(&f, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"uid\":\"u9\",\"name\":\"new\",\"namespace\":\"shop\"},"
                          "\"status\":{\"phase\":\"Succeeded\",\"podIP\":\"10.1.0.10\"}}}"), 0);
  assert_null(k8sattr_table_by_ip(&f.table, "10.1.0.10", 9));
  assert_non_null(k8sattr_table_by_uid(&f.table, "u9", 2));

  /* BOOKMARK: only the resourceVersion moves */
  assert_int_equal(ev(&f, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"555\"}}}"), 0);
  assert_string_equal(f.rv, "555");
  assert_int_equal(f.table.npods, 4);

  /* ERROR 410: relist; other errors: -EPROTO; garbage: -EBADMSG */
  assert_int_equal(ev(&f, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\","
                          "\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}"), K8SATTR_EV_GONE);
  assert_int_equal(ev(&f, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500}}"), -EPROTO);
  assert_int_equal(ev(&f, "{\"type\":\"ADDED\",\"object\":{\"metadata\":"), -EBADMSG);
  assert_int_equal(ev(&f, "{\"kind\":\"Status\",\"code\":410}"), -EBADMSG);
  assert_int_equal(f.table.npods, 4);

  /* a relist drops what it does not hold */
  const char *relist = "{\"metadata\":{\"resourceVersion\":\"900\"},\"items\":[" POD("only", "u20", "10.1.0.20", "", "") "]}";
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, relist, strlen(relist), &f.rv), 0);
  assert_int_equal(f.table.npods, 1);
  assert_null(k8sattr_table_by_ip(&f.table, "10.1.0.1", 8));
  assert_non_null(k8sattr_table_by_ip(&f.table, "10.1.0.20", 9));
  assert_string_equal(f.rv, "900");
  fx_free(&f);
}

/* A list in pages: pods add up page by page; only the last page (no
 * metadata.continue) drops the pods no page had; a broken page drops
 * nothing and gives no token. */
static void test_list_pages(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "{}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  assert_int_equal(f.table.npods, 3); /* u1 u2 u3 */
  const char *p1 = "{\"metadata\":{\"resourceVersion\":\"700\",\"continue\":\"tok-1\",\"remainingItemCount\":2},"
                   "\"items\":[" POD("a", "u1", "10.1.0.1", "", "") "]}";
  const char *p2 = "{\"metadata\":{\"continue\":\"tok-2\",\"resourceVersion\":\"700\"},\"items\":["
                   POD("b", "u7", "10.1.0.7", "", "") "]}";
  const char *p3 = "{\"metadata\":{\"resourceVersion\":\"700\",\"continue\":\"\"},\"items\":["
                   POD("c", "u8", "10.1.0.8", "", "") "]}";
  char *cont = NULL;
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, p1, strlen(p1), true, &f.rv, &cont), 0);
  assert_string_equal(cont, "tok-1");
  assert_int_equal(f.table.npods, 3); /* nothing dropped before the last page */
  free(cont);
  cont = NULL;
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, p2, strlen(p2), false, &f.rv, &cont), 0);
  assert_string_equal(cont, "tok-2");
  assert_int_equal(f.table.npods, 4);
  /* a broken page: no token, nothing dropped */
  free(cont);
  cont = NULL;
  const char *bad = "{\"metadata\":{\"continue\":\"tok-3\"},\"items\":[{\"metadata\":";
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, bad, strlen(bad), false, &f.rv, &cont),
                   -EBADMSG);
  assert_null(cont);
  assert_int_equal(f.table.npods, 4);
  /* the pages again from the first: the last one ends the generation */
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, p1, strlen(p1), true, &f.rv, &cont), 0);
  free(cont);
  cont = NULL;
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, p2, strlen(p2), false, &f.rv, &cont), 0);
  free(cont);
  cont = NULL;
  assert_int_equal(k8sattr_apply_list_page(&f.table, &f.rules, &f.json, p3, strlen(p3), false, &f.rv, &cont), 0);
  assert_null(cont);
  assert_int_equal(f.table.npods, 3); /* u1 u7 u8 */
  assert_non_null(k8sattr_table_by_uid(&f.table, "u1", 2));
  assert_non_null(k8sattr_table_by_uid(&f.table, "u7", 2));
  assert_non_null(k8sattr_table_by_ip(&f.table, "10.1.0.8", 8));
  assert_null(k8sattr_table_by_uid(&f.table, "u2", 2));
  assert_null(k8sattr_table_by_uid(&f.table, "u3", 2));
  assert_string_equal(f.rv, "700");
  fx_free(&f);
}

/* The table's bytes are charged to the daemon's accounting while held:
 * more pods, more bytes; a relist to fewer pods and deletes give bytes
 * back; freeing the table gives back everything. */
static void test_memory_accounting(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "{}\n");
  assert_int_equal(otlpd_memacct_used(&f.mem), 0);
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  size_t three = otlpd_memacct_used(&f.mem);
  assert_true(three >= 3 * sizeof(k8sattr_pod));
  assert_int_equal(three, f.table.charged);
  char line[512];
  for (int i = 0; i < 200; i++) {
    snprintf(line, sizeof(line), "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"m%d\",\"name\":\"p%d\","
             "\"namespace\":\"ns\"},\"status\":{\"podIP\":\"10.9.%d.%d\"}}}", i, i, i / 250, i % 250);
    assert_int_equal(ev(&f, line), 0);
  }
  size_t many = otlpd_memacct_used(&f.mem);
  assert_int_equal(f.table.npods, 203);
  assert_true(many > three + 200 * sizeof(k8sattr_pod)); /* pods and the grown maps */
  assert_int_equal(ev(&f, "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"uid\":\"m0\"}}}"), 0);
  assert_true(otlpd_memacct_used(&f.mem) < many);
  const char *relist = "{\"metadata\":{\"resourceVersion\":\"900\"},\"items\":[" POD("only", "u20", "10.1.0.20", "", "") "]}";
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, relist, strlen(relist), &f.rv), 0);
  assert_int_equal(f.table.npods, 1);
  size_t one = otlpd_memacct_used(&f.mem);
  assert_true(one < many - 200 * sizeof(k8sattr_pod));
  assert_int_equal(one, f.table.charged);
  k8sattr_table_free(&f.table);
  assert_int_equal(otlpd_memacct_used(&f.mem), 0);
  k8sattr_table_init(&f.table, &f.mem);
  fx_free(&f);
}

/* Many pods in and out: every lookup agrees with a plain list. */
static void test_table_churn(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "{}\n");
  enum { N = 3000 };
  static bool live[N];
  memset(live, 0, sizeof(live));
  unsigned seed = 7;
  char line[1024];
  for (int step = 0; step < 20000; step++) {
    seed = seed * 1103515245u + 12345u;
    int k = (int)((seed >> 8) % N);
    bool add = (seed >> 4) & 1;
    snprintf(line, sizeof(line),
             "{\"type\":\"%s\",\"object\":{\"metadata\":{\"uid\":\"uid-%d\",\"name\":\"p%d\",\"namespace\":\"n\"},"
             "\"status\":{\"podIP\":\"10.2.%d.%d\"}}}",
             add ? "ADDED" : "DELETED", k, k, k / 256, k % 256);
    assert_int_equal(ev(&f, line), 0);
    live[k] = add;
  }
  size_t n = 0;
  for (int k = 0; k < N; k++) {
    char ip[32], uid[32];
    snprintf(ip, sizeof(ip), "10.2.%d.%d", k / 256, k % 256);
    snprintf(uid, sizeof(uid), "uid-%d", k);
    const k8sattr_pod *p = k8sattr_table_by_ip(&f.table, ip, strlen(ip));
    assert_int_equal(p != NULL, live[k]);
    assert_int_equal(k8sattr_table_by_uid(&f.table, uid, strlen(uid)) != NULL, live[k]);
    if (p) assert_string_equal(p->uid, uid);
    n += live[k];
  }
  assert_int_equal(f.table.npods, n);
  fx_free(&f);
}

/* ---- association and the edit ---- */

static const char *SPANS =
    "{\"resourceSpans\":["
    "{\"resource\":{\"attributes\":[{\"key\":\"k8s.pod.ip\",\"value\":{\"stringValue\":\"10.1.0.1\"}}]},"
    " \"scopeSpans\":[{\"spans\":[{\"name\":\"a\"}]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"k8s.pod.uid\",\"value\":{\"stringValue\":\"u3\"}},"
    "  {\"key\":\"k8s.pod.name\",\"value\":{\"stringValue\":\"mine\"}}]},"
    " \"scopeSpans\":[{\"spans\":[{\"name\":\"b\"}]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"c\"}}]},"
    " \"scopeSpans\":[{\"spans\":[{\"name\":\"c\"}]}]}"
    "]}";

static otlp_resource *res(const otlpd_batch *b, size_t i) {
  return ((otlp_resource_spans *)b->resources[i])->resource;
}

/* What processing entry i of b adds (NULL pod: nothing found). */
static const k8sattr_pod *assoc(fx *f, const otlpd_batch *b, size_t i, const char *addr, const char **conn) {
  otlp_resource *r = res(b, i);
  return k8sattr_associate(&f->rules, &f->table, r->n_attributes, r->attributes, addr, conn);
}

static void test_associate_default(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "{}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, SPANS, true, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(pl);
  const char *conn;
  /* k8s.pod.ip first */
  const k8sattr_pod *p = assoc(&f, b, 0, "10.1.0.3", &conn);
  assert_non_null(p);
  assert_string_equal(p->uid, "u1");
  assert_null(conn);
  /* no IP attribute: the connection */
  p = assoc(&f, b, 2, "10.1.0.3", &conn);
  assert_non_null(p);
  assert_string_equal(p->uid, "u3");
  assert_string_equal(conn, "10.1.0.3");
  /* nothing to go by */
  assert_null(assoc(&f, b, 2, NULL, &conn));
  assert_null(conn);
  otlpd_batch_unref(b);
  otlpd_payload_unref(pl);
  fx_free(&f);
}

static void test_associate_rules(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "pod_association:\n"
              "  - sources: [{from: resource_attribute, name: k8s.pod.uid}, {from: resource_attribute, name: k8s.pod.name}]\n"
              "  - sources: [{from: resource_attribute, name: k8s.pod.uid}]\n"
              "  - sources: [{from: connection}]\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, SPANS, true, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(pl);
  const char *conn;
  /* entry 1 has uid u3 and name "mine": the first rule applies (all its
   * sources are present) and the name disagrees, so no pod: otelcol
   * does not fall through to the next rule once one is complete */
  assert_null(assoc(&f, b, 1, "10.1.0.1", &conn));
  /* entry 0 has neither uid nor name: the connection rule */
  const k8sattr_pod *p = assoc(&f, b, 0, "10.1.0.3", &conn);
  assert_non_null(p);
  assert_string_equal(p->uid, "u3");
  assert_string_equal(conn, "10.1.0.3");
  otlpd_batch_unref(b);
  otlpd_payload_unref(pl);
  fx_free(&f);

  fx_init(&f, "pod_association:\n"
              "  - sources: [{from: resource_attribute, name: k8s.pod.name}, {from: resource_attribute, name: k8s.namespace.name}]\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  pl = ef_payload(OTLPD_TRACES,
                  "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
                  "{\"key\":\"k8s.pod.name\",\"value\":{\"stringValue\":\"agent-abcde\"}},"
                  "{\"key\":\"k8s.namespace.name\",\"value\":{\"stringValue\":\"shop\"}}]},"
                  "\"scopeSpans\":[{\"spans\":[{\"name\":\"a\"}]}]}]}",
                  true, NULL);
  b = otlpd_batch_from_payload(pl);
  p = assoc(&f, b, 0, NULL, &conn);
  assert_non_null(p);
  assert_string_equal(p->uid, "u2"); /* a host-network pod is found by name */
  otlpd_batch_unref(b);
  otlpd_payload_unref(pl);
  fx_free(&f);
}

/* The processor itself, with its table filled through the watch code's
 * entry points: a passthrough instance (no API) and the edit rules. */
typedef struct capture {
  otlpd_consumer base;
  otlpd_batch *got;
} capture;

static int capture_consume(otlpd_consumer *self, otlpd_batch *b) {
  capture *c = (capture *)self;
  otlpd_batch_unref(c->got);
  otlpd_batch_ref(b);
  c->got = b;
  return OTLPD_OK;
}

static void test_passthrough_connection(void **st) {
  (void)st;
  otlpd_errors errs = {0};
  void *cfg = load(&otlpd_processor_k8sattributes, "passthrough: true\n", &errs);
  assert_non_null(cfg);
  capture down = {.base.consume = capture_consume};
  otlpd_counters counters = {0};
  otlpd_host host = {.counters = &counters, .mutates_data = true, .id = "k8sattributes"};
  otlpd_create_params cp = {.host = &host, .config = cfg, .signal = OTLPD_TRACES};
  cp.next[OTLPD_TRACES] = &down.base;
  void *state;
  assert_int_equal(otlpd_processor_k8sattributes.create(&cp, &state), 0);
  assert_int_equal(otlpd_processor_k8sattributes.start(state), 0); /* no API access */
  otlpd_consumer *in = otlpd_processor_k8sattributes.consumer(state);

  otlpd_payload *pl = ef_payload(OTLPD_TRACES, SPANS, true, NULL);
  otlpd_client_info ci = {.addr = "10.9.9.9"};
  pl->client = &ci;
  otlpd_batch *b = otlpd_batch_from_payload(pl);
  assert_int_equal(otlpd_consume(in, b), 0);
  assert_non_null(down.got);
  assert_ptr_not_equal(down.got, b); /* edited: its own batch */
  assert_string_equal(ef_attr(down.got, 0, "k8s.pod.ip"), "10.1.0.1"); /* had one: kept */
  assert_string_equal(ef_attr(down.got, 2, "k8s.pod.ip"), "10.9.9.9"); /* from the connection */
  assert_string_equal(ef_attr(down.got, 2, "service.name"), "c");
  assert_string_equal(ef_attr(down.got, 1, "k8s.pod.ip"), "10.9.9.9");
  assert_null(ef_kv(down.got, 0, "k8s.pod.name"));
  /* the batch it was given is unchanged, wire bytes included */
  assert_string_equal(ef_attr(b, 2, "k8s.pod.ip"), "");
  assert_non_null(b->raw[2].p);
  assert_non_null(down.got->raw[0].p); /* untouched entry keeps its bytes */
  assert_null(down.got->raw[2].p);
  otlpd_batch_unref(b);
  otlpd_batch_unref(down.got);
  down.got = NULL;

  /* no client address and no attributes: passed on as it came */
  pl->client = NULL;
  otlpd_payload *pl2 = ef_payload(OTLPD_TRACES,
                                  "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"spans\":[{\"name\":\"a\"}]}]}]}",
                                  true, NULL);
  b = otlpd_batch_from_payload(pl2);
  assert_int_equal(otlpd_consume(in, b), 0);
  assert_ptr_equal(down.got, b);
  otlpd_batch_unref(b);
  otlpd_batch_unref(down.got);
  otlpd_payload_unref(pl2);
  otlpd_payload_unref(pl);
  otlpd_processor_k8sattributes.shutdown(state);
  otlpd_processor_k8sattributes.destroy(state);
  unload(cfg);
}

static void test_add_attrs(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "extract: {labels: [{key: app}]}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  assert_int_equal(obj_ev(&f, KR_REPLICASET, "ADDED", RS("r1", "cart-7d9f8b6c5d", "cart", "d1")), 0);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, SPANS, true, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(pl);
  otlpd_counters counters = {0};
  otlpd_host host = {.counters = &counters, .mutates_data = true};
  otlpd_batch *mine = otlpd_batch_edit(&host, b);
  const char *conn;
  const k8sattr_pod *p = assoc(&f, b, 0, NULL, &conn);
  otlp_resource *r = res(b, 0);
  assert_true(k8sattr_would_add(p, conn, r->n_attributes, r->attributes));
  otlp_resource_spans *rs = otlpd_batch_mut_resource(mine, 0);
  assert_int_equal(k8sattr_add_attrs(mine, 0, p, conn, &rs->resource->n_attributes, &rs->resource->attributes), 0);
  assert_string_equal(ef_attr(mine, 0, "k8s.pod.name"), "cart-7d9f8b6c5d-x2x4q");
  assert_string_equal(ef_attr(mine, 0, "k8s.deployment.name"), "cart");
  assert_string_equal(ef_attr(mine, 0, "k8s.pod.labels.app"), "cart");
  assert_string_equal(ef_attr(mine, 0, "k8s.pod.ip"), "10.1.0.1");
  assert_int_equal(rs->resource->n_attributes, 1 + 6 + 1);
  /* the pod and its ReplicaSet go away: the batch's copies stay valid */
  k8sattr_table_obj_delete(&f.table, KR_REPLICASET, "r1", 2);
  k8sattr_table_delete(&f.table, "u1", 2);
  assert_string_equal(ef_attr(mine, 0, "k8s.deployment.name"), "cart");
  assert_string_equal(ef_attr(mine, 0, "k8s.namespace.name"), "shop");
  fx_free(&f);
  /* an existing attribute is never overwritten (otelcol inserts) */
  fx_init(&f, "{}\n");
  assert_int_equal(k8sattr_apply_list(&f.table, &f.rules, &f.json, LIST, strlen(LIST), &f.rv), 0);
  p = k8sattr_table_by_uid(&f.table, "u3", 2);
  /* entry 1: k8s.pod.name "mine" already set */
  rs = otlpd_batch_mut_resource(mine, 1);
  assert_int_equal(k8sattr_add_attrs(mine, 1, p, NULL, &rs->resource->n_attributes, &rs->resource->attributes), 0);
  assert_string_equal(ef_attr(mine, 1, "k8s.pod.name"), "mine");
  assert_string_equal(ef_attr(mine, 1, "k8s.pod.uid"), "u3");
  assert_string_equal(ef_attr(mine, 1, "k8s.namespace.name"), "shop");
  assert_int_equal(rs->resource->n_attributes, 2 + 3); /* namespace, start_time, node (a Job's pod) */
  assert_null(ef_kv(mine, 1, "k8s.deployment.name"));
  assert_false(k8sattr_would_add(p, NULL, rs->resource->n_attributes, rs->resource->attributes));
  otlpd_batch_unref(mine);
  otlpd_batch_unref(b);
  otlpd_payload_unref(pl);
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_tokens),      cmocka_unit_test(test_json_errors),
      cmocka_unit_test(test_json_escapes),     cmocka_unit_test(test_json_depth),
      cmocka_unit_test(test_config_errors),    cmocka_unit_test(test_list_and_extract),
      cmocka_unit_test(test_deployment_of),    cmocka_unit_test(test_watch_events),
      cmocka_unit_test(test_table_churn),      cmocka_unit_test(test_associate_default),
      cmocka_unit_test(test_associate_rules),  cmocka_unit_test(test_passthrough_connection),
      cmocka_unit_test(test_add_attrs),        cmocka_unit_test(test_memory_accounting),
      cmocka_unit_test(test_list_pages),       cmocka_unit_test(test_replicaset_deployment),
      cmocka_unit_test(test_namespace_node_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
