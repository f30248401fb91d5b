/* filter processor: drops on all three signals (span, spanevent, metric,
 * datapoint, log_record, flat *_conditions), emptied containers removed,
 * the input batch left as it was, untouched batches passed as they came,
 * error_mode, counters, and config errors. */
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
#include "processors/filter/filter.h"

extern const otlpd_factory otlpd_processor_filter;

typedef struct capture {
  otlpd_consumer base;
  otlpd_batch *got;
  int calls;
} capture;

static int capture_consume(otlpd_consumer *self, otlpd_batch *b) {
  capture *c = (capture *)self;
  otlpd_batch_unref(c->got);
  otlpd_batch_ref(b);
  c->got = b;
  c->calls++;
  return OTLPD_OK;
}

static void *load(const char *yaml, otlpd_errors *errs) {
  const otlpd_factory *f = &otlpd_processor_filter;
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, f->config_size);
  otlpd_settings_defaults(f->settings, cfg);
  int rc = otlpd_settings_apply(f->settings, cfg, n, "processors::filter", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = f->validate(cfg, "processors::filter", errs);
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
  p->host.id = "filter";
  otlpd_create_params cp = {.host = &p->host, .config = p->cfg, .signal = s};
  cp.next[s] = &p->down.base;
  assert_int_equal(otlpd_processor_filter.create(&cp, &p->state), 0);
  p->in = otlpd_processor_filter.consumer(p->state);
}

static void proc_stop(proc *p) {
  otlpd_batch_unref(p->down.got);
  otlpd_processor_filter.destroy(p->state);
  otlpd_settings_free(otlpd_processor_filter.settings, p->cfg);
  free(p->cfg);
}

/* ---- describing a batch: resources '|', scopes ';', items ' ' ---- */

static void cat(char *out, size_t cap, const char *s) { strncat(out, s, cap - strlen(out) - 1); }

static void describe(const otlpd_batch *b, char *out, size_t cap) {
  out[0] = '\0';
  char tmp[256];
  for (size_t i = 0; i < b->n; i++) {
    if (i) cat(out, cap, "|");
    if (b->signal == OTLPD_TRACES) {
      const otlp_resource_spans *rs = b->resources[i];
      for (size_t j = 0; j < rs->n_scope_spans; j++) {
        if (j) cat(out, cap, ";");
        for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++) {
          const otlp_span *sp = rs->scope_spans[j]->spans[k];
          snprintf(tmp, sizeof(tmp), "%s%s", k ? " " : "", sp->name);
          cat(out, cap, tmp);
          for (size_t e = 0; e < sp->n_events; e++) {
            snprintf(tmp, sizeof(tmp), "%s%s", e ? "," : "{", sp->events[e]->name);
            cat(out, cap, tmp);
          }
          if (sp->n_events) cat(out, cap, "}");
        }
      }
    } else if (b->signal == OTLPD_METRICS) {
      const otlp_resource_metrics *rm = b->resources[i];
      for (size_t j = 0; j < rm->n_scope_metrics; j++) {
        if (j) cat(out, cap, ";");
        for (size_t k = 0; k < rm->scope_metrics[j]->n_metrics; k++) {
          const otlp_metric *m = rm->scope_metrics[j]->metrics[k];
          snprintf(tmp, sizeof(tmp), "%s%s(%zu)", k ? " " : "", m->name, ottl_metric_points(m));
          cat(out, cap, tmp);
        }
      }
    } else {
      const otlp_resource_logs *rl = b->resources[i];
      for (size_t j = 0; j < rl->n_scope_logs; j++) {
        if (j) cat(out, cap, ";");
        for (size_t k = 0; k < rl->scope_logs[j]->n_log_records; k++) {
          const otlp_log_record *lr = rl->scope_logs[j]->log_records[k];
          snprintf(tmp, sizeof(tmp), "%s%s", k ? " " : "", lr->body ? lr->body->string_value : "-");
          cat(out, cap, tmp);
        }
      }
    }
  }
}

static void assert_batch(const otlpd_batch *b, const char *want) {
  char got[1024];
  describe(b, got, sizeof(got));
  if (strcmp(got, want)) fail_msg("batch is \"%s\", want \"%s\"", got, want);
}

#define SPAN(n, extra) "{\"name\":\"" n "\"" extra "}"
#define EV(n) "{\"name\":\"" n "\"}"

static const char *TRACES =
    "{\"resourceSpans\":["
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"a\"}}]},\"scopeSpans\":["
    "{\"scope\":{\"name\":\"s1\"},\"spans\":[" SPAN("health", "") "," SPAN("work", ",\"events\":[" EV("e1") "," EV("drop") "]") "]},"
    "{\"scope\":{\"name\":\"s2\"},\"spans\":[" SPAN("health", "") "]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"b\"}}]},\"scopeSpans\":["
    "{\"scope\":{\"name\":\"s3\"},\"spans\":[" SPAN("other", ",\"status\":{\"code\":2}") "]}]}]}";

static otlpd_batch *batch_of(otlpd_signal s, const char *json, bool wire) {
  otlpd_payload *p = ef_payload(s, json, wire, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

static void check_traces(const char *yaml, const char *want, size_t items) {
  proc p;
  proc_start(&p, yaml, OTLPD_TRACES);
  otlpd_batch *in = batch_of(OTLPD_TRACES, TRACES, true);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_non_null(p.down.got);
  assert_batch(p.down.got, want);
  assert_int_equal(p.down.got->items, items);
  /* the batch it was given, and its wire bytes, stay as they were */
  assert_batch(in, "health work{e1,drop};health|other");
  assert_non_null(in->raw[0].p);
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  assert_batch(back, want);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_span(void **state) {
  (void)state;
  check_traces("traces:\n  span:\n    - name == \"health\"\n", "work{e1,drop}|other", 2);
  /* the second resource loses its only span and goes */
  check_traces("traces:\n  span:\n    - name == \"health\"\n    - status.code == STATUS_CODE_ERROR\n",
               "work{e1,drop}", 1);
  check_traces("traces:\n  span:\n    - resource.attributes[\"service.name\"] == \"a\"\n", "other", 1);
  check_traces("traces:\n  span:\n    - instrumentation_scope.name == \"s2\"\n", "health work{e1,drop}|other", 3);
}

static void test_spanevent(void **state) {
  (void)state;
  check_traces("traces:\n  spanevent:\n    - name == \"drop\"\n", "health work{e1};health|other", 4);
  check_traces("traces:\n  span:\n    - name == \"health\"\n  spanevent:\n    - IsMatch(name, \"^(e1|drop)$\")\n",
               "work|other", 2);
}

static void test_flat_conditions(void **state) {
  (void)state;
  check_traces("trace_conditions:\n  - spanevent.name == \"drop\"\n  - span.name == \"other\"\n",
               "health work{e1};health", 3);
  check_traces("trace_conditions:\n  - resource.attributes[\"service.name\"] == \"b\"\n", "health work{e1,drop};health", 3);
}

/* Spans of 500 ns, 2 s, 0 (no times) and -5 (end before start): which
 * ones each duration condition drops, in the span and the flat forms. */
static void test_duration(void **state) {
  (void)state;
  static const char *json =
      "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"spans\":["
      "{\"name\":\"fast\",\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"1500\"},"
      "{\"name\":\"slow\",\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000001000\","
      "\"events\":[{\"name\":\"ev\"}]},"
      "{\"name\":\"none\"},"
      "{\"name\":\"neg\",\"startTimeUnixNano\":\"10\",\"endTimeUnixNano\":\"5\"}]}]}]}";
  static const struct {
    const char *yaml, *want;
  } t[] = {
      {"traces:\n  span:\n    - duration > 1000000000\n", "fast none neg"},
      {"traces:\n  span:\n    - duration > 499\n", "none neg"},
      {"traces:\n  span:\n    - duration > 1000\n", "fast none neg"},
      {"traces:\n  span:\n    - duration >= 500\n", "none neg"},
      {"traces:\n  span:\n    - duration < 500\n", "fast slow{ev}"},
      {"traces:\n  span:\n    - duration <= 500\n", "slow{ev}"},
      {"traces:\n  span:\n    - duration == 0\n", "fast slow{ev} neg"},
      {"traces:\n  span:\n    - duration != 500\n", "fast"},
      {"traces:\n  span:\n    - duration < 0\n", "fast slow{ev} none"},
      {"traces:\n  span:\n    - duration > 100 and name != \"slow\"\n", "slow{ev} none neg"},
      {"traces:\n  span:\n    - duration == 0 or duration > 1000000000\n", "fast neg"},
      {"trace_conditions:\n  - span.duration > 1000000000\n", "fast none neg"},
      {"traces:\n  spanevent:\n    - span.duration > 1000000000\n", "fast slow none neg"},
      {"trace_conditions:\n  - spanevent.name == \"ev\" and span.duration < 1000\n", "fast slow{ev} none neg"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    proc p;
    proc_start(&p, t[i].yaml, OTLPD_TRACES);
    otlpd_batch *in = batch_of(OTLPD_TRACES, json, true);
    assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
    char got[1024];
    if (p.down.got) describe(p.down.got, got, sizeof(got));
    else strcpy(got, "(nothing)");
    if (strcmp(got, t[i].want)) fail_msg("%s: got \"%s\", want \"%s\"", t[i].yaml, got, t[i].want);
    otlpd_batch_unref(in);
    proc_stop(&p);
  }
}

static void test_nothing_dropped_passes_as_is(void **state) {
  (void)state;
  proc p;
  proc_start(&p, "traces:\n  span:\n    - name == \"nope\"\n  spanevent:\n    - name == \"nope\"\n", OTLPD_TRACES);
  otlpd_batch *in = batch_of(OTLPD_TRACES, TRACES, true);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_ptr_equal(p.down.got, in);
  assert_non_null(in->raw[0].p);
  assert_int_equal(otlpd_counter_get(&p.counters.dropped[OTLPD_TRACES]), 0);
  assert_int_equal(otlpd_counter_get(&p.counters.incoming[OTLPD_TRACES]), 4);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_everything_dropped(void **state) {
  (void)state;
  proc p;
  proc_start(&p, "traces:\n  span:\n    - true\n", OTLPD_TRACES);
  otlpd_batch *in = batch_of(OTLPD_TRACES, TRACES, true);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_int_equal(p.down.calls, 0);
  assert_int_equal(otlpd_counter_get(&p.counters.dropped[OTLPD_TRACES]), 4);
  assert_int_equal(otlpd_counter_get(&p.counters.outgoing[OTLPD_TRACES]), 0);
  filter_proc *f = p.state;
  assert_int_equal(f->dropped[F_SPANS], 4);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_error_mode(void **state) {
  (void)state;
  /* Len of an int attribute is an evaluation error */
  const char *cond = "  span:\n    - Len(resource.attributes[\"service.name\"]) == 1 and Len(attributes[\"n\"]) == 1\n"
                     "    - name == \"health\"\n";
  char yaml[512];
  proc p;
  snprintf(yaml, sizeof(yaml), "traces:\n%s", cond);
  proc_start(&p, yaml, OTLPD_TRACES); /* propagate is the default */
  const char *json = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
                     "{\"stringValue\":\"a\"}}]},\"scopeSpans\":[{\"spans\":[{\"name\":\"health\",\"attributes\":"
                     "[{\"key\":\"n\",\"value\":{\"intValue\":\"1\"}}]},{\"name\":\"x\"}]}]}]}";
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, false);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_ERR_PERMANENT);
  assert_int_equal(p.down.calls, 0);
  proc_stop(&p);
  for (int m = 0; m < 2; m++) {
    snprintf(yaml, sizeof(yaml), "error_mode: %s\ntraces:\n%s", m ? "silent" : "ignore", cond);
    proc_start(&p, yaml, OTLPD_TRACES);
    assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
    /* the failing condition counts as false; the next one still drops "health" */
    assert_batch(p.down.got, "x");
    proc_stop(&p);
  }
  otlpd_batch_unref(in);
}

static const char *METRICS =
    "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":["
    "{\"name\":\"cpu\",\"gauge\":{\"dataPoints\":[{\"asDouble\":0.5,\"attributes\":[{\"key\":\"host\",\"value\":"
    "{\"stringValue\":\"a\"}}]},{\"asDouble\":0.7,\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"b\"}}]}]}},"
    "{\"name\":\"req\",\"sum\":{\"dataPoints\":[{\"asInt\":\"3\",\"attributes\":[{\"key\":\"host\",\"value\":"
    "{\"stringValue\":\"b\"}}]}],\"aggregationTemporality\":2,\"isMonotonic\":true}},"
    "{\"name\":\"lat\",\"histogram\":{\"dataPoints\":[{\"count\":\"2\",\"sum\":3}]}}]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]},\"scopeMetrics\":[{\"metrics\":["
    "{\"name\":\"mem\",\"gauge\":{\"dataPoints\":[{\"asInt\":\"1\"}]}}]}]}]}";

static void check_metrics(const char *yaml, const char *want, size_t items) {
  proc p;
  proc_start(&p, yaml, OTLPD_METRICS);
  otlpd_batch *in = batch_of(OTLPD_METRICS, METRICS, true);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_batch(p.down.got, want);
  assert_int_equal(p.down.got->items, items);
  size_t sum = 0;
  for (size_t i = 0; i < p.down.got->n; i++) sum += p.down.got->counts[i];
  assert_int_equal(sum, items);
  assert_batch(in, "cpu(2) req(1) lat(1)|mem(1)");
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  assert_batch(back, want);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_metric_and_datapoint(void **state) {
  (void)state;
  check_metrics("metrics:\n  metric:\n    - name == \"req\"\n", "cpu(2) lat(1)|mem(1)", 4);
  check_metrics("metrics:\n  metric:\n    - type == METRIC_DATA_TYPE_HISTOGRAM\n", "cpu(2) req(1)|mem(1)", 4);
  check_metrics("metrics:\n  metric:\n    - resource.attributes[\"k\"] == \"v\"\n", "cpu(2) req(1) lat(1)", 4);
  check_metrics("metrics:\n  metric:\n    - HasAttrOnDatapoint(\"host\", \"a\")\n", "req(1) lat(1)|mem(1)", 3);
  /* one point of cpu goes; req loses its only point and goes */
  check_metrics("metrics:\n  datapoint:\n    - attributes[\"host\"] == \"b\"\n", "cpu(1) lat(1)|mem(1)", 3);
  check_metrics("metrics:\n  datapoint:\n    - metric.name == \"lat\" and count > 1\n", "cpu(2) req(1)|mem(1)", 4);
  check_metrics("metric_conditions:\n  - datapoint.value_int == 1\n", "cpu(2) req(1) lat(1)", 4);
  check_metrics("metrics:\n  exclude:\n    match_type: strict\n    metric_names: [cpu, mem]\n", "req(1) lat(1)", 2);
  check_metrics("metrics:\n  include:\n    match_type: regexp\n    metric_names: [\"^c\", \"^l\"]\n", "cpu(2) lat(1)", 3);
}

static const char *LOGS =
    "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"logRecords\":["
    "{\"severityNumber\":5,\"body\":{\"stringValue\":\"dbg\"}},{\"severityNumber\":17,\"severityText\":\"ERROR\","
    "\"body\":{\"stringValue\":\"err\"}},{\"severityNumber\":9,\"body\":{\"stringValue\":\"info\"}}]},"
    "{\"logRecords\":[{\"severityNumber\":1,\"body\":{\"stringValue\":\"trace\"}}]}]}]}";

static void check_logs(const char *yaml, const char *want, size_t items) {
  proc p;
  proc_start(&p, yaml, OTLPD_LOGS);
  otlpd_batch *in = batch_of(OTLPD_LOGS, LOGS, true);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_batch(p.down.got, want);
  assert_int_equal(p.down.got->items, items);
  assert_batch(in, "dbg err info;trace");
  otlpd_batch *back = ef_roundtrip_pb(p.down.got);
  assert_batch(back, want);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_log_record(void **state) {
  (void)state;
  check_logs("logs:\n  log_record:\n    - severity_number < SEVERITY_NUMBER_INFO\n", "err info", 2);
  check_logs("logs:\n  log_record:\n    - IsMatch(body, \"^(err|info)$\")\n", "dbg;trace", 2);
  check_logs("logs:\n  log_record:\n    - severity_text == \"ERROR\"\n", "dbg info;trace", 3);
  check_logs("log_conditions:\n  - log.severity_number == 1\n", "dbg err info", 3);
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
  expect_error("traces:\n  span:\n    - IsMatch(name, \"[a\")\n",
               "processors::filter::traces::span[0]: \"IsMatch(name, \"[a\")\": column 15: invalid regex");
  expect_error("traces:\n  span:\n    - ok\n    - Substring(name, 0, 1) == \"a\"\n",
               "traces::span[0]: \"ok\": column 1: unsupported path ok");
  expect_error("traces:\n  span:\n    - Substring(name, 0, 1) == \"a\"\n", "column 1: unsupported function Substring");
  expect_error("logs:\n  log_record:\n    - name == \"x\"\n", "logs::log_record[0]: \"name == \"x\"\": column 1");
  expect_error("trace_conditions:\n  - name == \"x\"\n", "trace_conditions[0]");
  expect_error("error_mode: loud\n", "error_mode");
  expect_error("spans:\n  include:\n    match_type: strict\n    services: [a]\n", "legacy include/exclude form");
  expect_error("logs:\n  exclude:\n    match_type: strict\n", "under logs::log_record");
  expect_error("metrics:\n  exclude:\n    match_type: expr\n    metric_names: [a]\n", "only strict and regexp");
  expect_error("metrics:\n  exclude:\n    match_type: regexp\n    metric_names: [\"(\"]\n", "invalid regex");
  expect_error("metrics:\n  metric: [\"name == \\\"a\\\"\"]\n  exclude:\n    match_type: strict\n    metric_names: [a]\n",
               "at the same time");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_span),
      cmocka_unit_test(test_spanevent),
      cmocka_unit_test(test_flat_conditions),
      cmocka_unit_test(test_duration),
      cmocka_unit_test(test_nothing_dropped_passes_as_is),
      cmocka_unit_test(test_everything_dropped),
      cmocka_unit_test(test_error_mode),
      cmocka_unit_test(test_metric_and_datapoint),
      cmocka_unit_test(test_log_record),
      cmocka_unit_test(test_config_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
