/* Loading: files, env expansion, multi-file merge and --set. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the standard headers above */
#include <cmocka.h>

#include "test_config_fakes.h"

#define CFG(name) OTLPD_SOURCE_DIR "/tests/unit/configs/" name

static otlpd_node *load1(const char *file, otlpd_errors *errs) {
  const char *files[] = {file};
  return otlpd_config_load(files, 1, errs);
}

static const otlpd_node *at(const otlpd_node *n, const char *a, const char *b, const char *c) {
  n = otlpd_node_get(n, a);
  if (b)
    n = otlpd_node_get(n, b);
  if (c)
    n = otlpd_node_get(n, c);
  return n;
}

static const char *scalar(const otlpd_node *root, const char *key) {
  const otlpd_node *n = at(root, "exporters", "file", key);
  assert_non_null(n);
  assert_int_equal(n->kind, OTLPD_NODE_SCALAR);
  return n->scalar;
}

static void test_env_expansion(void **state) {
  setenv("OTLPD_T_PATH", "/var/log/out.json", 1);
  setenv("OTLPD_T_PORT", "4317", 1);
  setenv("OTLPD_T_EMPTY", "", 1);
  unsetenv("OTLPD_T_UNSET");
  otlpd_errors errs = {0};
  otlpd_node *root = load1(CFG("env.yaml"), &errs);
  assert_non_null(root);
  assert_int_equal(errs.n, 0);
  assert_string_equal(scalar(root, "path"), "/var/log/out.json");
  assert_string_equal(scalar(root, "plain"), "/var/log/out.json");
  assert_string_equal(scalar(root, "dflt"), "fallback");
  assert_string_equal(scalar(root, "empty_dflt"), "used");
  assert_string_equal(scalar(root, "set_dflt"), "/var/log/out.json");
  assert_string_equal(scalar(root, "dollar"), "$HOME and ${env:X}");
  assert_string_equal(scalar(root, "mixed"), "host:4317");
  assert_string_equal(scalar(root, "twice"), "43174317");
  /* a lone reference keeps YAML typing; text around one makes a string */
  assert_false(at(root, "exporters", "file", "port")->quoted);
  assert_string_equal(scalar(root, "port"), "4317");
  assert_true(at(root, "exporters", "file", "mixed")->quoted);
  assert_true(at(root, "exporters", "file", "quoted")->quoted);
  assert_string_equal(scalar(root, "quoted"), "4317");
  /* unset without default expands to nothing, which YAML reads as null */
  const otlpd_node *unset = at(root, "exporters", "file", "unset");
  assert_non_null(unset);
  assert_true(otlpd_node_is_null(unset));
  const otlpd_node *list = at(root, "exporters", "file", "list");
  assert_int_equal(list->n, 3);
  assert_string_equal(list->items[1]->scalar, "4317");
  /* the expanded value keeps the line of its reference */
  assert_int_equal(at(root, "exporters", "file", "port")->line, 5);
  otlpd_node_free(root);
  otlpd_errors_free(&errs); /* warnings too */
}

static void test_env_errors_all_reported(void **state) {
  otlpd_errors errs = {0};
  assert_null(load1(CFG("bad_env.yaml"), &errs));
  assert_int_equal(errs.n, 3);
  char want[512];
  snprintf(want, sizeof(want),
           "%s:4: unsupported config provider \"file\" in \"${file:/etc/passwd}\" (only env)",
           CFG("bad_env.yaml"));
  assert_true(fake_has_error(&errs, want));
  snprintf(want, sizeof(want), "%s:5: invalid environment variable name \"1BAD\"",
           CFG("bad_env.yaml"));
  assert_true(fake_has_error(&errs, want));
  snprintf(want, sizeof(want), "%s:6: unterminated \"${\" in \"x ${env:UNCLOSED\"",
           CFG("bad_env.yaml"));
  assert_true(fake_has_error(&errs, want));
  otlpd_errors_free(&errs);
}

static void test_missing_and_bad_files(void **state) {
  otlpd_errors errs = {0};
  assert_null(load1("/nonexistent/otlpd.yaml", &errs));
  assert_true(fake_has_error(
      &errs, "cannot read config file \"/nonexistent/otlpd.yaml\": No such file or directory"));
  otlpd_errors_free(&errs);

  assert_null(load1(CFG("not_a_map.yaml"), &errs));
  char want[512];
  snprintf(want, sizeof(want), "%s: the top level must be a map of sections",
           CFG("not_a_map.yaml"));
  assert_true(fake_has_error(&errs, want));
  otlpd_errors_free(&errs);

  assert_null(otlpd_config_load(NULL, 0, &errs));
  assert_true(fake_has_error(&errs, "no config file given"));
  otlpd_errors_free(&errs);

  /* every file's problem is reported, not just the first */
  const char *two[] = {"/nonexistent/a.yaml", CFG("not_a_map.yaml")};
  assert_null(otlpd_config_load(two, 2, &errs));
  assert_int_equal(errs.n, 2);
  otlpd_errors_free(&errs);
}

static void test_empty_file_is_empty_config(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *root = load1(CFG("empty.yaml"), &errs);
  assert_non_null(root);
  assert_int_equal(root->kind, OTLPD_NODE_MAP);
  assert_int_equal(root->n, 0);
  otlpd_node_free(root);
}

static void test_multi_file_merge(void **state) {
  const char *files[] = {CFG("base.yaml"), CFG("override.yaml")};
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_config_load(files, 2, &errs);
  assert_non_null(root);
  assert_int_equal(errs.n, 0);
  /* maps merge key by key */
  const otlpd_node *batch = at(root, "processors", "batch", NULL);
  assert_string_equal(otlpd_node_get(batch, "timeout")->scalar, "1s");
  assert_string_equal(otlpd_node_get(batch, "send_batch_size")->scalar, "100");
  assert_string_equal(at(root, "exporters", "debug", "verbosity")->scalar, "detailed");
  assert_string_equal(at(root, "exporters", "file", "path")->scalar, "/tmp/out.json");
  /* null replaces; a sibling stays */
  const otlpd_node *protos = at(root, "receivers", "otlp", "protocols");
  assert_int_equal(protos->n, 2);
  assert_true(otlpd_node_is_null(otlpd_node_get(protos, "grpc")));
  /* sequences replace, siblings of the same map survive */
  const otlpd_node *traces = at(root, "service", "pipelines", "traces");
  const otlpd_node *exps = otlpd_node_get(traces, "exporters");
  assert_int_equal(exps->n, 1);
  assert_string_equal(exps->items[0]->scalar, "file");
  assert_string_equal(otlpd_node_get(traces, "receivers")->items[0]->scalar, "otlp");
  assert_string_equal(at(root, "service", "telemetry", "logs")->items[0]->scalar, "debug");
  /* first file's keys keep their order; new keys follow */
  assert_string_equal(root->keys[0], "receivers");
  assert_string_equal(root->keys[3], "service");
  otlpd_node_free(root);
}

static otlpd_node *parse(const char *text) {
  otlpd_errors errs = {0};
  otlpd_node *n = otlpd_yaml_parse(text, strlen(text), "t", &errs);
  assert_non_null(n);
  return n;
}

static void test_set_overrides(void **state) {
  otlpd_node *root = parse("processors:\n  batch:\n    timeout: 200ms\n    send_batch_size: 5\n"
                           "service:\n  pipelines:\n    traces:\n      exporters: [file]\n");
  otlpd_errors errs = {0};
  assert_int_equal(otlpd_config_set(root, "processors::batch::timeout=1s", &errs), 0);
  assert_int_equal(
      otlpd_config_set(root, "service::pipelines::traces::exporters=[debug, file/x]", &errs), 0);
  assert_int_equal(otlpd_config_set(root, "exporters.file/x.path=/tmp/o.json", &errs), 0);
  assert_int_equal(otlpd_config_set(root, "receivers::otlp::protocols::http=", &errs), 0);
  assert_int_equal(otlpd_config_set(root, "exporters::debug={verbosity: detailed}", &errs), 0);
  assert_int_equal(errs.n, 0);

  const otlpd_node *batch = at(root, "processors", "batch", NULL);
  assert_string_equal(otlpd_node_get(batch, "timeout")->scalar, "1s");
  assert_string_equal(otlpd_node_get(batch, "send_batch_size")->scalar, "5");
  const otlpd_node *exps = at(at(root, "service", "pipelines", "traces"), "exporters", NULL, NULL);
  assert_int_equal(exps->kind, OTLPD_NODE_SEQ);
  assert_int_equal(exps->n, 2);
  assert_string_equal(exps->items[1]->scalar, "file/x");
  assert_string_equal(at(root, "exporters", "file/x", "path")->scalar, "/tmp/o.json");
  const otlpd_node *http = at(root, "receivers", "otlp", "protocols");
  assert_non_null(otlpd_node_get(http, "http"));
  assert_true(otlpd_node_is_null(otlpd_node_get(http, "http")));
  assert_string_equal(at(root, "exporters", "debug", "verbosity")->scalar, "detailed");
  otlpd_node_free(root);
}

static void test_set_errors(void **state) {
  otlpd_node *root = parse("a: 1\n");
  otlpd_errors errs = {0};
  assert_int_equal(otlpd_config_set(root, "noequals", &errs), -EINVAL);
  assert_true(fake_has_error(&errs, "--set \"noequals\": expected key=value"));
  assert_int_equal(otlpd_config_set(root, "a::::b=1", &errs), -EINVAL);
  assert_true(fake_has_error(&errs, "--set \"a::::b=1\": empty key in path"));
  assert_int_equal(otlpd_config_set(root, "=1", &errs), -EINVAL);
  assert_int_equal(otlpd_config_set(root, "a=[1, 2", &errs), -EINVAL);
  assert_int_equal(errs.n, 4);
  /* nothing was changed by the failures */
  assert_int_equal(root->n, 1);
  assert_string_equal(root->items[0]->scalar, "1");
  otlpd_errors_free(&errs);
  otlpd_node_free(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_env_expansion),
      cmocka_unit_test(test_env_errors_all_reported),
      cmocka_unit_test(test_missing_and_bad_files),
      cmocka_unit_test(test_empty_file_is_empty_config),
      cmocka_unit_test(test_multi_file_merge),
      cmocka_unit_test(test_set_overrides),
      cmocka_unit_test(test_set_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
