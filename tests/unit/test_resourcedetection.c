/* resourcedetection: OTEL_RESOURCE_ATTRIBUTES parsing, each detector over
 * a fake environment and a fixture machine-id file, detector precedence,
 * override on and off, pass-through when nothing changes, config errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "edit_fixtures.h"
#include "otlpd/config.h"
#include "processors/resourcedetection/resourcedetection.h"

extern const otlpd_factory otlpd_processor_resourcedetection;
#define F otlpd_processor_resourcedetection

/* A fake environment: NULL-terminated name, value pairs. */
static const char *fake_getenv(void *ctx, const char *name) {
  const char *const *env = ctx;
  for (size_t i = 0; env[i]; i += 2)
    if (!strcmp(env[i], name)) return env[i + 1];
  return NULL;
}

static int fake_hostname(char *buf, size_t len) {
  snprintf(buf, len, "node-1");
  return 0;
}

static int fake_fqdn_ok(const char *host, char *buf, size_t len) {
  snprintf(buf, len, "%s.example.internal", host);
  return 0;
}

static int fake_fqdn_fail(const char *host, char *buf, size_t len) {
  (void)host, (void)buf, (void)len;
  return -ENOENT;
}

static char machine_id_path[64];
static const char *machine_id_paths[] = {"/nonexistent/machine-id", machine_id_path, NULL};

static int setup(void **state) {
  (void)state;
  snprintf(machine_id_path, sizeof(machine_id_path), "/tmp/otlpd-rd-XXXXXX");
  int fd = mkstemp(machine_id_path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef\n", 33), 33);
  close(fd);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(machine_id_path);
  return 0;
}

static void *load(const char *yaml, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, F.config_size);
  otlpd_settings_defaults(F.settings, cfg);
  int rc = otlpd_settings_apply(F.settings, cfg, n, "processors::resourcedetection", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = F.validate(cfg, "processors::resourcedetection", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(F.settings, cfg);
  free(cfg);
  return NULL;
}

static void free_cfg(void *cfg) {
  otlpd_settings_free(F.settings, cfg);
  free(cfg);
}

static const char *get(const rd_attrs *a, const char *key) {
  for (size_t i = 0; i < a->n; i++)
    if (!strcmp(a->keys[i], key)) return a->values[i];
  return NULL;
}

static void test_env_parse(void **state) {
  (void)state;
  rd_attrs a = {0};
  char err[200];
  assert_int_equal(rd_parse_env_attrs(" a=1, b = x%20y ,c=%2C%3d,empty=, a=2", &a, err, sizeof(err)), 0);
  assert_int_equal(a.n, 4);
  assert_string_equal(get(&a, "a"), "1"); /* the first of a key wins */
  assert_string_equal(get(&a, "b"), "x y");
  assert_string_equal(get(&a, "c"), ",=");
  assert_string_equal(get(&a, "empty"), "");
  rd_attrs_free(&a);
  /* malformed: the whole variable is discarded (specification) */
  assert_int_equal(rd_parse_env_attrs("a=1,b", &a, err, sizeof(err)), -EINVAL);
  assert_non_null(strstr(err, "invalid pair \"b\""));
  assert_int_equal(rd_parse_env_attrs("a=1,b=%zz", &a, err, sizeof(err)), -EINVAL);
  assert_int_equal(rd_parse_env_attrs("a=%4", &a, err, sizeof(err)), -EINVAL);
  assert_int_equal(rd_parse_env_attrs("=v", &a, err, sizeof(err)), -EINVAL);
  assert_int_equal(a.n, 0);
  rd_attrs_free(&a);
}

static void detect(const char *yaml, const char *const *env, int (*fqdn)(const char *, char *, size_t),
                   rd_attrs *out) {
  otlpd_errors errs = {0};
  void *cfg = load(yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.msgs[i]);
  assert_non_null(cfg);
  otlpd_errors_free(&errs);
  rd_sources src = {.getenv = fake_getenv, .ctx = (void *)env, .machine_id_paths = machine_id_paths,
                    .hostname = fake_hostname, .fqdn = fqdn, .os_type = "linux"};
  assert_int_equal(rd_detect(cfg, &src, NULL, out), 0);
  free_cfg(cfg);
}

static void test_detectors(void **state) {
  (void)state;
  const char *env[] = {"OTEL_RESOURCE_ATTRIBUTES", "service.name=svc,host.name=from-env", "K8S_NODE_NAME", "kn-7",
                       "MY_NODE", "other-node", NULL};
  rd_attrs a;
  detect("detectors: [system]", env, fake_fqdn_ok, &a);
  assert_string_equal(get(&a, "host.name"), "node-1.example.internal"); /* dns first by default */
  assert_string_equal(get(&a, "host.id"), "0123456789abcdef0123456789abcdef");
  assert_string_equal(get(&a, "os.type"), "linux");
  assert_null(get(&a, "service.name"));
  rd_attrs_free(&a);
  detect("detectors: [system]", env, fake_fqdn_fail, &a); /* dns fails: os */
  assert_string_equal(get(&a, "host.name"), "node-1");
  rd_attrs_free(&a);
  detect("detectors: [system]\nsystem: {hostname_sources: [os]}", env, fake_fqdn_ok, &a);
  assert_string_equal(get(&a, "host.name"), "node-1");
  rd_attrs_free(&a);
  detect("detectors: [system]\nsystem: {resource_attributes: {host.id: {enabled: false}}}", env, fake_fqdn_ok, &a);
  assert_null(get(&a, "host.id"));
  assert_non_null(get(&a, "host.name"));
  rd_attrs_free(&a);
  /* precedence: the first detector's value wins */
  detect("detectors: [env, system, k8snode]", env, fake_fqdn_ok, &a);
  assert_string_equal(get(&a, "host.name"), "from-env");
  assert_string_equal(get(&a, "service.name"), "svc");
  assert_string_equal(get(&a, "k8s.node.name"), "kn-7");
  rd_attrs_free(&a);
  detect("detectors: [system, env]", env, fake_fqdn_ok, &a);
  assert_string_equal(get(&a, "host.name"), "node-1.example.internal");
  rd_attrs_free(&a);
  detect("detectors: [k8snode]\nk8snode: {node_from_env_var: MY_NODE}", env, fake_fqdn_ok, &a);
  assert_string_equal(get(&a, "k8s.node.name"), "other-node");
  assert_int_equal(a.n, 1);
  rd_attrs_free(&a);
  /* nothing to read: nothing detected (a warning is logged) */
  const char *none[] = {"OTEL_RESOURCE_ATTRIBUTES", "broken", NULL};
  detect("detectors: [env, k8snode]", none, fake_fqdn_ok, &a);
  assert_int_equal(a.n, 0);
  rd_attrs_free(&a);
}

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

#define REQ(hostname)                                                                                       \
  "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"host.name\",\"value\":{\"stringValue\":\"" \
  hostname "\"}}]},\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"x\"}}]}]}]}"

/* One request through the processor; returns what came out (ref'd). */
static otlpd_batch *run(const char *yaml, const char *json, otlpd_batch **in_out) {
  const char *env[] = {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod", "K8S_NODE_NAME", "kn-7", NULL};
  otlpd_errors errs = {0};
  void *cfg = load(yaml, &errs);
  assert_non_null(cfg);
  otlpd_counters counters = {0};
  otlpd_host host = {.counters = &counters, .mutates_data = true, .id = "resourcedetection"};
  capture down = {.base.consume = capture_consume};
  otlpd_create_params cp = {.host = &host, .config = cfg, .signal = OTLPD_LOGS};
  cp.next[OTLPD_LOGS] = &down.base;
  void *st;
  assert_int_equal(F.create(&cp, &st), 0);
  rd_sources src = {.getenv = fake_getenv, .ctx = (void *)env, .machine_id_paths = machine_id_paths,
                    .hostname = fake_hostname, .fqdn = fake_fqdn_fail, .os_type = "linux"};
  assert_int_equal(rd_processor_start_with(st, &src), 0);
  otlpd_payload *pl = ef_payload(OTLPD_LOGS, json, true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(F.consumer(st), in), OTLPD_OK);
  F.destroy(st);
  free_cfg(cfg);
  *in_out = in;
  return down.got;
}

static void test_override(void **state) {
  (void)state;
  otlpd_batch *in, *out;
  out = run("detectors: [env, system, k8snode]", REQ("old"), &in);
  assert_ptr_not_equal(out, in);
  assert_string_equal(ef_attr(out, 0, "host.name"), "node-1"); /* override: true by default */
  assert_string_equal(ef_attr(out, 0, "deployment.environment"), "prod");
  assert_string_equal(ef_attr(out, 0, "k8s.node.name"), "kn-7");
  assert_string_equal(ef_attr(out, 0, "host.id"), "0123456789abcdef0123456789abcdef");
  assert_string_equal(ef_attr(in, 0, "host.name"), "old");
  assert_string_equal(ef_attr(in, 0, "k8s.node.name"), "");
  otlpd_batch_unref(out);
  otlpd_batch_unref(in);

  out = run("detectors: [system, k8snode]\noverride: false", REQ("old"), &in);
  assert_string_equal(ef_attr(out, 0, "host.name"), "old"); /* kept */
  assert_string_equal(ef_attr(out, 0, "k8s.node.name"), "kn-7"); /* added */
  otlpd_batch_unref(out);
  otlpd_batch_unref(in);

  /* already all there: passed on as it came */
  out = run("detectors: [k8snode]\nsystem: {hostname_sources: [os]}",
            "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"k8s.node.name\",\"value\":"
            "{\"stringValue\":\"kn-7\"}}]},\"scopeLogs\":[]}]}",
            &in);
  assert_ptr_equal(out, in);
  assert_non_null(in->raw[0].p);
  otlpd_batch_unref(out);
  otlpd_batch_unref(in);
  out = run("detectors: [system]\noverride: false", REQ("old"), &in);
  assert_ptr_not_equal(out, in); /* host.id and os.type are missing */
  assert_string_equal(ef_attr(out, 0, "host.name"), "old");
  otlpd_batch_unref(out);
  otlpd_batch_unref(in);
}

static void test_config(void **state) {
  (void)state;
  otlpd_errors errs = {0};
  assert_null(load("detectors: [env, sytem]", &errs));
  assert_int_equal(errs.n, 1);
  assert_non_null(strstr(errs.msgs[0], "processors::resourcedetection::detectors[1]: unknown detector \"sytem\""));
  otlpd_errors_free(&errs);
  void *cfg = load("detectors: [env, gcp, ec2]", &errs);
  assert_non_null(cfg); /* cloud detectors common in shared configs: a warning */
  assert_int_equal(errs.nw, 2);
  assert_non_null(strstr(errs.warns[0], "detectors[1]: \"gcp\" is not supported by otlpd"));
  free_cfg(cfg);
  otlpd_errors_free(&errs);
  assert_null(load("detectors: [system]\nsystem: {hostname_sources: [magic]}", &errs));
  assert_non_null(strstr(errs.msgs[0], "system::hostname_sources[0]: invalid source \"magic\""));
  otlpd_errors_free(&errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_env_parse),
      cmocka_unit_test(test_detectors),
      cmocka_unit_test(test_override),
      cmocka_unit_test(test_config),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
