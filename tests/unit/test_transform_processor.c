/* transform processor: each editor with and without `where`, every
 * target, the grouped and flat forms, the batch it was given left as it
 * was, untouched batches passed as they came, error_mode and config
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edit_fixtures.h"
#include "otlpd/config.h"
#include "processors/transform/transform.h"

extern const otlpd_factory otlpd_processor_transform;

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

static void *load(const char *yaml, otlpd_errors *errs) {
  const otlpd_factory *f = &otlpd_processor_transform;
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, f->config_size);
  otlpd_settings_defaults(f->settings, cfg);
  int rc = otlpd_settings_apply(f->settings, cfg, n, "processors::transform", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = f->validate(cfg, "processors::transform", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(f->settings, cfg);
  free(cfg);
  return NULL;
}

typedef struct proc {
  void *cfg, *state;
  capture down;
  otlpd_counters counters;
  otlpd_host host;
  otlpd_consumer *in;
} proc;

static void proc_start(proc *p, const char *yaml, otlpd_signal s) {
  otlpd_errors errs = {0};
  memset(p, 0, sizeof(*p));
  p->cfg = load(yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.msgs[i]);
  otlpd_errors_free(&errs);
  assert_non_null(p->cfg);
  p->down.base.consume = capture_consume;
  p->host.counters = &p->counters;
  p->host.mutates_data = true;
  p->host.id = "transform";
  otlpd_create_params cp = {.host = &p->host, .config = p->cfg, .signal = s};
  cp.next[s] = &p->down.base;
  assert_int_equal(otlpd_processor_transform.create(&cp, &p->state), 0);
  p->in = otlpd_processor_transform.consumer(p->state);
}

static void proc_stop(proc *p) {
  otlpd_batch_unref(p->down.got);
  otlpd_processor_transform.destroy(p->state);
  otlpd_settings_free(otlpd_processor_transform.settings, p->cfg);
  free(p->cfg);
}

/* "key=value,..." of an attribute list, in order */
static void attrs_text(size_t n, otlp_key_value *const *kv, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    char v[128];
    const otlp_any_value *a = kv[i]->value;
    if (a->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
      snprintf(v, sizeof(v), "%s", a->string_value);
    else if (a->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE)
      snprintf(v, sizeof(v), "%lld", (long long)a->int_value);
    else if (a->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE)
      snprintf(v, sizeof(v), "%s", a->bool_value ? "true" : "false");
    else snprintf(v, sizeof(v), "?");
    snprintf(out + strlen(out), cap - strlen(out), "%s%s=%s", i ? "," : "", kv[i]->key, v);
  }
}

/* log i of the single scope: "body|severity_text|severity_number|attrs" */
static void log_text(const otlpd_batch *b, size_t i, char *out, size_t cap) {
  const otlp_log_record *lr = ((otlp_resource_logs *)b->resources[0])->scope_logs[0]->log_records[i];
  char a[512];
  attrs_text(lr->n_attributes, lr->attributes, a, sizeof(a));
  snprintf(out, cap, "%s|%s|%d|%s", lr->body ? lr->body->string_value : "-", lr->severity_text,
           (int)lr->severity_number, a);
}

static const char *LOGS =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"h1\"}}]},"
    "\"scopeLogs\":[{\"logRecords\":["
    "{\"severityNumber\":9,\"severityText\":\"INFO\",\"body\":{\"stringValue\":\"user=alice id=42\"},"
    "\"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"long-value\"}},{\"key\":\"secret.x\",\"value\":"
    "{\"stringValue\":\"s\"}},{\"key\":\"n\",\"value\":{\"intValue\":\"7\"}}]},"
    "{\"severityNumber\":17,\"severityText\":\"ERROR\",\"body\":{\"stringValue\":\"boom\"},"
    "\"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"b\"}}]}]}]}]}";

static const char *ORIG0 = "user=alice id=42|INFO|9|a=long-value,secret.x=s,n=7";
static const char *ORIG1 = "boom|ERROR|17|a=b";

static void check_logs(const char *stmts, const char *want0, const char *want1) {
  char yaml[2048], got[1024];
  snprintf(yaml, sizeof(yaml), "log_statements:\n  - context: log\n    statements:\n%s", stmts);
  proc p;
  proc_start(&p, yaml, OTLPD_LOGS);
  otlpd_batch *in;
  otlpd_payload *pl = ef_payload(OTLPD_LOGS, LOGS, true, NULL);
  in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  log_text(back, 0, got, sizeof(got));
  if (strcmp(got, want0)) fail_msg("%s: log 0 is \"%s\", want \"%s\"", stmts, got, want0);
  log_text(back, 1, got, sizeof(got));
  if (strcmp(got, want1)) fail_msg("%s: log 1 is \"%s\", want \"%s\"", stmts, got, want1);
  otlpd_batch_unref(back);
  /* the given batch is as it was */
  log_text(in, 0, got, sizeof(got));
  assert_string_equal(got, ORIG0);
  log_text(in, 1, got, sizeof(got));
  assert_string_equal(got, ORIG1);
  if (!strcmp(want0, ORIG0) && !strcmp(want1, ORIG1)) assert_ptr_equal(p.down.got, in); /* nothing changed */
  else assert_ptr_not_equal(p.down.got, in);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_set(void **state) {
  (void)state;
  check_logs("      - set(attributes[\"new\"], \"v\")\n", "user=alice id=42|INFO|9|a=long-value,secret.x=s,n=7,new=v",
             "boom|ERROR|17|a=b,new=v");
  check_logs("      - set(attributes[\"a\"], 5) where severity_number >= SEVERITY_NUMBER_ERROR\n", ORIG0,
             "boom|ERROR|17|a=5");
  check_logs("      - set(attributes[\"copy\"], body) where IsMatch(body, \"^boom\")\n", ORIG0,
             "boom|ERROR|17|a=b,copy=boom");
  check_logs("      - set(severity_text, \"WARN\")\n      - set(severity_number, SEVERITY_NUMBER_WARN)\n",
             "user=alice id=42|WARN|13|a=long-value,secret.x=s,n=7", "boom|WARN|13|a=b");
  check_logs("      - set(body, \"x\") where attributes[\"n\"] == 7\n", "x|INFO|9|a=long-value,secret.x=s,n=7", ORIG1);
  /* a value of the wrong type for a typed field, or nil: no change */
  check_logs("      - set(severity_number, \"high\")\n      - set(attributes[\"a\"], attributes[\"nope\"])\n", ORIG0,
             ORIG1);
  check_logs("      - set(attributes[\"a\"], \"b\")\n", "user=alice id=42|INFO|9|a=b,secret.x=s,n=7", ORIG1);
}

static void test_map_editors(void **state) {
  (void)state;
  check_logs("      - delete_key(attributes, \"a\")\n", "user=alice id=42|INFO|9|secret.x=s,n=7", "boom|ERROR|17|");
  check_logs("      - delete_key(attributes, \"a\") where severity_text == \"ERROR\"\n", ORIG0, "boom|ERROR|17|");
  check_logs("      - delete_matching_keys(attributes, \"^secret\\\\.\")\n", "user=alice id=42|INFO|9|a=long-value,n=7",
             ORIG1);
  check_logs("      - truncate_all(attributes, 4)\n", "user=alice id=42|INFO|9|a=long,secret.x=s,n=7", ORIG1);
  check_logs("      - truncate_all(attributes, 4) where body == \"boom\"\n", ORIG0, ORIG1);
  check_logs("      - limit(attributes, 1, [\"n\"])\n", "user=alice id=42|INFO|9|n=7", ORIG1);
  check_logs("      - limit(attributes, 2)\n", "user=alice id=42|INFO|9|a=long-value,secret.x=s", ORIG1);
  check_logs("      - limit(attributes, 0) where severity_number == 17\n", ORIG0, "boom|ERROR|17|");
}

static void test_replace_pattern(void **state) {
  (void)state;
  check_logs("      - replace_pattern(body, \"user=(\\\\w+)\", \"user=<$1-redacted>\")\n",
             "user=<alice-redacted> id=42|INFO|9|a=long-value,secret.x=s,n=7", ORIG1);
  check_logs("      - replace_pattern(attributes[\"a\"], \"[aeiou]\", \"_\") where severity_number < 10\n",
             "user=alice id=42|INFO|9|a=l_ng-v_l__,secret.x=s,n=7", ORIG1);
  check_logs("      - replace_pattern(body, \"nomatch\", \"x\")\n", ORIG0, ORIG1);
}

static void test_traces_and_flat(void **state) {
  (void)state;
  const char *json =
      "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},"
      "\"scopeSpans\":[{\"spans\":[{\"name\":\"a\",\"events\":[{\"name\":\"e\",\"attributes\":[{\"key\":\"k\",\"value\":"
      "{\"stringValue\":\"v\"}}]}]},{\"name\":\"b\",\"status\":{\"code\":1}}]}]}]}";
  proc p;
  proc_start(&p,
             "trace_statements:\n"
             "  - set(span.name, \"renamed\") where span.name == \"a\"\n"
             "  - set(resource.attributes[\"env\"], \"prod\")\n"
             "  - context: spanevent\n    statements:\n      - delete_key(attributes, \"k\")\n"
             "  - context: span\n    conditions: [name == \"b\"]\n    statements:\n"
             "      - set(status.code, STATUS_CODE_ERROR)\n",
             OTLPD_TRACES);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, json, true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  otlp_scope_spans *ss = ((otlp_resource_spans *)back->resources[0])->scope_spans[0];
  assert_string_equal(ss->spans[0]->name, "renamed");
  assert_string_equal(ss->spans[1]->name, "b");
  assert_int_equal(ss->spans[0]->events[0]->n_attributes, 0);
  assert_int_equal(ss->spans[1]->status->code, 2);
  assert_string_equal(ef_attr(back, 0, "env"), "prod");
  /* the input is untouched */
  ss = ((otlp_resource_spans *)in->resources[0])->scope_spans[0];
  assert_string_equal(ss->spans[0]->name, "a");
  assert_int_equal(ss->spans[0]->events[0]->n_attributes, 1);
  assert_int_equal(ss->spans[1]->status->code, 1);
  assert_string_equal(ef_attr(in, 0, "env"), "");
  assert_non_null(in->raw[0].p);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

/* duration (end - start, ns) as a value and in where clauses; not a
 * target. */
static void test_duration(void **state) {
  (void)state;
  const char *json =
      "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"spans\":["
      "{\"name\":\"fast\",\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"1500\"},"
      "{\"name\":\"slow\",\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000001000\"}]}]}]}";
  proc p;
  proc_start(&p,
             "trace_statements:\n"
             "  - set(span.attributes[\"duration_ns\"], span.duration)\n"
             "  - set(span.attributes[\"slow\"], true) where span.duration > 1000000000\n"
             "  - set(span.name, \"quick\") where span.duration <= 500\n",
             OTLPD_TRACES);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, json, true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  otlp_scope_spans *ss = ((otlp_resource_spans *)back->resources[0])->scope_spans[0];
  assert_string_equal(ss->spans[0]->name, "quick");
  assert_int_equal(ss->spans[0]->n_attributes, 1);
  assert_string_equal(ss->spans[0]->attributes[0]->key, "duration_ns");
  assert_int_equal(ss->spans[0]->attributes[0]->value->int_value, 500);
  assert_string_equal(ss->spans[1]->name, "slow");
  assert_int_equal(ss->spans[1]->n_attributes, 2);
  assert_int_equal(ss->spans[1]->attributes[0]->value->int_value, 2000000000);
  assert_string_equal(ss->spans[1]->attributes[1]->key, "slow");
  assert_true(ss->spans[1]->attributes[1]->value->bool_value);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_metrics_datapoint(void **state) {
  (void)state;
  const char *json = "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":[{\"name\":\"cpu\",\"gauge\":"
                     "{\"dataPoints\":[{\"asInt\":\"1\",\"attributes\":[{\"key\":\"h\",\"value\":{\"stringValue\":\"a\"}}]},"
                     "{\"asInt\":\"2\"}]}}]}]}]}";
  proc p;
  proc_start(&p, "metric_statements:\n  - context: datapoint\n    statements:\n"
                 "      - set(attributes[\"h\"], \"z\") where value_int == 2\n"
                 "  - context: metric\n    statements: ['set(name, \"cpu.usage\")']\n", OTLPD_METRICS);
  otlpd_payload *pl = ef_payload(OTLPD_METRICS, json, false, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlp_metric *m = ((otlp_resource_metrics *)p.down.got->resources[0])->scope_metrics[0]->metrics[0];
  assert_string_equal(m->name, "cpu.usage");
  assert_int_equal(m->gauge->data_points[0]->n_attributes, 1);
  assert_string_equal(m->gauge->data_points[0]->attributes[0]->value->string_value, "a");
  assert_string_equal(m->gauge->data_points[1]->attributes[0]->value->string_value, "z");
  m = ((otlp_resource_metrics *)in->resources[0])->scope_metrics[0]->metrics[0];
  assert_string_equal(m->name, "cpu");
  assert_int_equal(m->gauge->data_points[1]->n_attributes, 0);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_error_mode(void **state) {
  (void)state;
  const char *stmts = "    statements:\n      - set(attributes[\"x\"], \"y\") where Len(attributes[\"n\"]) > 0\n"
                      "      - set(attributes[\"z\"], \"1\")\n";
  char yaml[1024];
  for (int m = 0; m < 3; m++) {
    snprintf(yaml, sizeof(yaml), "error_mode: %s\nlog_statements:\n  - context: log\n%s",
             m == 0 ? "propagate" : m == 1 ? "ignore" : "silent", stmts);
    proc p;
    proc_start(&p, yaml, OTLPD_LOGS);
    otlpd_payload *pl = ef_payload(OTLPD_LOGS, LOGS, false, NULL);
    otlpd_batch *in = otlpd_batch_from_payload(pl);
    otlpd_payload_unref(pl);
    int rc = otlpd_consume(p.in, in);
    if (m == 0) {
      assert_int_equal(rc, OTLPD_ERR_PERMANENT);
      assert_null(p.down.got);
    } else {
      char got[512];
      assert_int_equal(rc, OTLPD_OK);
      log_text(p.down.got, 0, got, sizeof(got));
      assert_string_equal(got, "user=alice id=42|INFO|9|a=long-value,secret.x=s,n=7,z=1");
    }
    otlpd_batch_unref(in);
    proc_stop(&p);
  }
}

static void expect_error(const char *yaml, const char *part) {
  otlpd_errors errs = {0};
  assert_null(load(yaml, &errs));
  bool found = false;
  for (size_t i = 0; i < errs.n; i++) found |= strstr(errs.msgs[i], part) != NULL;
  if (!found) {
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "  got: %s\n", errs.msgs[i]);
    fail_msg("no error containing \"%s\"", part);
  }
  otlpd_errors_free(&errs);
}

static void test_config_errors(void **state) {
  (void)state;
  expect_error("log_statements:\n  - context: log\n    statements: ['merge_maps(attributes, body, \"upsert\")']\n",
               "log_statements[0]::statements[0]: \"merge_maps(attributes, body, \"upsert\")\": column 1: unsupported editor "
               "merge_maps");
  expect_error("log_statements:\n  - context: log\n    statements: ['replace_pattern(body, \"(\", \"x\")']\n",
               "column 23: invalid regex");
  expect_error("log_statements:\n  - context: log\n    statements: ['set(flags, 1)']\n", "column 5: unsupported target");
  expect_error("trace_statements:\n  - context: span\n    statements: ['set(duration, 1)']\n",
               "column 5: unsupported target");
  expect_error("log_statements:\n  - context: log\n    statements: ['delete_key(attributes[\"a\"], \"b\")']\n",
               "needs a map target");
  expect_error("log_statements:\n  - context: log\n    statements: ['set(body, \"x\") where']\n", "end of expression");
  expect_error("log_statements:\n  - context: log\n    statements: ['set(body, \"x\") when true']\n", "expected `where`");
  expect_error("log_statements:\n  - context: resource\n    statements: ['set(attributes[\"a\"], \"b\")']\n",
               "context: \"resource\" is not supported");
  expect_error("trace_statements:\n  - context: log\n    statements: []\n", "span or spanevent");
  expect_error("trace_statements:\n  - set(name, \"x\")\n", "trace_statements[0]: \"set(name, \"x\")\": column 5");
  expect_error("log_statements:\n  - context: log\n    statements: ['truncate_all(attributes, -1)']\n", "non-negative");
  expect_error("log_statements:\n  - context: log\n    error_mode: loud\n    statements: []\n", "error_mode");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set),          cmocka_unit_test(test_map_editors),
      cmocka_unit_test(test_replace_pattern), cmocka_unit_test(test_traces_and_flat),
      cmocka_unit_test(test_duration),
      cmocka_unit_test(test_metrics_datapoint), cmocka_unit_test(test_error_mode),
      cmocka_unit_test(test_config_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
