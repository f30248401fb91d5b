/* Building a config against a fake registry: the pipeline graph, typed
 * component configs and every validation message. */
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

/* Enough for every error test: a valid pipeline the snippet may extend. */
#define PIPE                                                                                       \
  "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n"
#define RECV "receivers:\n  otlp:\n    protocols:\n      grpc:\n"

static int build_text(const char *text, otlpd_config *c, otlpd_errors *errs) {
  otlpd_errors perrs = {0};
  otlpd_node *n = otlpd_yaml_parse(text, strlen(text), "t", &perrs);
  if (!n) {
    otlpd_errors_print(&perrs, stderr);
    fail_msg("test YAML does not parse");
  }
  return otlpd_config_build(n, c, errs);
}

/* Builds text, expects failure with exactly the given messages. */
static void expect_errors(const char *text, const char *const *msgs, size_t n) {
  otlpd_config c;
  otlpd_errors errs = {0};
  assert_int_equal(build_text(text, &c, &errs), -EINVAL);
  for (size_t i = 0; i < n; i++)
    assert_true(fake_has_error(&errs, msgs[i]));
  if (errs.n != n) {
    otlpd_errors_print(&errs, stderr);
    fail_msg("expected %zu errors, got %zu", n, errs.n);
  }
  assert_null(c.root);
  assert_int_equal(c.n_components, 0);
  otlpd_errors_free(&errs);
}
#define EXPECT(text, ...)                                                                          \
  do {                                                                                             \
    const char *const m_[] = {__VA_ARGS__};                                                        \
    expect_errors(text, m_, sizeof(m_) / sizeof(m_[0]));                                           \
  } while (0)

static void test_realistic_config(void **state) {
  const char *files[] = {CFG("realistic.yaml")};
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_config_load(files, 1, &errs);
  assert_non_null(root);
  otlpd_config c;
  int rc = otlpd_config_build(root, &c, &errs);
  otlpd_errors_print(&errs, stderr);
  assert_int_equal(rc, 0);
  assert_int_equal(errs.n, 0);
  assert_int_equal(c.n_components, 8);
  assert_int_equal(c.log_level, OTLPD_LOG_WARN);

  otlpd_component_cfg *otlp = otlpd_config_find(&c, OTLPD_RECEIVER, "otlp");
  assert_non_null(otlp);
  assert_string_equal(otlp->factory->type, "otlp");
  const fake_otlp_cfg *oc = otlp->config;
  assert_true(oc->protocols.grpc_on && oc->protocols.http_on);
  assert_string_equal(oc->protocols.grpc.endpoint, "0.0.0.0:4317");
  assert_int_equal(oc->protocols.grpc.max_recv_msg_size_mib, 4);
  assert_string_equal(oc->protocols.http.cors.allowed_origins.v[0], "http://localhost:3000");
  assert_int_equal(otlp->signals_used,
                   OTLPD_SIGNAL_BIT(OTLPD_TRACES) | OTLPD_SIGNAL_BIT(OTLPD_LOGS));

  const fake_batch_cfg *bc = otlpd_config_find(&c, OTLPD_PROCESSOR, "batch")->config;
  assert_int_equal(bc->timeout_ns, 5 * OTLPD_NS_PER_SEC);
  assert_int_equal(bc->send_batch_size, 1024);
  const fake_batch_cfg *bl = otlpd_config_find(&c, OTLPD_PROCESSOR, "batch/logs")->config;
  assert_int_equal(bl->timeout_ns, 200 * OTLPD_NS_PER_MS); /* null node: all defaults */
  assert_int_equal(bl->send_batch_size, 8192);

  const fake_file_cfg *fc = otlpd_config_find(&c, OTLPD_EXPORTER, "file")->config;
  assert_string_equal(fc->path, "/var/lib/otlpd/traces.json");
  assert_true(fc->rotation_on);
  assert_int_equal(fc->rotation.max_megabytes, 10);
  const fake_file_cfg *fl = otlpd_config_find(&c, OTLPD_EXPORTER, "file/logs")->config;
  assert_int_equal(fl->format, 1);
  assert_false(fl->rotation_on);

  otlpd_component_cfg *debug = otlpd_config_find(&c, OTLPD_EXPORTER, "debug");
  assert_int_equal(((const fake_debug_cfg *)debug->config)->verbosity, 2);
  assert_int_equal(debug->signals_used,
                   OTLPD_SIGNAL_BIT(OTLPD_TRACES) | OTLPD_SIGNAL_BIT(OTLPD_LOGS));
  /* defined but unused: validated, wired to nothing */
  otlpd_component_cfg *unused = otlpd_config_find(&c, OTLPD_EXPORTER, "debug/unused");
  assert_non_null(unused);
  assert_int_equal(unused->signals_used, 0);
  assert_non_null(unused->config);
  otlpd_component_cfg *health = otlpd_config_find(&c, OTLPD_EXTENSION, "health");
  assert_non_null(health);
  assert_int_not_equal(health->signals_used, 0);
  assert_string_equal(((const fake_ext_cfg *)health->config)->endpoint, "localhost:13133");
  assert_null(otlpd_config_find(&c, OTLPD_RECEIVER, "debug"));

  assert_int_equal(c.n_pipelines, 2);
  const otlpd_pipeline_cfg *t = &c.pipelines[0], *l = &c.pipelines[1];
  assert_string_equal(t->id, "traces");
  assert_int_equal(t->signal, OTLPD_TRACES);
  assert_int_equal(t->n_receivers, 1);
  assert_ptr_equal(t->receivers[0], otlp);
  assert_int_equal(t->n_processors, 1);
  assert_string_equal(t->processors[0]->id, "batch");
  assert_int_equal(t->n_exporters, 2);
  assert_string_equal(t->exporters[0]->id, "file");
  assert_ptr_equal(t->exporters[1], debug);
  assert_string_equal(l->id, "logs");
  assert_int_equal(l->signal, OTLPD_LOGS);
  assert_ptr_equal(l->receivers[0], otlp); /* one receiver shared by both */
  assert_string_equal(l->processors[0]->id, "batch/logs");
  assert_string_equal(l->exporters[0]->id, "file/logs");
  otlpd_config_free(&c);
  assert_null(c.root);
}

static void test_three_mistakes_three_messages(void **state) {
  const char *files[] = {CFG("three_mistakes.yaml")};
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_config_load(files, 1, &errs);
  assert_non_null(root);
  otlpd_config c;
  assert_int_equal(otlpd_config_build(root, &c, &errs), -EINVAL);
  assert_int_equal(errs.n, 3);
  assert_true(fake_has_error(&errs, "receivers::otlp::protocols::grpc::endpoint: invalid endpoint "
                                    "\"localhost:99999\": port must be a number from 0 to 65535"));
  assert_true(fake_has_error(
      &errs, "exporters::file/x::rotation::max_megabytes: expected integer, got \"abc\""));
  assert_true(fake_has_error(
      &errs, "service::pipelines::traces::exporters: exporter \"file/y\" is not defined"));
  otlpd_errors_free(&errs);
}

static void test_minimal_and_defaults(void **state) {
  otlpd_config c;
  otlpd_errors errs = {0};
  assert_int_equal(build_text(RECV "exporters:\n  debug:\n" PIPE, &c, &errs), 0);
  assert_int_equal(c.log_level, OTLPD_LOG_INFO);
  const fake_debug_cfg *d = otlpd_config_find(&c, OTLPD_EXPORTER, "debug")->config;
  assert_int_equal(d->verbosity, 0);
  assert_int_equal(d->sampling_initial, 2);
  assert_int_equal(c.pipelines[0].n_processors, 0);
  assert_non_null(c.root);
  otlpd_config_free(&c);
}

static void test_top_level_errors(void **state) {
  EXPECT(RECV "exporters:\n  debug:\n" PIPE "foo: 1\nconnectors:\n  x:\nexporter: {}\n",
         "foo: unknown top-level section (expected receivers, processors, exporters, "
         "extensions or service)",
         "exporter: unknown top-level section (did you mean \"exporters\"?) (expected receivers, "
         "processors, exporters, extensions or service)",
         "connectors: connectors are not supported by otlpd");
  EXPECT("- a\n", "the top level of the configuration must be a map of sections");
  EXPECT("", "service::pipelines: at least one pipeline is required");
  EXPECT(RECV "exporters:\n  debug:\nservice:\n  pipelines: {}\n",
         "service::pipelines: at least one pipeline is required");
  EXPECT(RECV "exporters: [debug]\n" PIPE,
         "exporters: expected a map of component ids, got a "
         "sequence",
         "service::pipelines::traces::exporters: exporter \"debug\" is not defined");
}

static void test_component_errors(void **state) {
  EXPECT(RECV "exporters:\n  debug:\n  nope/x:\n" PIPE,
         "exporters::nope/x: unknown exporter type \"nope\" (known: file, debug, logsonly)");
  EXPECT(RECV "exporters:\n  debug:\n  debug/:\n  /x:\n  9x:\n" PIPE,
         "exporters::debug/: invalid component id: the name after \"/\" must not be empty",
         "exporters::/x: invalid component id: the type must be a letter followed by letters, "
         "digits or _",
         "exporters::9x: invalid component id: the type must be a letter followed by letters, "
         "digits or _");
  /* a receiver type is not an exporter type */
  EXPECT(RECV "exporters:\n  debug:\n  otlp:\n" PIPE,
         "exporters::otlp: unknown exporter type \"otlp\" (known: file, debug, logsonly)");
  /* factory validation runs for unused components too */
  EXPECT(RECV "exporters:\n  debug:\n  file/unused:\n" PIPE,
         "exporters::file/unused::path: must be set");
  EXPECT("receivers:\n  otlp:\nexporters:\n  debug:\n" PIPE,
         "receivers::otlp::protocols: enable grpc or http");
  EXPECT(RECV "exporters:\n  debug:\n  debugg:\n" PIPE,
         "exporters::debugg: unknown exporter type \"debugg\" (did you mean \"debug\"? known: file, "
         "debug, logsonly)");
  EXPECT(RECV "exporters:\n  debug:\n    verbosty: basic\n" PIPE,
         "exporters::debug::verbosty: unknown key (did you mean \"verbosity\"?)");
  EXPECT(RECV "exporters:\n  debug:\n    verbosity: loud\n" PIPE,
         "exporters::debug::verbosity: invalid value \"loud\" (expected one of: basic, normal, "
         "detailed)");
  EXPECT(RECV "exporters:\n  debug: verbose\n" PIPE,
         "exporters::debug: expected a map, got \"verbose\"");
}

static void test_pipeline_errors(void **state) {
  const char *comps = RECV "processors:\n  batch:\nexporters:\n  debug:\n  logsonly:\n";
  char text[2048];
#define P(body) (snprintf(text, sizeof(text), "%sservice:\n  pipelines:\n%s", comps, body), text)
  EXPECT(P("    spans:\n      receivers: [otlp]\n      exporters: [debug]\n"),
         "service::pipelines::spans: unknown signal \"spans\" (expected traces, metrics or logs)");
  EXPECT(P("    traces/:\n      receivers: [otlp]\n      exporters: [debug]\n"),
         "service::pipelines::traces/: invalid pipeline id: the name after \"/\" must not be "
         "empty");
  EXPECT(P("    traces:\n      exporters: [debug]\n"),
         "service::pipelines::traces::receivers: at least one receiver is required");
  EXPECT(P("    traces:\n      receivers: [otlp]\n      exporters: []\n"),
         "service::pipelines::traces::exporters: at least one exporter is required");
  EXPECT(P("    metrics:\n"),
         "service::pipelines::metrics::receivers: at least one receiver is required",
         "service::pipelines::metrics::exporters: at least one exporter is required");
  EXPECT(P("    traces:\n      receivers: [otlp]\n      processors: [batch/x]\n"
           "      exporters: [debug]\n"),
         "service::pipelines::traces::processors: processor \"batch/x\" is not defined");
  EXPECT(P("    traces:\n      receivers: [otlp]\n      processors: [batch, batch]\n"
           "      exporters: [debug, debug]\n"),
         "service::pipelines::traces::processors: processor \"batch\" is listed more than once",
         "service::pipelines::traces::exporters: exporter \"debug\" is listed more than once");
  EXPECT(P("    traces:\n      receivers: [otlp]\n      exporters: [logsonly]\n"),
         "service::pipelines::traces::exporters: exporter \"logsonly\" does not support traces");
  EXPECT(P("    traces:\n      receivers: [otlp]\n      exporters: [debug]\n"
           "      connectors: [x]\n"),
         "service::pipelines::traces::connectors: unknown key");
  EXPECT(P("    traces:\n      receivers: [otlp, [x]]\n      exporters: [debug]\n"),
         "service::pipelines::traces::receivers: item 2: expected a component id, got a "
         "sequence");
  EXPECT(P("    traces: [otlp]\n"), "service::pipelines::traces: expected a map, got a sequence");
  /* a receiver defined in another section is still "not defined" */
  EXPECT(P("    traces:\n      receivers: [batch]\n      exporters: [debug]\n"),
         "service::pipelines::traces::receivers: receiver \"batch\" is not defined");
#undef P
}

static void test_pipeline_signals_and_named_pipelines(void **state) {
  otlpd_config c;
  otlpd_errors errs = {0};
  const char *text = RECV "exporters:\n  debug:\n  logsonly:\n"
                          "service:\n  pipelines:\n"
                          "    logs/a:\n      receivers: otlp\n      exporters: [logsonly]\n"
                          "    metrics:\n      receivers: [otlp]\n      exporters: [debug]\n";
  assert_int_equal(build_text(text, &c, &errs), 0);
  assert_int_equal(c.n_pipelines, 2);
  assert_string_equal(c.pipelines[0].id, "logs/a");
  assert_int_equal(c.pipelines[0].signal, OTLPD_LOGS);
  assert_int_equal(c.pipelines[0].n_receivers, 1); /* a single id is a one-item list */
  assert_int_equal(otlpd_config_find(&c, OTLPD_RECEIVER, "otlp")->signals_used,
                   OTLPD_SIGNAL_BIT(OTLPD_LOGS) | OTLPD_SIGNAL_BIT(OTLPD_METRICS));
  assert_int_equal(otlpd_config_find(&c, OTLPD_EXPORTER, "debug")->signals_used,
                   OTLPD_SIGNAL_BIT(OTLPD_METRICS));
  otlpd_config_free(&c);
}

static void test_service_errors(void **state) {
  const char *comps = RECV "exporters:\n  debug:\nextensions:\n  health:\n";
  char text[2048];
#define S(body) (snprintf(text, sizeof(text), "%s" PIPE "%s", comps, body), text)
  EXPECT(S("  extensions: [health, pprof, health]\n"),
         "service::extensions: extension \"pprof\" is not defined",
         "service::extensions: extension \"health\" is listed more than once");
  EXPECT(S("  telemetry:\n    logs:\n      level: loud\n"),
         "service::telemetry::logs::level: invalid value \"loud\" (expected one of: debug, info, "
         "warn, error)");
  EXPECT(S("  telemetry:\n    logz: {}\n"), "service::telemetry::logz: unknown key (did you mean \"logs\"?)");
  EXPECT(S("  pipelinez: {}\n"), "service::pipelinez: unknown key (did you mean \"pipelines\"?)");
  EXPECT(S("  shutdown: 1s\n"), "service::shutdown: unknown key");
  EXPECT(S("  shutdown_timeout: soon\n"),
         "service::shutdown_timeout: expected a duration such as \"30s\" (0 = no limit), got \"soon\"");
#undef S
  otlpd_config c;
  otlpd_errors errs = {0};
  snprintf(text, sizeof(text),
           "%s" PIPE "  telemetry:\n    logs:\n      level: DEBUG\n      encoding: json\n"
           "      sampling: {initial: 5}\n    metrics:\n      level: none\n    resource:\n"
           "      service.name: x\n",
           comps);
  assert_int_equal(build_text(text, &c, &errs), 0);
  assert_int_equal(c.log_level, OTLPD_LOG_DEBUG);
  assert_int_equal(c.shutdown_timeout, OTLPD_DEFAULT_SHUTDOWN_TIMEOUT);
  /* an extension defined but not enabled stays off */
  assert_int_equal(otlpd_config_find(&c, OTLPD_EXTENSION, "health")->signals_used, 0);
  otlpd_config_free(&c);
}

/* A setting otlpd accepts but does not act on is valid, and said so. */
static void test_ignored_setting_warns(void **state) {
  (void)state;
  otlpd_config c;
  otlpd_errors errs = {0};
  const char *text = RECV "processors:\n  batch:\n    metadata_cardinality_limit: 10\n"
                          "exporters:\n  debug:\n" PIPE;
  assert_int_equal(build_text(text, &c, &errs), 0);
  assert_int_equal(errs.n, 0);
  assert_int_equal(errs.nw, 1);
  assert_string_equal(errs.warns[0], "processors::batch::metadata_cardinality_limit: accepted for "
                                     "compatibility with otelcol but has no effect in otlpd");
  otlpd_errors_free(&errs);
  otlpd_config_free(&c);
}

static void test_env_and_set_feed_the_build(void **state) {
  setenv("OTLPD_T_MIB", "8", 1);
  unsetenv("OTLPD_T_GRPC_ENDPOINT");
  unsetenv("OTLPD_T_VERBOSITY");
  const char *files[] = {CFG("env_build.yaml")};
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_config_load(files, 1, &errs);
  assert_non_null(root);
  assert_int_equal(otlpd_config_set(root, "receivers::otlp::protocols::http=", &errs), 0);
  assert_int_equal(otlpd_config_set(root, "service::telemetry::logs::level=error", &errs), 0);
  otlpd_config c;
  assert_int_equal(otlpd_config_build(root, &c, &errs), 0);
  const fake_otlp_cfg *oc = otlpd_config_find(&c, OTLPD_RECEIVER, "otlp")->config;
  assert_string_equal(oc->protocols.grpc.endpoint, ":4317"); /* the reference's default */
  assert_int_equal(oc->protocols.grpc.max_recv_msg_size_mib, 8);
  assert_true(oc->protocols.http_on);
  /* unset variable: null, so the setting keeps its default */
  assert_int_equal(
      ((const fake_debug_cfg *)otlpd_config_find(&c, OTLPD_EXPORTER, "debug")->config)->verbosity,
      0);
  assert_int_equal(c.log_level, OTLPD_LOG_ERROR);
  /* ...and is warned about, as otelcol does; the one with a default is not */
  assert_int_equal(errs.nw, 1);
  assert_non_null(strstr(errs.warns[0], "environment variable OTLPD_T_VERBOSITY is not set"));
  otlpd_config_free(&c);

  /* --set replaces what the file said */
  root = otlpd_config_load(files, 1, &errs);
  assert_non_null(root);
  assert_int_equal(
      otlpd_config_set(root, "receivers.otlp.protocols.grpc.max_recv_msg_size_mib=0", &errs), 0);
  assert_int_equal(otlpd_config_build(root, &c, &errs), -EINVAL);
  assert_true(fake_has_error(&errs, "receivers::otlp::protocols::grpc::max_recv_msg_size_mib: "
                                    "must be between 1 and 1024, got \"0\""));
  assert_int_equal(errs.n, 1);
  otlpd_errors_free(&errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_realistic_config),
      cmocka_unit_test(test_three_mistakes_three_messages),
      cmocka_unit_test(test_minimal_and_defaults),
      cmocka_unit_test(test_top_level_errors),
      cmocka_unit_test(test_component_errors),
      cmocka_unit_test(test_pipeline_errors),
      cmocka_unit_test(test_pipeline_signals_and_named_pipelines),
      cmocka_unit_test(test_service_errors),
      cmocka_unit_test(test_ignored_setting_warns),
      cmocka_unit_test(test_env_and_set_feed_the_build),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
