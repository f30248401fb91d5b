/* debug exporter: what each verbosity prints (captured from stderr or
 * stdout), sampling, and its settings. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../exporters/debug/debug_exporter.h"
#include "batch_fixtures.h"
#include "otlpd/codec.h"
#include "otlpd/config.h"

extern const otlpd_factory otlpd_exporter_debug;

typedef struct fx {
  uv_loop_t loop;
  otlpd_memacct mem;
  volatile bool stopping;
  otlpd_log_level level;
  otlpd_host host;
  otlpd_counters counters;
  debug_cfg cfg;
  void *st;
  otlpd_consumer *in;
  int counter;
} fx;

static int load_cfg(const char *yaml, debug_cfg *cfg, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "test", errs);
  if (!n) return -1;
  otlpd_settings_defaults(debug_settings, cfg);
  int rc = otlpd_settings_apply(debug_settings, cfg, n, "exporters::debug", errs);
  otlpd_node_free(n);
  return rc;
}

static fx *fx_new(const char *yaml) {
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  f->level = OTLPD_LOG_INFO;
  f->host.loop = &f->loop;
  f->host.mem = &f->mem;
  f->host.log.component = "debug";
  f->host.log.level = &f->level;
  f->host.id = "debug";
  f->host.shutting_down = &f->stopping;
  f->host.counters = &f->counters;
  otlpd_errors errs = {0};
  assert_int_equal(load_cfg(yaml, &f->cfg, &errs), 0);
  otlpd_create_params p = {.host = &f->host, .config = &f->cfg, .signals = OTLPD_ALL_SIGNALS};
  assert_int_equal(otlpd_exporter_debug.create(&p, &f->st), 0);
  assert_int_equal(otlpd_exporter_debug.start(f->st), 0);
  f->in = otlpd_exporter_debug.consumer(f->st);
  return f;
}

static void fx_free(fx *f) {
  otlpd_exporter_debug.shutdown(f->st);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  otlpd_exporter_debug.destroy(f->st);
  otlpd_settings_free(debug_settings, &f->cfg);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  free(f);
}

/* Output capture: fd (stderr or stdout) goes to a temp file meanwhile. */
typedef struct capture {
  int fd, saved;
  char path[64];
} capture;

static void capture_begin(capture *c, int fd) {
  snprintf(c->path, sizeof(c->path), "/tmp/otlpd-debug-XXXXXX");
  int tmp = mkstemp(c->path);
  assert_true(tmp >= 0);
  fflush(NULL);
  c->fd = fd;
  c->saved = dup(fd);
  assert_true(dup2(tmp, fd) >= 0);
  close(tmp);
}

static char *capture_end(capture *c) {
  fflush(NULL);
  dup2(c->saved, c->fd);
  close(c->saved);
  FILE *fp = fopen(c->path, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *text = calloc(1, (size_t)n + 1);
  assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  unlink(c->path);
  return text;
}

static int count_lines(const char *text) {
  int n = 0;
  for (const char *p = text; *p; p++) n += *p == '\n';
  return n;
}

static int count_line_prefix(const char *text, const char *prefix) {
  int n = 0;
  size_t len = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    n += strncmp(p, prefix, len) == 0;
  return n;
}

static void send_payload(fx *f, otlpd_payload *p) {
  otlpd_batch *b = otlpd_batch_from_payload(p);
  assert_int_equal(otlpd_consume(f->in, b), OTLPD_OK);
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
}

static void send_traces(fx *f, int R, int S, int N) {
  send_payload(f, fx_traces(R, S, N, &f->counter, NULL));
}

static otlpd_payload *decode(otlpd_signal s, const char *json) {
  char err[128];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m =
      otlpd_json_decode(otlpd_request_descriptor(s), json, strlen(json), a, err, sizeof(err));
  if (!m) fail_msg("decode: %s", err);
  return otlpd_payload_new(s, a, m, NULL);
}

static void test_basic_one_line_per_batch(void **state) {
  fx *f = fx_new("{}");
  capture c;
  capture_begin(&c, STDERR_FILENO);
  send_traces(f, 2, 1, 5);
  send_traces(f, 1, 3, 1);
  send_payload(f, fx_metrics(2, 3, &f->counter));
  char *out = capture_end(&c);
  assert_int_equal(count_lines(out), 3);
  assert_non_null(strstr(out, "[debug] Traces: resource spans: 2, spans: 10\n"));
  assert_non_null(strstr(out, "[debug] Traces: resource spans: 1, spans: 3\n"));
  assert_non_null(strstr(out, "[debug] Metrics: resource metrics: 1, metrics: 2, data points: 6\n"));
  assert_non_null(strstr(out, " info ")); /* through the daemon's log */
  free(out);
  fx_free(f);
}

static void test_normal_one_line_per_item(void **state) {
  fx *f = fx_new("verbosity: normal\n");
  capture c;
  capture_begin(&c, STDERR_FILENO);
  send_traces(f, 2, 1, 3);
  char *out = capture_end(&c);
  assert_int_equal(count_lines(out), 1 + 6);
  for (int k = 0; k < 6; k++) {
    char want[16];
    snprintf(want, sizeof(want), "s%d  \n", k); /* no ids, no attributes */
    assert_non_null(strstr(out, want));
  }
  free(out);

  capture_begin(&c, STDERR_FILENO);
  send_payload(f, fx_metrics(2, 3, &f->counter));
  out = capture_end(&c);
  assert_int_equal(count_lines(out), 1 + 6);
  assert_int_equal(count_line_prefix(out, "g{} "), 6);
  assert_non_null(strstr(out, "g{} 6 (Gauge)\n"));
  free(out);

  /* A multi-line body stays on one line; severity and attributes shown. */
  capture_begin(&c, STDERR_FILENO);
  send_payload(f, decode(OTLPD_LOGS,
                         "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
                         "{\"severityNumber\":13,\"body\":{\"stringValue\":\"two\\nlines\"},"
                         "\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"7\"}}]},"
                         "{\"severityText\":\"ERROR\",\"body\":{\"stringValue\":\"x\"}}]}]}]}"));
  out = capture_end(&c);
  assert_int_equal(count_lines(out), 1 + 2);
  assert_non_null(strstr(out, "Logs: resource logs: 1, log records: 2\n"));
  assert_non_null(strstr(out, "\nWarn two\\nlines k=7\n"));
  assert_non_null(strstr(out, "\nERROR x\n"));
  free(out);
  fx_free(f);
}

static void test_detailed_every_field(void **state) {
  fx *f = fx_new("verbosity: detailed\n");
  capture c;
  capture_begin(&c, STDERR_FILENO);
  send_payload(
      f, decode(OTLPD_TRACES,
                "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
                "\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"lib\","
                "\"version\":\"1.0\"},\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
                "\"spanId\":\"1112131415161718\",\"name\":\"op\",\"kind\":2,"
                "\"startTimeUnixNano\":\"1581452772000000321\",\"endTimeUnixNano\":\"1581452773000000000\","
                "\"attributes\":[{\"key\":\"ok\",\"value\":{\"boolValue\":true}},{\"key\":\"list\","
                "\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"doubleValue\":1.5}]}}}],"
                "\"status\":{\"code\":2,\"message\":\"boom\"}},{\"name\":\"second\"}]}]}]}"));
  char *out = capture_end(&c);
  assert_int_equal(count_line_prefix(out, "Span #"), 2);
  assert_non_null(strstr(out, "ResourceSpans #0\n"));
  assert_non_null(strstr(out, "     -> service.name: Str(svc)\n"));
  assert_non_null(strstr(out, "InstrumentationScope lib 1.0\n"));
  assert_non_null(strstr(out, "    Trace ID       : 0102030405060708090a0b0c0d0e0f10\n"));
  assert_non_null(strstr(out, "    ID             : 1112131415161718\n"));
  assert_non_null(strstr(out, "    Name           : op\n"));
  assert_non_null(strstr(out, "    Kind           : Server\n"));
  assert_non_null(strstr(out, "    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC\n"));
  assert_non_null(strstr(out, "    End time       : 2020-02-11 20:26:13 +0000 UTC\n"));
  assert_non_null(strstr(out, "    Status code    : Error\n"));
  assert_non_null(strstr(out, "    Status message : boom\n"));
  assert_non_null(strstr(out, "     -> ok: Bool(true)\n"));
  assert_non_null(strstr(out, "     -> list: Slice([\"a\",1.5])\n"));
  assert_non_null(strstr(out, "    Name           : second\n"));
  free(out);

  capture_begin(&c, STDERR_FILENO);
  send_payload(f, fx_metrics(1, 2, &f->counter));
  out = capture_end(&c);
  assert_int_equal(count_line_prefix(out, "NumberDataPoints #"), 2);
  assert_non_null(strstr(out, "     -> DataType: Gauge\n"));
  assert_non_null(strstr(out, "Value: 1\n"));
  free(out);
  fx_free(f);
}

static const char every_metric_type[] =
    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":["
    "{\"name\":\"req\",\"sum\":{\"aggregationTemporality\":2,\"isMonotonic\":true,\"dataPoints\":["
    "{\"asDouble\":2.5,\"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"x\"}},"
    "{\"key\":\"b\",\"value\":{\"intValue\":\"1\"}}]}]}},"
    "{\"name\":\"lat\",\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":["
    "{\"count\":\"3\",\"sum\":7,\"bucketCounts\":[\"1\",\"2\"],\"explicitBounds\":[5]},"
    "{\"count\":\"0\"}]}},"
    "{\"name\":\"eh\",\"exponentialHistogram\":{\"dataPoints\":[{\"count\":\"2\",\"scale\":1,"
    "\"zeroCount\":\"1\",\"positive\":{\"offset\":-1,\"bucketCounts\":[\"1\"]}}]}},"
    "{\"name\":\"q\",\"summary\":{\"dataPoints\":[{\"count\":\"4\",\"sum\":10,"
    "\"quantileValues\":[{\"quantile\":0.5,\"value\":2}]}]}}]}]}]}";

static void test_every_metric_type(void **state) {
  fx *f = fx_new("verbosity: normal\n");
  capture c;
  capture_begin(&c, STDERR_FILENO);
  send_payload(f, decode(OTLPD_METRICS, every_metric_type));
  char *out = capture_end(&c);
  assert_non_null(strstr(out, "Metrics: resource metrics: 1, metrics: 4, data points: 5\n"));
  assert_int_equal(count_lines(out), 1 + 5);
  assert_non_null(strstr(out, "\nreq{a=x,b=1} 2.5 (Sum)\n"));
  assert_non_null(strstr(out, "\nlat{} count=3 sum=7 le5=1 le+Inf=2 (Histogram)\n"));
  assert_non_null(strstr(out, "\nlat{} count=0 (Histogram)\n"));
  assert_non_null(strstr(out, "\neh{} count=2 scale=1 zero_count=1 positive=-1:[1] (ExponentialHistogram)\n"));
  assert_non_null(strstr(out, "\nq{} count=4 sum=10 q0.5=2 (Summary)\n"));
  free(out);
  fx_free(f);

  f = fx_new("verbosity: detailed\n");
  capture_begin(&c, STDERR_FILENO);
  send_payload(f, decode(OTLPD_METRICS, every_metric_type));
  out = capture_end(&c);
  assert_int_equal(count_line_prefix(out, "Metric #"), 4);
  assert_non_null(strstr(out, "     -> IsMonotonic: true\n     -> AggregationTemporality: Cumulative\n"));
  assert_non_null(strstr(out, "     -> AggregationTemporality: Delta\n"));
  assert_non_null(strstr(out, "ExplicitBounds #0: 5\nBuckets #0, Count: 1\nBuckets #1, Count: 2\n"));
  assert_non_null(strstr(out, "Positive Offset: -1\nPositive Buckets #0, Count: 1\n"));
  assert_non_null(strstr(out, "QuantileValue #0: Quantile 0.5, Value 2\n"));
  assert_non_null(strstr(out, "     -> a: Str(x)\n     -> b: Int(1)\n"));
  free(out);
  fx_free(f);
}

/* zap semantics: first `initial` batches in a second, then every Nth. The
 * loop is not run, so its clock stays on one second throughout. */
static void test_sampling(void **state) {
  fx *f = fx_new("sampling_initial: 2\nsampling_thereafter: 3\n");
  capture c;
  capture_begin(&c, STDERR_FILENO);
  for (int i = 0; i < 8; i++) send_traces(f, 1, 1, 1);
  for (int i = 0; i < 2; i++) send_payload(f, fx_metrics(1, 1, &f->counter));
  char *out = capture_end(&c);
  /* traces: batches 1, 2, then 5 and 8; metrics counted on their own. */
  assert_int_equal(count_lines(out), 4 + 2);
  free(out);
  fx_free(f);
}

static void test_plain_stdout_and_log_level(void **state) {
  fx *f = fx_new("use_internal_logger: false\nverbosity: normal\n");
  capture c;
  capture_begin(&c, STDOUT_FILENO);
  send_traces(f, 1, 1, 2);
  char *out = capture_end(&c);
  assert_string_equal(out, "Traces: resource spans: 1, spans: 2\ns0  \ns1  \n");
  free(out);
  fx_free(f);

  /* Through the log, a level above info silences it, as in otelcol. */
  f = fx_new("verbosity: detailed\n");
  f->level = OTLPD_LOG_WARN;
  capture_begin(&c, STDERR_FILENO);
  send_traces(f, 1, 1, 2);
  out = capture_end(&c);
  assert_string_equal(out, "");
  free(out);
  fx_free(f);
}

static void expect_double(double d, const char *want) {
  debug_out o = {0};
  dbg_double(&o, d);
  assert_int_equal(o.buf.len, strlen(want));
  assert_memory_equal(o.buf.data, want, o.buf.len);
  otlpd_buf_free(&o.buf);
}

static void test_number_and_time_text(void **state) {
  expect_double(10, "10");
  expect_double(2.5, "2.5");
  expect_double(0.1, "0.1");
  expect_double(1.0 / 3, "0.3333333333333333");
  expect_double(123456, "123456");
  expect_double(1e6, "1e+06");
  expect_double(-1.5e-7, "-1.5e-07");
  expect_double(0.0001, "0.0001");
  expect_double(0, "0");
  expect_double(0.0 / 0.0, "NaN");
  debug_out o = {0};
  dbg_time(&o, 1581452773000000789ULL);
  dbg_write(&o, "|", 1);
  dbg_time(&o, 0);
  dbg_write(&o, "|", 1);
  dbg_text(&o, "a\tb\x01");
  const char *want = "2020-02-11 20:26:13.000000789 +0000 UTC|1970-01-01 00:00:00 +0000 UTC|a\\tb\\x01";
  assert_int_equal(o.buf.len, strlen(want));
  assert_memory_equal(o.buf.data, want, o.buf.len);
  otlpd_buf_free(&o.buf);
}

static void test_config(void **state) {
  debug_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(load_cfg("{}", &c, &errs), 0);
  assert_int_equal(c.verbosity, DEBUG_BASIC);
  assert_int_equal(c.sampling_initial, 2);
  assert_int_equal(c.sampling_thereafter, 1);
  assert_true(c.use_internal_logger);
  assert_int_equal(load_cfg("verbosity: Detailed\n", &c, &errs), 0);
  assert_int_equal(c.verbosity, DEBUG_DETAILED);
  assert_int_equal(errs.n, 0);
  assert_int_not_equal(load_cfg("verbosity: loud\n", &c, &errs), 0);
  assert_int_equal(errs.n, 1);
  assert_non_null(strstr(errs.msgs[0], "verbosity"));
  otlpd_errors_free(&errs);
  assert_int_not_equal(load_cfg("sampling_initial: -1\n", &c, &errs), 0);
  otlpd_errors_free(&errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_one_line_per_batch),
      cmocka_unit_test(test_normal_one_line_per_item),
      cmocka_unit_test(test_detailed_every_field),
      cmocka_unit_test(test_every_metric_type),
      cmocka_unit_test(test_sampling),
      cmocka_unit_test(test_plain_stdout_and_log_level),
      cmocka_unit_test(test_number_and_time_text),
      cmocka_unit_test(test_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
