/* OTTL subset: truth tables of every operator, OTTL's mismatched-type and
 * nil rules, precedence, each converter and path per context, and parse
 * errors with their column. Items come from OTLP JSON. */
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
#include "ottl/ottl.h"

static const char *TRACES =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"lib\",\"version\":\"1.0\"},\"spans\":[{"
    "\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"1112131415161718\",\"name\":\"GET /x\","
    "\"kind\":2,\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"3500\",\"status\":{\"code\":2,\"message\":\"boom\"},"
    "\"attributes\":[{\"key\":\"s\",\"value\":{\"stringValue\":\"abc\"}},{\"key\":\"i\",\"value\":{\"intValue\":\"5\"}},"
    "{\"key\":\"d\",\"value\":{\"doubleValue\":2.5}},{\"key\":\"b\",\"value\":{\"boolValue\":true}},"
    "{\"key\":\"y\",\"value\":{\"bytesValue\":\"AQI=\"}},{\"key\":\"e\",\"value\":{}},"
    "{\"key\":\"m\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"intValue\":\"1\"}}]}}},"
    "{\"key\":\"l\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":\"1\"},{\"intValue\":\"2\"},{\"intValue\":\"3\"}]}}}],"
    "\"events\":[{\"name\":\"ev\",\"timeUnixNano\":\"2000\",\"attributes\":[{\"key\":\"grpc\",\"value\":{\"boolValue\":true}}]}]"
    "}]}]}]}";

static const char *LOGS =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},"
    "\"scopeLogs\":[{\"scope\":{\"name\":\"lg\"},\"logRecords\":[{\"timeUnixNano\":\"7\",\"severityNumber\":17,"
    "\"severityText\":\"ERROR\",\"body\":{\"stringValue\":\"hello world\"},"
    "\"attributes\":[{\"key\":\"code\",\"value\":{\"intValue\":\"404\"}}]}]}]}]}";

static const char *METRICS =
    "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":[{\"name\":\"cpu\",\"unit\":\"1\","
    "\"gauge\":{\"dataPoints\":[{\"asDouble\":0.5,\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"a\"}}]},"
    "{\"asInt\":\"3\",\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"b\"}}]}]}}]}]}]}";

typedef struct fx {
  otlpd_payload *t, *l, *m;
  ottl_item span, event, log, metric, dp0, dp1;
} fx;

static fx F;

static int setup(void **state) {
  (void)state;
  F.t = ef_payload(OTLPD_TRACES, TRACES, false, NULL);
  F.l = ef_payload(OTLPD_LOGS, LOGS, false, NULL);
  F.m = ef_payload(OTLPD_METRICS, METRICS, false, NULL);
  otlp_resource_spans *rs = ((otlp_trace_request *)F.t->msg)->resource_spans[0];
  F.span = (ottl_item){.resource = rs->resource, .scope = rs->scope_spans[0]->scope,
                       .span = rs->scope_spans[0]->spans[0]};
  F.event = F.span;
  F.event.event = F.span.span->events[0];
  otlp_resource_logs *rl = ((otlp_logs_request *)F.l->msg)->resource_logs[0];
  F.log = (ottl_item){.resource = rl->resource, .scope = rl->scope_logs[0]->scope,
                      .log = rl->scope_logs[0]->log_records[0]};
  otlp_resource_metrics *rm = ((otlp_metrics_request *)F.m->msg)->resource_metrics[0];
  F.metric = (ottl_item){.resource = rm->resource, .scope = rm->scope_metrics[0]->scope,
                         .metric = rm->scope_metrics[0]->metrics[0]};
  F.dp0 = F.metric;
  F.dp0.dp = ottl_metric_point(F.metric.metric, 0);
  F.dp1 = F.metric;
  F.dp1.dp = ottl_metric_point(F.metric.metric, 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  otlpd_payload_unref(F.t);
  otlpd_payload_unref(F.l);
  otlpd_payload_unref(F.m);
  return 0;
}

static const ottl_item *item_of(ottl_context c) {
  switch (c) {
  case OTTL_SPAN: return &F.span;
  case OTTL_SPANEVENT: return &F.event;
  case OTTL_LOG: return &F.log;
  case OTTL_METRIC: return &F.metric;
  default: return &F.dp0;
  }
}

/* 1 / 0 / -1 (evaluation error); fails the test on a compile error. */
static int eval_on(ottl_context c, bool prefixed, const ottl_item *it, const char *src) {
  ottl_error err;
  ottl_cond *k = ottl_cond_compile(src, c, prefixed, &err);
  if (!k) fail_msg("compile \"%s\": column %d: %s", src, err.col, err.msg);
  const char *why;
  int r = ottl_cond_eval(k, it, &why);
  if (r < 0) assert_non_null(why);
  ottl_cond_free(k);
  return r;
}

typedef struct tcase {
  ottl_context ctx;
  const char *src;
  int want;
} tcase;

static void run(const tcase *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int got = eval_on(t[i].ctx, false, item_of(t[i].ctx), t[i].src);
    if (got != t[i].want) fail_msg("%s: \"%s\": got %d, want %d", ottl_context_name(t[i].ctx), t[i].src, got, t[i].want);
  }
}

#define RUN(tbl) run(tbl, sizeof(tbl) / sizeof(tbl[0]))

static void test_operators(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_SPAN, "1 == 1", 1}, {OTTL_SPAN, "1 == 2", 0}, {OTTL_SPAN, "1 != 2", 1}, {OTTL_SPAN, "1 != 1", 0},
      {OTTL_SPAN, "1 < 2", 1}, {OTTL_SPAN, "2 < 1", 0}, {OTTL_SPAN, "1 < 1", 0}, {OTTL_SPAN, "1 <= 1", 1},
      {OTTL_SPAN, "2 <= 1", 0}, {OTTL_SPAN, "2 > 1", 1}, {OTTL_SPAN, "1 > 1", 0}, {OTTL_SPAN, "1 >= 1", 1},
      {OTTL_SPAN, "0 >= 1", 0}, {OTTL_SPAN, "\"a\" < \"b\"", 1}, {OTTL_SPAN, "\"ab\" > \"a\"", 1},
      {OTTL_SPAN, "\"a\" == \"a\"", 1}, {OTTL_SPAN, "1 == 1.0", 1}, {OTTL_SPAN, "1.5 > 1", 1},
      {OTTL_SPAN, "-2 < 1", 1}, {OTTL_SPAN, "1e3 == 1000", 1}, {OTTL_SPAN, "true == true", 1},
      {OTTL_SPAN, "false < true", 1}, {OTTL_SPAN, "true > false", 1}, {OTTL_SPAN, "true <= false", 0},
      {OTTL_SPAN, "0x0102 == 0x0102", 1}, {OTTL_SPAN, "0x01 < 0x02", 1},
      /* mismatched types: only != holds */
      {OTTL_SPAN, "1 == \"1\"", 0}, {OTTL_SPAN, "1 != \"1\"", 1}, {OTTL_SPAN, "1 < \"1\"", 0},
      {OTTL_SPAN, "1 >= \"1\"", 0}, {OTTL_SPAN, "true == 1", 0}, {OTTL_SPAN, "\"true\" != true", 1},
      /* nil */
      {OTTL_SPAN, "nil == nil", 1}, {OTTL_SPAN, "nil != nil", 0}, {OTTL_SPAN, "nil <= nil", 1},
      {OTTL_SPAN, "nil < nil", 0}, {OTTL_SPAN, "nil == 1", 0}, {OTTL_SPAN, "nil != 1", 1},
      {OTTL_SPAN, "attributes[\"missing\"] == nil", 1}, {OTTL_SPAN, "attributes[\"missing\"] != nil", 0},
      {OTTL_SPAN, "attributes[\"missing\"] < 1", 0}, {OTTL_SPAN, "attributes[\"e\"] == nil", 1},
      {OTTL_SPAN, "attributes[\"s\"] != nil", 1},
      /* math */
      {OTTL_SPAN, "end_time_unix_nano - start_time_unix_nano == 2500", 1}, {OTTL_SPAN, "2 * 3 + 1 == 7", 1},
      {OTTL_SPAN, "1 + 2 * 3 == 7", 1}, {OTTL_SPAN, "7 / 2 == 3", 1}, {OTTL_SPAN, "1.5 + 1.5 == 3", 1},
      {OTTL_SPAN, "1 + 1.5 == 2.5", -1}, {OTTL_SPAN, "1 / 0 == 1", -1},
  };
  RUN(t);
}

static void test_logic_precedence(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_SPAN, "true and true", 1}, {OTTL_SPAN, "true and false", 0}, {OTTL_SPAN, "false or true", 1},
      {OTTL_SPAN, "false or false", 0}, {OTTL_SPAN, "not true", 0}, {OTTL_SPAN, "not false", 1},
      {OTTL_SPAN, "not not true", 1}, {OTTL_SPAN, "true or true and false", 1},
      {OTTL_SPAN, "(true or true) and false", 0}, {OTTL_SPAN, "false and true or true", 1},
      {OTTL_SPAN, "false and (true or true)", 0}, {OTTL_SPAN, "not 1 == 2", 1},
      {OTTL_SPAN, "not (1 == 1 or 1 == 2)", 0}, {OTTL_SPAN, "((1 == 1))", 1},
      /* short-circuit: the error on the right is never reached */
      {OTTL_SPAN, "true or Len(1) == 1", 1}, {OTTL_SPAN, "false and Len(1) == 1", 0},
      {OTTL_SPAN, "false or Len(1) == 1", -1},
  };
  RUN(t);
}

static void test_span_paths(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_SPAN, "name == \"GET /x\"", 1}, {OTTL_SPAN, "span.name == \"GET /x\"", 1},
      {OTTL_SPAN, "attributes[\"s\"] == \"abc\"", 1}, {OTTL_SPAN, "attributes[\"i\"] == 5", 1},
      {OTTL_SPAN, "attributes[\"i\"] > 4.5", 1}, {OTTL_SPAN, "attributes[\"d\"] == 2.5", 1},
      {OTTL_SPAN, "attributes[\"b\"] == true", 1}, {OTTL_SPAN, "attributes[\"y\"] == 0x0102", 1},
      {OTTL_SPAN, "attributes[\"i\"] == \"5\"", 0},
      {OTTL_SPAN, "resource.attributes[\"service.name\"] == \"svc\"", 1},
      {OTTL_SPAN, "instrumentation_scope.name == \"lib\"", 1}, {OTTL_SPAN, "instrumentation_scope.version == \"1.0\"", 1},
      {OTTL_SPAN, "kind == SPAN_KIND_SERVER", 1}, {OTTL_SPAN, "kind == 2", 1},
      {OTTL_SPAN, "status.code == STATUS_CODE_ERROR", 1}, {OTTL_SPAN, "status.code != STATUS_CODE_OK", 1},
      {OTTL_SPAN, "status.message == \"boom\"", 1},
      {OTTL_SPAN, "trace_id == 0x0102030405060708090a0b0c0d0e0f10", 1},
      {OTTL_SPAN, "span_id == 0x1112131415161718", 1},
      {OTTL_SPAN, "trace_id.string == \"0102030405060708090a0b0c0d0e0f10\"", 1},
      {OTTL_SPAN, "span_id.string == \"1112131415161718\"", 1},
      {OTTL_SPANEVENT, "name == \"ev\"", 1}, {OTTL_SPANEVENT, "attributes[\"grpc\"] == true", 1},
      {OTTL_SPANEVENT, "span.name == \"GET /x\"", 1}, {OTTL_SPANEVENT, "time_unix_nano == 2000", 1},
      {OTTL_SPANEVENT, "resource.attributes[\"service.name\"] == \"svc\"", 1},
  };
  RUN(t);
}

/* duration = end - start in ns (the fixture span: 3500 - 1000), an int,
 * in every comparison; span.duration from a span event; only spans. */
static void test_duration(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_SPAN, "duration == 2500", 1}, {OTTL_SPAN, "duration == 2501", 0},
      {OTTL_SPAN, "duration != 2500", 0}, {OTTL_SPAN, "duration != 1", 1},
      {OTTL_SPAN, "duration < 2501", 1}, {OTTL_SPAN, "duration < 2500", 0},
      {OTTL_SPAN, "duration <= 2500", 1}, {OTTL_SPAN, "duration <= 2499", 0},
      {OTTL_SPAN, "duration > 2499", 1}, {OTTL_SPAN, "duration > 2500", 0},
      {OTTL_SPAN, "duration >= 2500", 1}, {OTTL_SPAN, "duration >= 2501", 0},
      {OTTL_SPAN, "span.duration == 2500", 1}, {OTTL_SPAN, "duration == 2500.0", 1},
      {OTTL_SPAN, "duration == \"2500\"", 0}, {OTTL_SPAN, "duration != nil", 1},
      {OTTL_SPAN, "duration == end_time_unix_nano - start_time_unix_nano", 1},
      {OTTL_SPAN, "duration * 2 == 5000", 1}, {OTTL_SPAN, "duration > 1000 and kind == SPAN_KIND_SERVER", 1},
      {OTTL_SPANEVENT, "span.duration == 2500", 1}, {OTTL_SPANEVENT, "span.duration > 2500", 0},
  };
  RUN(t);
  ottl_error err;
  static const ottl_context others[] = {OTTL_SPANEVENT, OTTL_LOG, OTTL_METRIC, OTTL_DATAPOINT};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    ottl_cond *c = ottl_cond_compile("duration > 1", others[i], false, &err);
    if (c) fail_msg("%s: duration accepted", ottl_context_name(others[i]));
    assert_int_equal(err.col, 1);
  }
}

static void test_log_metric_paths(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_LOG, "body == \"hello world\"", 1}, {OTTL_LOG, "severity_number == SEVERITY_NUMBER_ERROR", 1},
      {OTTL_LOG, "severity_number >= SEVERITY_NUMBER_WARN", 1}, {OTTL_LOG, "severity_number < SEVERITY_NUMBER_WARN", 0},
      {OTTL_LOG, "severity_text == \"ERROR\"", 1}, {OTTL_LOG, "attributes[\"code\"] == 404", 1},
      {OTTL_LOG, "log.attributes[\"code\"] == 404", 1}, {OTTL_LOG, "time_unix_nano == 7", 1},
      {OTTL_LOG, "instrumentation_scope.name == \"lg\"", 1},
      {OTTL_METRIC, "name == \"cpu\"", 1}, {OTTL_METRIC, "metric.name == \"cpu\"", 1},
      {OTTL_METRIC, "type == METRIC_DATA_TYPE_GAUGE", 1}, {OTTL_METRIC, "type == METRIC_DATA_TYPE_SUM", 0},
      {OTTL_METRIC, "unit == \"1\"", 1},
      {OTTL_METRIC, "HasAttrKeyOnDatapoint(\"host\")", 1}, {OTTL_METRIC, "HasAttrKeyOnDatapoint(\"nope\")", 0},
      {OTTL_METRIC, "HasAttrOnDatapoint(\"host\", \"b\")", 1}, {OTTL_METRIC, "HasAttrOnDatapoint(\"host\", \"c\")", 0},
      {OTTL_DATAPOINT, "attributes[\"host\"] == \"a\"", 1}, {OTTL_DATAPOINT, "metric.name == \"cpu\"", 1},
      {OTTL_DATAPOINT, "metric.type == METRIC_DATA_TYPE_GAUGE", 1}, {OTTL_DATAPOINT, "value_double == 0.5", 1},
  };
  RUN(t);
  assert_int_equal(eval_on(OTTL_DATAPOINT, false, &F.dp1, "value_int == 3"), 1);
  assert_int_equal(eval_on(OTTL_DATAPOINT, false, &F.dp1, "attributes[\"host\"] == \"a\""), 0);
}

static void test_converters(void **state) {
  (void)state;
  static const tcase t[] = {
      {OTTL_SPAN, "IsMatch(name, \"^GET\")", 1}, {OTTL_SPAN, "IsMatch(name, \"POST\")", 0},
      {OTTL_SPAN, "IsMatch(name, \"/x$\")", 1}, {OTTL_SPAN, "IsMatch(attributes[\"i\"], \"^5$\")", 1},
      {OTTL_SPAN, "IsMatch(attributes[\"d\"], \"^2\\\\.5$\")", 1}, {OTTL_SPAN, "IsMatch(attributes[\"b\"], \"true\")", 1},
      {OTTL_SPAN, "IsMatch(attributes[\"y\"], \"^0102$\")", 1}, {OTTL_SPAN, "IsMatch(attributes[\"missing\"], \".*\")", 0},
      {OTTL_SPAN, "not IsMatch(name, \"POST\")", 1},
      {OTTL_SPAN, "IsString(name)", 1}, {OTTL_SPAN, "IsString(attributes[\"s\"])", 1},
      {OTTL_SPAN, "IsString(attributes[\"i\"])", 0}, {OTTL_SPAN, "IsString(attributes[\"missing\"])", 0},
      {OTTL_SPAN, "Len(name) == 6", 1}, {OTTL_SPAN, "Len(attributes[\"l\"]) == 3", 1},
      {OTTL_SPAN, "Len(attributes[\"m\"]) == 1", 1}, {OTTL_SPAN, "Len(attributes) == 8", 1},
      {OTTL_SPAN, "Len(attributes[\"y\"]) == 2", 1}, {OTTL_SPAN, "Len(attributes[\"i\"]) == 1", -1},
      {OTTL_SPAN, "Len(attributes[\"missing\"]) == 0", -1}, {OTTL_SPAN, "IsMatch(name, \"x\") == true", 1},
  };
  RUN(t);
}

static void test_prefixed(void **state) {
  (void)state;
  assert_int_equal(eval_on(OTTL_SPAN, true, &F.span, "span.name == \"GET /x\""), 1);
  assert_int_equal(eval_on(OTTL_SPAN, true, &F.span, "resource.attributes[\"service.name\"] == \"svc\""), 1);
  assert_int_equal(eval_on(OTTL_SPANEVENT, true, &F.event, "spanevent.name == \"ev\" and span.name == \"GET /x\""), 1);
  ottl_error err;
  assert_null(ottl_cond_compile("name == \"x\"", OTTL_SPAN, true, &err));
  assert_int_equal(err.col, 1);
  assert_int_equal(ottl_infer_context("span.name == \"spanevent.x\"", OTLPD_TRACES), OTTL_SPAN);
  assert_int_equal(ottl_infer_context("IsMatch(spanevent.name, \"x\")", OTLPD_TRACES), OTTL_SPANEVENT);
  assert_int_equal(ottl_infer_context("resource.attributes[\"a\"] == nil", OTLPD_TRACES), OTTL_SPAN);
  assert_int_equal(ottl_infer_context("datapoint.attributes[\"a\"] == nil", OTLPD_METRICS), OTTL_DATAPOINT);
  assert_int_equal(ottl_infer_context("metric.name == \"a\"", OTLPD_METRICS), OTTL_METRIC);
  assert_int_equal(ottl_infer_context("log.body == \"a\"", OTLPD_LOGS), OTTL_LOG);
}

typedef struct ecase {
  ottl_context ctx;
  const char *src;
  int col;
  const char *msg; /* a part of the message */
} ecase;

static void test_parse_errors(void **state) {
  (void)state;
  static const ecase t[] = {
      {OTTL_SPAN, "name ==", 8, "end of expression"},
      {OTTL_SPAN, "name = \"x\"", 6, "unexpected character"},
      {OTTL_SPAN, "nme == \"x\"", 1, "unsupported path nme"},
      {OTTL_SPAN, "severity_text == \"x\"", 1, "unsupported path severity_text in the span context"},
      {OTTL_LOG, "kind == 1", 1, "unsupported path kind"},
      {OTTL_SPAN, "name == \"x", 9, "unterminated"},
      {OTTL_SPAN, "name", 1, "expected a comparison operator"},
      {OTTL_SPAN, "name == \"x\" and", 16, "end of expression"},
      {OTTL_SPAN, "(name == \"x\"", 13, "expected ')'"},
      {OTTL_SPAN, "name == \"x\")", 12, "unexpected ')'"},
      {OTTL_SPAN, "IsMatch(name, \"(\")", 15, "invalid regex"},
      {OTTL_SPAN, "IsMatch(name)", 1, "takes 2 arguments"},
      {OTTL_SPAN, "IsMatch(name, attributes[\"p\"])", 15, "string literal"},
      {OTTL_SPAN, "Foo(name)", 1, "unsupported function Foo"},
      {OTTL_SPAN, "set(name, \"x\")", 1, "editor set cannot be used in a condition"},
      {OTTL_SPAN, "kind == SPAN_KIND_BOGUS", 9, "unknown enum SPAN_KIND_BOGUS"},
      {OTTL_SPAN, "name[\"k\"] == 1", 5, "takes no [key]"},
      {OTTL_SPAN, "attributes[\"a\"][\"b\"] == 1", 16, "nested keys"},
      {OTTL_SPAN, "attributes[0] == 1", 12, "only string keys"},
      {OTTL_SPAN, "HasAttrKeyOnDatapoint(\"k\")", 1, "metric context"},
      {OTTL_SPAN, "name == \"a\\q\"", 11, "escape"},
      {OTTL_SPAN, "(1 + 2) == 3", 7, "expected a comparison operator"}, /* parentheses group conditions only */
      {OTTL_SPAN, "1 == (1)", 6, "parentheses around math"},
      {OTTL_SPAN, "12abc == 1", 1, "malformed number"},
      {OTTL_SPAN, "name == 0x123", 9, "hex digits"},
      {OTTL_SPAN, "", 1, "end of expression"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    ottl_error err;
    ottl_cond *k = ottl_cond_compile(t[i].src, t[i].ctx, false, &err);
    if (k) fail_msg("\"%s\" compiled", t[i].src);
    if (err.col != t[i].col || !strstr(err.msg, t[i].msg))
      fail_msg("\"%s\": column %d: %s (want column %d: ...%s...)", t[i].src, err.col, err.msg, t[i].col, t[i].msg);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_operators),   cmocka_unit_test(test_logic_precedence),
      cmocka_unit_test(test_span_paths),  cmocka_unit_test(test_duration),
      cmocka_unit_test(test_log_metric_paths),
      cmocka_unit_test(test_converters),  cmocka_unit_test(test_prefixed),
      cmocka_unit_test(test_parse_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
