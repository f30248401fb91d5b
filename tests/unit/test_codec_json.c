/* OTLP-JSON codec: canonical round trips for all three signals, the input
 * forms OTLP-JSON allows, pb <-> JSON equality, and errors with reasons. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"

typedef Opentelemetry__Proto__Metrics__V1__Metric metric;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint hist_dp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_dp;

/* Canonical forms: exactly what our encoder writes (fields in tag order,
 * defaults omitted), so JSON -> pb -> JSON must reproduce them byte for byte. */
static const char TRACE_JSON[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
    "{\"key\":\"host.cpus\",\"value\":{\"intValue\":\"8\"}}],"
    "\"entityRefs\":[{\"type\":\"service\",\"idKeys\":[\"service.name\"]}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"io.test\",\"version\":\"1.2.3\","
    "\"attributes\":[{\"key\":\"s\",\"value\":{\"boolValue\":true}}],\"droppedAttributesCount\":1},"
    "\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
    "\"traceState\":\"k=v\",\"parentSpanId\":\"eee19b7ec3c1b173\",\"name\":\"GET /cart\",\"kind\":2,"
    "\"startTimeUnixNano\":\"1544712660000000000\",\"endTimeUnixNano\":\"1544712661000000000\","
    "\"attributes\":[{\"key\":\"http.status\",\"value\":{\"intValue\":\"200\"}},"
    "{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.25}},"
    "{\"key\":\"zero\",\"value\":{\"intValue\":\"0\"}},"
    "{\"key\":\"no\",\"value\":{\"boolValue\":false}},"
    "{\"key\":\"blob\",\"value\":{\"bytesValue\":\"AAEC/w==\"}},"
    "{\"key\":\"list\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"doubleValue\":-1.5e+300}]}}},"
    "{\"key\":\"map\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"inner\",\"value\":{\"doubleValue\":\"NaN\"}},"
    "{\"key\":\"inf\",\"value\":{\"doubleValue\":\"-Infinity\"}}]}}},"
    "{\"key\":\"empty\",\"value\":{}}],"
    "\"droppedAttributesCount\":2,"
    "\"events\":[{\"timeUnixNano\":\"1544712660500000000\",\"name\":\"retry\","
    "\"attributes\":[{\"key\":\"attempt\",\"value\":{\"intValue\":\"-3\"}}]}],"
    "\"droppedEventsCount\":1,"
    "\"links\":[{\"traceId\":\"00000000000000000000000000000001\",\"spanId\":\"0000000000000002\","
    "\"traceState\":\"a=b\",\"flags\":257}],"
    "\"status\":{\"message\":\"boom\",\"code\":2},\"flags\":769}],"
    "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.21.0\"}],"
    "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.20.0\"}]}";

static const char METRICS_JSON[] =
    "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m\"}}]},"
    "\"scopeMetrics\":[{\"scope\":{\"name\":\"meter\"},\"metrics\":["
    /* gauge: double and int points */
    "{\"name\":\"g\",\"unit\":\"1\",\"gauge\":{\"dataPoints\":["
    "{\"timeUnixNano\":\"1000\",\"asDouble\":1.5,\"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"b\"}}]},"
    "{\"timeUnixNano\":\"1001\",\"asInt\":\"-7\",\"flags\":1}]}},"
    /* sum with an exemplar (hex ids inside Exemplar); asInt 0 is kept */
    "{\"name\":\"s\",\"description\":\"a sum\",\"sum\":{\"dataPoints\":[{\"startTimeUnixNano\":\"1\","
    "\"timeUnixNano\":\"2\",\"exemplars\":[{\"timeUnixNano\":\"2\",\"asDouble\":3,"
    "\"spanId\":\"0102030405060708\",\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
    "\"filteredAttributes\":[{\"key\":\"f\",\"value\":{\"intValue\":\"1\"}}]}],\"asInt\":\"0\"}],"
    "\"aggregationTemporality\":2,\"isMonotonic\":true}},"
    /* histogram: sum/min/max present (even zero), then absent */
    "{\"name\":\"h\",\"histogram\":{\"dataPoints\":["
    "{\"timeUnixNano\":\"5\",\"count\":\"3\",\"sum\":0,\"bucketCounts\":[\"1\",\"2\"],\"explicitBounds\":[0.5],"
    "\"min\":0,\"max\":-1.25},"
    "{\"timeUnixNano\":\"6\",\"count\":\"1\"}],\"aggregationTemporality\":1}},"
    /* exponential histogram: only max of the optionals; an empty message kept */
    "{\"name\":\"e\",\"exponentialHistogram\":{\"dataPoints\":[{\"timeUnixNano\":\"7\",\"count\":\"4\","
    "\"sum\":10.5,\"scale\":-2,\"zeroCount\":\"1\",\"positive\":{\"offset\":-1,\"bucketCounts\":[\"1\",\"0\",\"2\"]},"
    "\"negative\":{},\"max\":9,\"zeroThreshold\":1e-09}],\"aggregationTemporality\":2}},"
    /* summary + metric metadata */
    "{\"name\":\"q\",\"summary\":{\"dataPoints\":[{\"timeUnixNano\":\"8\",\"count\":\"10\",\"sum\":55,"
    "\"quantileValues\":[{\"value\":1},{\"quantile\":1,\"value\":10}]}]},"
    "\"metadata\":[{\"key\":\"prom.type\",\"value\":{\"stringValue\":\"summary\"}}]}"
    "]}]}]}";

static const char LOGS_JSON[] =
    "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"scope\":{},\"logRecords\":["
    "{\"timeUnixNano\":\"1700000000000000000\",\"severityNumber\":9,\"severityText\":\"INFO\","
    "\"body\":{\"stringValue\":\"hello \\\"world\\\"\\n\\u0001\\\\ \xc3\xa9 \xf0\x9f\x98\x80\"},\"flags\":1,"
    "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
    "\"observedTimeUnixNano\":\"1700000000000000001\"},"
    "{\"severityNumber\":17,\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"arrayValue\":{}}}]}},"
    "\"attributes\":[{\"key\":\"x\",\"value\":{\"intValue\":\"1\"}}],\"eventName\":\"app.crash\"},"
    "{\"body\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"intValue\":\"9223372036854775807\"},"
    "{\"intValue\":\"-9223372036854775808\"}]}}}"
    "]}],\"schemaUrl\":\"s\"}]}";

static ProtobufCMessage *jdecode(otlpd_arena *a, otlpd_signal s, const char *json, char *err) {
  err[0] = '\0';
  return otlpd_json_decode(otlpd_request_descriptor(s), json, strlen(json), a, err, 256);
}

/* Decodes json, encodes it back and returns the malloc'd text. */
static char *json_round_trip(otlpd_signal s, const char *json) {
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m = jdecode(a, s, json, err);
  if (!m) fail_msg("decode failed: %s", err);
  otlpd_buf out = {0};
  assert_int_equal(otlpd_json_encode(m, &out), 0);
  char *r = strndup((const char *)out.data, out.len);
  otlpd_buf_free(&out);
  otlpd_arena_free(a);
  return r;
}

static void assert_round_trip(otlpd_signal s, const char *json) {
  char *r = json_round_trip(s, json);
  if (strcmp(r, json) != 0) {
    size_t i = 0;
    while (r[i] && r[i] == json[i]) i++;
    fail_msg("round trip differs at %zu:\n got: %.80s\nwant: %.80s", i, r + i, json + i);
  }
  free(r);
}

static void test_trace_round_trip(void **state) {
  (void)state;
  assert_round_trip(OTLPD_TRACES, TRACE_JSON);

  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_request *req = (otlp_trace_request *)jdecode(a, OTLPD_TRACES, TRACE_JSON, err);
  assert_non_null(req);
  otlp_span *s = req->resource_spans[0]->scope_spans[0]->spans[0];
  static const uint8_t tid[16] = {0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                                  0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c};
  assert_int_equal(s->trace_id.len, 16);
  assert_memory_equal(s->trace_id.data, tid, 16);
  assert_int_equal(s->parent_span_id.len, 8);
  assert_int_equal(s->parent_span_id.data[7], 0x73);
  assert_int_equal(s->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER);
  assert_true(s->start_time_unix_nano == 1544712660000000000ull);
  assert_int_equal(s->flags, 769);
  assert_int_equal(s->status->code, OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
  assert_string_equal(s->status->message, "boom");
  assert_int_equal(s->n_attributes, 8);
  assert_int_equal(s->attributes[2]->value->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
  assert_int_equal(s->attributes[2]->value->int_value, 0);
  assert_int_equal(s->attributes[4]->value->bytes_value.len, 4);
  assert_int_equal(s->attributes[4]->value->bytes_value.data[3], 0xff);
  assert_true(isnan(s->attributes[6]->value->kvlist_value->values[0]->value->double_value));
  assert_int_equal(s->attributes[7]->value->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET);
  assert_int_equal(s->events[0]->attributes[0]->value->int_value, -3);
  assert_int_equal(s->links[0]->trace_id.data[15], 1);
  assert_int_equal(s->links[0]->flags, 257);
  assert_int_equal(req->resource_spans[0]->resource->entity_refs[0]->n_id_keys, 1);
  otlpd_arena_free(a);
}

static void test_metrics_round_trip(void **state) {
  (void)state;
  assert_round_trip(OTLPD_METRICS, METRICS_JSON);

  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_metrics_request *req = (otlp_metrics_request *)jdecode(a, OTLPD_METRICS, METRICS_JSON, err);
  assert_non_null(req);
  metric **ms = req->resource_metrics[0]->scope_metrics[0]->metrics;
  assert_int_equal(req->resource_metrics[0]->scope_metrics[0]->n_metrics, 5);
  assert_int_equal(ms[0]->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
  assert_int_equal(ms[0]->gauge->data_points[1]->as_int, -7);
  assert_int_equal(ms[1]->sum->aggregation_temporality,
                   OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
  assert_true(ms[1]->sum->is_monotonic);
  assert_int_equal(ms[1]->sum->data_points[0]->exemplars[0]->trace_id.len, 16);

  hist_dp *h0 = ms[2]->histogram->data_points[0], *h1 = ms[2]->histogram->data_points[1];
  assert_int_equal(h0->_sum_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM);
  assert_true(h0->sum == 0.0);
  assert_int_equal(h0->_min_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN);
  assert_int_equal(h0->_max_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX_MAX);
  assert_true(h0->max == -1.25);
  assert_int_equal(h0->n_bucket_counts, 2);
  assert_int_equal(h0->n_explicit_bounds, 1);
  assert_int_equal(h1->_sum_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM__NOT_SET);
  assert_int_equal(h1->_min_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN__NOT_SET);
  assert_int_equal(h1->_max_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX__NOT_SET);

  exp_dp *e = ms[3]->exponential_histogram->data_points[0];
  assert_int_equal(e->scale, -2);
  assert_int_equal(e->positive->offset, -1);
  assert_int_equal(e->positive->n_bucket_counts, 3);
  assert_non_null(e->negative);
  assert_int_equal(e->_min_case, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MIN__NOT_SET);
  assert_int_equal(e->_max_case, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MAX_MAX);
  assert_int_equal(ms[4]->summary->data_points[0]->n_quantile_values, 2);
  assert_int_equal(ms[4]->n_metadata, 1);
  assert_int_equal(otlpd_request_items(OTLPD_METRICS, &req->base), 7);
  otlpd_arena_free(a);
}

static void test_logs_round_trip(void **state) {
  (void)state;
  assert_round_trip(OTLPD_LOGS, LOGS_JSON);

  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_logs_request *req = (otlp_logs_request *)jdecode(a, OTLPD_LOGS, LOGS_JSON, err);
  assert_non_null(req);
  otlp_log_record **lr = req->resource_logs[0]->scope_logs[0]->log_records;
  assert_string_equal(lr[0]->body->string_value, "hello \"world\"\n\x01\\ \xc3\xa9 \xf0\x9f\x98\x80");
  assert_int_equal(lr[0]->severity_number, OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO);
  assert_int_equal(lr[0]->span_id.len, 8);
  assert_int_equal(lr[1]->body->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE);
  assert_string_equal(lr[1]->event_name, "app.crash");
  assert_int_equal(lr[2]->body->array_value->n_values, 3);
  assert_true(lr[2]->body->array_value->values[2]->int_value == INT64_MIN);
  otlpd_arena_free(a);
}

/* JSON -> pb -> JSON -> pb: both protobuf encodings are identical. */
static void test_pb_json_pb(void **state) {
  (void)state;
  const char *docs[] = {TRACE_JSON, METRICS_JSON, LOGS_JSON};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    char err[256];
    otlpd_arena *a = otlpd_arena_new(0);
    ProtobufCMessage *m1 = jdecode(a, (otlpd_signal)s, docs[s], err);
    assert_non_null(m1);
    otlpd_buf pb1 = {0}, js = {0}, pb2 = {0};
    assert_int_equal(otlpd_pb_encode(m1, &pb1), 0);
    ProtobufCMessage *p1 = otlpd_pb_decode(otlpd_request_descriptor((otlpd_signal)s), pb1.data, pb1.len, a, err, sizeof err);
    assert_non_null(p1);
    assert_int_equal(otlpd_json_encode(p1, &js), 0);
    ProtobufCMessage *m2 = otlpd_json_decode(otlpd_request_descriptor((otlpd_signal)s), (const char *)js.data, js.len, a, err, sizeof err);
    assert_non_null(m2);
    assert_int_equal(otlpd_pb_encode(m2, &pb2), 0);
    assert_int_equal(pb1.len, pb2.len);
    assert_memory_equal(pb1.data, pb2.data, pb1.len);
    otlpd_buf_free(&pb1);
    otlpd_buf_free(&pb2);
    otlpd_buf_free(&js);
    otlpd_arena_free(a);
  }
}

/* A double of -0 is a zero value: protobuf-c does not pack it, so the JSON
 * encoder must not write it either, or the two encodings of one batch would
 * carry different fields (found by fuzz_json_decode). */
static void test_negative_zero_is_default(void **state) {
  (void)state;
  const char *in = "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"e\","
                   "\"exponentialHistogram\":{\"dataPoints\":[{\"count\":\"4\",\"zeroThreshold\":-0}]}}]}]}]}";
  const char *want = "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"e\","
                     "\"exponentialHistogram\":{\"dataPoints\":[{\"count\":\"4\"}]}}]}]}]}";
  char *got = json_round_trip(OTLPD_METRICS, in);
  assert_string_equal(got, want);
  free(got);
}

/* What OTLP-JSON senders may write differently from our output. */
static void test_input_variants(void **state) {
  (void)state;
  const char *in =
      " {\n\t\"resource_spans\" : [ { \"scope_spans\": [ { \"spans\": [ {"
      "\"trace_id\": \"5B8EFFF798038103D269B633813FC60C\", \"spanId\": \"\","
      "\"parent_span_id\": null, \"name\": \"n\\u00e9\\ud83d\\ude00\\/x\", \"kind\": \"SPAN_KIND_CLIENT\","
      "\"start_time_unix_nano\": 1544712660000000000, \"endTimeUnixNano\": \"1.5e3\","
      "\"unknownKey\": {\"deep\": [1, 2.5e-3, \"x\", true, false, null, {\"a\": [[]]}]},"
      "\"attributes\": [{\"key\": \"b\", \"value\": {\"bytes_value\": \"AAEC_w\"}},"
      "{\"key\": \"d\", \"value\": {\"doubleValue\": \"2.5\"}},"
      "{\"key\": \"i\", \"value\": {\"intValue\": -42, \"futureValue\": 1}},"
      "{\"key\": \"e\", \"value\": {\"bytesValue\": \"AQ\\/=\"}},"
      "{\"key\": \"x\", \"value\": {\"intValue\": 9.007199254740993e15}},"
      "{\"key\": \"y\", \"value\": {\"intValue\": \"100e-2\"}},"
      "{\"key\": \"z\", \"value\": {\"intValue\": -0.0e5}}],"
      "\"droppedAttributesCount\": \"3\","
      "\"status\": {\"code\": \"STATUS_CODE_OK\", \"message\": null}, \"links\": null } ] } ] } ] }  ";
  const char *want =
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
      "\"name\":\"n\xc3\xa9\xf0\x9f\x98\x80/x\",\"kind\":3,\"startTimeUnixNano\":\"1544712660000000000\","
      "\"endTimeUnixNano\":\"1500\",\"attributes\":[{\"key\":\"b\",\"value\":{\"bytesValue\":\"AAEC/w==\"}},"
      "{\"key\":\"d\",\"value\":{\"doubleValue\":2.5}},{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
      "{\"key\":\"e\",\"value\":{\"bytesValue\":\"AQ8=\"}},"
      "{\"key\":\"x\",\"value\":{\"intValue\":\"9007199254740993\"}},"
      "{\"key\":\"y\",\"value\":{\"intValue\":\"1\"}},{\"key\":\"z\",\"value\":{\"intValue\":\"0\"}}],"
      "\"droppedAttributesCount\":3,\"status\":{\"code\":1}}]}]}]}";
  char *got = json_round_trip(OTLPD_TRACES, in);
  assert_string_equal(got, want);
  free(got);
}

/* Strings from protobuf are not validated: the encoder still emits valid
 * JSON (control characters escaped, bad UTF-8 replaced). */
static void test_encoder_escaping(void **state) {
  (void)state;
  otlp_any_value v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  v.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  v.string_value = "a\x1f\t\"\\\x7f\xff\xc3\xa9\xed\xa0\x80z";
  otlpd_buf b = {0};
  assert_int_equal(otlpd_json_encode(&v.base, &b), 0);
  const char *want = "{\"stringValue\":\"a\\u001f\\t\\\"\\\\\x7f\xef\xbf\xbd\xc3\xa9"
                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\"}";
  assert_int_equal(b.len, strlen(want));
  assert_memory_equal(b.data, want, b.len);
  otlpd_buf_free(&b);

  /* The response type too: int64 as a string, defaults omitted. */
  otlp_trace_response r = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
  Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
      OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
  ps.rejected_spans = 2;
  ps.error_message = "too big";
  assert_int_equal(otlpd_json_encode(&r.base, &b), 0);
  r.partial_success = &ps;
  assert_int_equal(otlpd_json_encode(&r.base, &b), 0);
  const char *want2 = "{}{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"too big\"}}";
  assert_int_equal(b.len, strlen(want2));
  assert_memory_equal(b.data, want2, b.len);
  otlpd_buf_free(&b);
}

static void expect_json_error(otlpd_signal s, const char *json, const char *reason) {
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m = jdecode(a, s, json, err);
  if (m || !strstr(err, reason))
    fail_msg("%s\nwant error containing \"%s\", got \"%s\"", json, reason, m ? "(decoded)" : err);
  otlpd_arena_free(a);
}

#define SPAN(x) "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" x "}]}]}]}"

static void test_errors(void **state) {
  (void)state;
  expect_json_error(OTLPD_TRACES, SPAN("\"traceId\":\"5b8efff798038103d269b633813fc6zz\""),
                    "field 'traceId': invalid hex id");
  expect_json_error(OTLPD_TRACES, SPAN("\"spanId\":\"abc\""), "field 'spanId': invalid hex id");
  expect_json_error(OTLPD_TRACES, SPAN("\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\""), "invalid hex id");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":42"), "field 'name': expected a string but found a number");
  expect_json_error(OTLPD_TRACES, SPAN("\"startTimeUnixNano\":\"soon\""),
                    "field 'startTimeUnixNano': expected an integer");
  expect_json_error(OTLPD_TRACES, SPAN("\"startTimeUnixNano\":-1"), "integer out of range");
  expect_json_error(OTLPD_TRACES, SPAN("\"droppedAttributesCount\":4294967296"), "integer out of range");
  expect_json_error(OTLPD_TRACES, SPAN("\"startTimeUnixNano\":1.5"), "expected an integer");
  expect_json_error(OTLPD_TRACES, SPAN("\"startTimeUnixNano\":\"1.00000000000000000001e19\""), "expected an integer");
  expect_json_error(OTLPD_TRACES, SPAN("\"startTimeUnixNano\":1.8446744073709551616e19"), "integer out of range");
  expect_json_error(OTLPD_TRACES, SPAN("\"droppedAttributesCount\":5e-1"), "expected an integer");
  expect_json_error(OTLPD_TRACES, SPAN("\"kind\":\"SPAN_KIND_BOGUS\""), "field 'kind': unknown enum value name");
  expect_json_error(OTLPD_TRACES, SPAN("\"attributes\":{}"), "field 'attributes': expected an array but found an object");
  expect_json_error(OTLPD_TRACES, SPAN("\"attributes\":[null]"), "null inside an array");
  expect_json_error(OTLPD_TRACES, SPAN("\"status\":[]"), "field 'status': expected an object but found an array");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"a\\x\""), "invalid escape");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"\\ud800x\""), "unpaired high surrogate");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"\\udc00\""), "unpaired low surrogate");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"\xc3\x28\""), "invalid UTF-8");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"\xed\xa0\x80\""), "invalid UTF-8");
  expect_json_error(OTLPD_TRACES, SPAN("\"name\":\"a\nb\""), "unescaped control character");
  expect_json_error(OTLPD_TRACES, SPAN("\"flags\":01"), "expected ',' or '}'");
  expect_json_error(OTLPD_TRACES, SPAN("\"flags\":1,}"), "expected a key string");
  expect_json_error(OTLPD_TRACES, SPAN("\"x\":tru"), "invalid literal");
  expect_json_error(OTLPD_TRACES, SPAN("\"x\":[1,]"), "expected a value");
  expect_json_error(OTLPD_TRACES, SPAN("\"attributes\":[{\"key\":\"a\",\"value\":{\"bytesValue\":\"A===\"}}]"),
                    "invalid base64");
  expect_json_error(OTLPD_TRACES, SPAN("\"attributes\":[{\"key\":\"a\",\"value\":{\"doubleValue\":\"nan\"}}]"),
                    "expected a number, \"NaN\"");
  expect_json_error(OTLPD_TRACES, "{\"resourceSpans\":[]} x", "unexpected data after the JSON object");
  expect_json_error(OTLPD_TRACES, "[]", "expected a JSON object but found an array");
  expect_json_error(OTLPD_TRACES, "", "expected a JSON object but found end of input");
  expect_json_error(OTLPD_TRACES, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"x",
                    "unterminated string");
  /* the offset points at the bad value */
  expect_json_error(OTLPD_TRACES, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"zz\"}]}]}]}",
                    "offset 53: field 'spanId'");
}

/* Every prefix of a valid document is incomplete and must be refused. */
static void test_truncated(void **state) {
  (void)state;
  const char *docs[] = {TRACE_JSON, METRICS_JSON, LOGS_JSON};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    size_t n = strlen(docs[s]);
    for (size_t i = 0; i < n; i++) {
      char err[256] = "";
      otlpd_arena *a = otlpd_arena_new(0);
      assert_null(otlpd_json_decode(otlpd_request_descriptor((otlpd_signal)s), docs[s], i, a, err, sizeof err));
      assert_true(strncmp(err, "json: offset ", 13) == 0);
      otlpd_arena_free(a);
    }
  }
}

/* Log body nested `arrays` deep: 5 + 2 * arrays message levels, as in pb. */
static char *nested_body(int arrays) {
  size_t cap = 200 + (size_t)arrays * 40;
  char *s = malloc(cap);
  size_t n = (size_t)snprintf(s, cap, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
  for (int i = 0; i < arrays; i++) n += (size_t)snprintf(s + n, cap - n, "{\"arrayValue\":{\"values\":[");
  n += (size_t)snprintf(s + n, cap - n, "{\"stringValue\":\"deep\"}");
  for (int i = 0; i < arrays; i++) n += (size_t)snprintf(s + n, cap - n, "]}}");
  snprintf(s + n, cap - n, "}]}]}]}");
  return s;
}

static void test_depth_limit(void **state) {
  (void)state;
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  char *ok = nested_body(29);
  otlp_logs_request *req = (otlp_logs_request *)jdecode(a, OTLPD_LOGS, ok, err);
  assert_non_null(req);
  otlp_any_value *v = req->resource_logs[0]->scope_logs[0]->log_records[0]->body;
  for (int i = 0; i < 29; i++) v = v->array_value->values[0];
  assert_string_equal(v->string_value, "deep");
  /* The same data as protobuf is exactly at the pb decoder's limit too. */
  otlpd_buf pb = {0};
  assert_int_equal(otlpd_pb_encode(&req->base, &pb), 0);
  assert_non_null(otlpd_pb_decode(otlpd_request_descriptor(OTLPD_LOGS), pb.data, pb.len, a, err, sizeof err));
  otlpd_buf_free(&pb);
  free(ok);

  char *deep = nested_body(30);
  expect_json_error(OTLPD_LOGS, deep, "nested deeper than 64");
  free(deep);
  char *bomb = nested_body(100000);
  expect_json_error(OTLPD_LOGS, bomb, "nested deeper than 64");
  free(bomb);

  /* Values of unknown keys are skipped without recursion, but bounded too. */
  size_t n = 200000;
  char *skip = malloc(n * 2 + 64);
  size_t k = (size_t)sprintf(skip, "{\"whatever\":");
  memset(skip + k, '[', n);
  memset(skip + k + n, ']', n);
  strcpy(skip + k + 2 * n, "}");
  expect_json_error(OTLPD_TRACES, skip, "JSON nested deeper than 64");
  free(skip);
  otlpd_arena_free(a);
}

/* Large repeated fields grow past the decoder's inline scratch space. */
static void test_many_items(void **state) {
  (void)state;
  otlpd_buf b = {0};
  assert_int_equal(otlpd_buf_printf(&b, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["), 0);
  for (int i = 0; i < 5000; i++)
    assert_int_equal(otlpd_buf_printf(&b, "%s{\"name\":\"s%d\",\"attributes\":[{\"key\":\"i\",\"value\":{\"intValue\":%d}}]}",
                                      i ? "," : "", i, i), 0);
  assert_int_equal(otlpd_buf_printf(&b, "]}]}]}"), 0);
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_request *req = (otlp_trace_request *)otlpd_json_decode(
      otlpd_request_descriptor(OTLPD_TRACES), (const char *)b.data, b.len, a, err, sizeof err);
  assert_non_null(req);
  otlp_scope_spans *ss = req->resource_spans[0]->scope_spans[0];
  assert_int_equal(ss->n_spans, 5000);
  for (int i = 0; i < 5000; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%d", i);
    assert_string_equal(ss->spans[i]->name, name);
    assert_int_equal(ss->spans[i]->attributes[0]->value->int_value, i);
  }
  otlpd_arena_free(a);
  otlpd_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trace_round_trip),
      cmocka_unit_test(test_metrics_round_trip),
      cmocka_unit_test(test_logs_round_trip),
      cmocka_unit_test(test_pb_json_pb),
      cmocka_unit_test(test_negative_zero_is_default),
      cmocka_unit_test(test_input_variants),
      cmocka_unit_test(test_encoder_escaping),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_many_items),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
