/* Protobuf codec: round trips, unknown fields kept, hostile input refused
 * with a reason (depth bombs, truncation, absurd lengths, bad wire types). */
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

typedef Opentelemetry__Proto__Trace__V1__Span__Event span_event;

static ProtobufCMessage *decode(otlpd_arena *a, otlpd_signal s, const uint8_t *p, size_t n, char *err) {
  err[0] = '\0';
  return otlpd_pb_decode(otlpd_request_descriptor(s), p, n, a, err, 256);
}

/* A small but complete trace request built by hand, packed to b. */
static void build_trace_request(otlpd_buf *b) {
  otlp_any_value sv = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
  sv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  sv.string_value = "checkout";
  otlp_key_value kv = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
  kv.key = "service.name";
  kv.value = &sv;
  otlp_key_value *kvs[] = {&kv};
  otlp_resource res = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
  res.n_attributes = 1;
  res.attributes = kvs;

  static uint8_t tid[16] = {0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                            0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c};
  static uint8_t sid[8] = {0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74};
  otlp_span spans[3];
  otlp_span *sp[3];
  span_event ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT;
  ev.name = "retry";
  ev.time_unix_nano = 42;
  span_event *evs[] = {&ev};
  for (int i = 0; i < 3; i++) {
    otlp_span init = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
    spans[i] = init;
    spans[i].trace_id.data = tid;
    spans[i].trace_id.len = 16;
    spans[i].span_id.data = sid;
    spans[i].span_id.len = 8;
    spans[i].name = i == 0 ? "first" : i == 1 ? "second" : "third";
    spans[i].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    spans[i].start_time_unix_nano = 1544712660000000000ull + (uint64_t)i;
    spans[i].end_time_unix_nano = 1544712661000000000ull;
    spans[i].flags = 0x301;
    spans[i].n_events = 1;
    spans[i].events = evs;
    sp[i] = &spans[i];
  }
  otlp_scope_spans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
  ss.n_spans = 3;
  ss.spans = sp;
  otlp_scope_spans *ssp[] = {&ss};
  otlp_resource_spans rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
  rs.resource = &res;
  rs.n_scope_spans = 1;
  rs.scope_spans = ssp;
  rs.schema_url = "https://opentelemetry.io/schemas/1.21.0";
  otlp_resource_spans *rsp[] = {&rs};
  otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  req.n_resource_spans = 1;
  req.resource_spans = rsp;
  assert_int_equal(otlpd_pb_encode(&req.base, b), 0);
}

static void test_round_trip(void **state) {
  (void)state;
  otlpd_buf in = {0}, out = {0};
  build_trace_request(&in);
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  otlp_trace_request *req = (otlp_trace_request *)decode(a, OTLPD_TRACES, in.data, in.len, err);
  assert_non_null(req);
  assert_int_equal(req->n_resource_spans, 1);
  otlp_resource_spans *rs = req->resource_spans[0];
  assert_string_equal(rs->schema_url, "https://opentelemetry.io/schemas/1.21.0");
  assert_string_equal(rs->resource->attributes[0]->key, "service.name");
  assert_string_equal(rs->resource->attributes[0]->value->string_value, "checkout");
  assert_int_equal(rs->scope_spans[0]->n_spans, 3);
  otlp_span *s = rs->scope_spans[0]->spans[1];
  assert_string_equal(s->name, "second");
  assert_int_equal(s->trace_id.len, 16);
  assert_int_equal(s->trace_id.data[0], 0x5b);
  assert_int_equal(s->span_id.len, 8);
  assert_int_equal(s->flags, 0x301);
  assert_true(s->start_time_unix_nano == 1544712660000000001ull);
  assert_int_equal(s->n_events, 1);
  assert_string_equal(s->events[0]->name, "retry");
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, &req->base), 3);

  /* Encoding appends after what the buffer already holds. */
  assert_int_equal(otlpd_buf_append(&out, "xy", 2), 0);
  assert_int_equal(otlpd_pb_encode(&req->base, &out), 0);
  assert_int_equal(out.len, in.len + 2);
  assert_memory_equal(out.data, "xy", 2);
  assert_memory_equal(out.data + 2, in.data, in.len);

  otlpd_arena_free(a);
  otlpd_buf_free(&in);
  otlpd_buf_free(&out);
}

/* Unknown fields at three levels (incl. the reserved field 1000) come back
 * out of pack byte for byte: protobuf-c appends them after known fields,
 * which is where they sit in this input. */
static void test_unknown_fields_survive(void **state) {
  (void)state;
  static const uint8_t in[] = {
      0x0a, 0x18,                                     /* resource_spans, 24 bytes */
      0x12, 0x12,                                     /*  scope_spans, 18 bytes */
      0x12, 0x0b,                                     /*   spans, 11 bytes */
      0x2a, 0x01, 'x',                                /*    name "x" */
      0xa0, 0x06, 0x07,                               /*    #100 varint 7 */
      0xaa, 0x06, 0x02, 'h', 'i',                     /*    #101 bytes "hi" */
      0x4d, 0x01, 0x02, 0x03, 0x04,                   /*   #9 fixed32 */
      0xc2, 0x3e, 0x01, 'z',                          /*  #1000 (reserved) "z" */
      0x11, 1, 2, 3, 4, 5, 6, 7, 8,                   /* #2 fixed64 */
  };
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  otlp_trace_request *req = (otlp_trace_request *)decode(a, OTLPD_TRACES, in, sizeof in, err);
  assert_non_null(req);
  assert_int_equal(req->base.n_unknown_fields, 1);
  otlp_resource_spans *rs = req->resource_spans[0];
  assert_int_equal(rs->base.n_unknown_fields, 1);
  assert_int_equal(rs->base.unknown_fields[0].tag, 1000);
  assert_int_equal(rs->scope_spans[0]->base.n_unknown_fields, 1);
  otlp_span *s = rs->scope_spans[0]->spans[0];
  assert_string_equal(s->name, "x");
  assert_int_equal(s->base.n_unknown_fields, 2);

  otlpd_buf out = {0};
  assert_int_equal(otlpd_pb_encode(&req->base, &out), 0);
  assert_int_equal(out.len, sizeof in);
  assert_memory_equal(out.data, in, sizeof in);
  otlpd_buf_free(&out);
  otlpd_arena_free(a);
}

/* Prepends field `key` (a one-byte key) with b's current bytes as payload. */
static void wrap(otlpd_buf *b, uint8_t key) {
  uint8_t hdr[11];
  size_t n = 0, len = b->len;
  hdr[n++] = key;
  do {
    hdr[n++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
    len >>= 7;
  } while (len);
  assert_int_equal(otlpd_buf_reserve(b, n), 0);
  memmove(b->data + n, b->data, b->len);
  memcpy(b->data, hdr, n);
  b->len += n;
}

/* Request > ResourceSpans > Resource > KeyValue > AnyValue, then `arrays`
 * times ArrayValue > AnyValue: 5 + 2 * arrays message levels. */
static void nested_any_value(otlpd_buf *b, int arrays) {
  otlpd_buf_clear(b);
  assert_int_equal(otlpd_buf_append(b, "\x0a\x01x", 3), 0); /* string_value "x" */
  for (int i = 0; i < arrays; i++) {
    wrap(b, 0x0a); /* ArrayValue.values */
    wrap(b, 0x2a); /* AnyValue.array_value */
  }
  wrap(b, 0x12); /* KeyValue.value */
  uint8_t key[] = {0x0a, 0x01, 'k'};
  assert_int_equal(otlpd_buf_reserve(b, 3), 0);
  memmove(b->data + 3, b->data, b->len);
  memcpy(b->data, key, 3);
  b->len += 3;
  wrap(b, 0x0a); /* Resource.attributes */
  wrap(b, 0x0a); /* ResourceSpans.resource */
  wrap(b, 0x0a); /* Request.resource_spans */
}

static void test_depth_limit(void **state) {
  (void)state;
  otlpd_buf b = {0};
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);

  /* 5 + 2*29 = 63 levels: accepted, and the innermost value is intact. */
  nested_any_value(&b, 29);
  otlp_trace_request *req = (otlp_trace_request *)decode(a, OTLPD_TRACES, b.data, b.len, err);
  assert_non_null(req);
  otlp_any_value *v = req->resource_spans[0]->resource->attributes[0]->value;
  for (int i = 0; i < 29; i++) v = v->array_value->values[0];
  assert_string_equal(v->string_value, "x");

  /* 65 levels: refused before protobuf-c recurses. */
  nested_any_value(&b, 30);
  assert_null(decode(a, OTLPD_TRACES, b.data, b.len, err));
  assert_non_null(strstr(err, "nested deeper than 64"));

  /* A real bomb: 4000 levels. */
  nested_any_value(&b, 2000);
  assert_null(decode(a, OTLPD_TRACES, b.data, b.len, err));
  assert_non_null(strstr(err, "nested deeper than 64"));

  otlpd_buf_free(&b);
  otlpd_arena_free(a);
}

static void expect_error(const uint8_t *in, size_t n, const char *reason) {
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m = decode(a, OTLPD_TRACES, in, n, err);
  if (m || !strstr(err, reason)) fail_msg("want error containing \"%s\", got \"%s\"", reason, m ? "(decoded)" : err);
  otlpd_arena_free(a);
}

static void test_malformed(void **state) {
  (void)state;
  /* resource_spans claims 2^32-1 bytes. */
  static const uint8_t absurd[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  expect_error(absurd, sizeof absurd, "claims 4294967295 bytes but only 1 remain");
  /* a nested length running past its parent's end (the small parent is
   * skipped by the fast scan; the reason comes from the thorough one) */
  static const uint8_t past_parent[] = {0x0a, 0x02, 0x12, 0x05};
  expect_error(past_parent, sizeof past_parent, "claims 5 bytes but only 0 remain");
  /* length prefix longer than protobuf-c's 5 bytes */
  static const uint8_t long_len[] = {0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  expect_error(long_len, sizeof long_len, "overlong length");
  static const uint8_t cut_key[] = {0x0a, 0x00, 0xa0};
  expect_error(cut_key, sizeof cut_key, "truncated field key");
  static const uint8_t cut_varint[] = {0xa0, 0x06, 0xff};
  expect_error(cut_varint, sizeof cut_varint, "truncated varint");
  static const uint8_t long_varint[] = {0xa0, 0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  expect_error(long_varint, sizeof long_varint, "overlong varint");
  static const uint8_t cut_fixed[] = {0x11, 1, 2, 3};
  expect_error(cut_fixed, sizeof cut_fixed, "truncated fixed64");
  static const uint8_t field0[] = {0x02, 0x00};
  expect_error(field0, sizeof field0, "invalid field number 0");
  /* protobuf-c itself would take these as unknown fields and re-emit bytes
   * that no decoder (not even protobuf-c) accepts: an overlong field 0 deep
   * in a small span, and a field number past 2^29-1. */
  static const uint8_t overlong0[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x80, 0x00};
  expect_error(overlong0, sizeof overlong0, "invalid field number 0 at offset 6 in opentelemetry.proto.trace.v1.Span");
  static const uint8_t huge_num[] = {0x80, 0x80, 0x80, 0x80, 0x10, 0x00};
  expect_error(huge_num, sizeof huge_num, "invalid field number 536870912");
  static const uint8_t group[] = {0x2b, 0x2c};
  expect_error(group, sizeof group, "groups");
  static const uint8_t wt7[] = {0x2f};
  expect_error(wt7, sizeof wt7, "invalid wire type 7");
  /* resource_spans sent as a varint */
  static const uint8_t wrong_wt[] = {0x08, 0x01};
  expect_error(wrong_wt, sizeof wrong_wt, "resource_spans (#1) has wire type 0, expected 2");
  /* Span.start_time_unix_nano (fixed64) sent as a varint */
  static const uint8_t wrong_fixed[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x38, 0x01};
  expect_error(wrong_fixed, sizeof wrong_fixed, "start_time_unix_nano (#7) has wire type 0, expected 1");
  /* A span attribute's AnyValue.bool_value with a length-prefixed, fixed64
   * and fixed32 wire type: protobuf-c would read a bool out of any of them
   * (found by fuzz_pb_decode: the shallow decode refused, the full one
   * took it). */
  static const uint8_t bool_len[] = {0x0a, 0x0e, 0x12, 0x0c, 0x12, 0x0a, 0x4a, 0x08,
                                     0x0a, 0x01, 'k', 0x12, 0x03, 0x12, 0x01, 0x01};
  expect_error(bool_len, sizeof bool_len, "bool_value (#2) has wire type 2, expected 0");
  static const uint8_t bool_f64[] = {0x0a, 0x14, 0x12, 0x12, 0x12, 0x10, 0x4a, 0x0e, 0x0a, 0x01, 'k', 0x12,
                                     0x09, 0x11, 1, 0, 0, 0, 0, 0, 0, 0};
  expect_error(bool_f64, sizeof bool_f64, "bool_value (#2) has wire type 1, expected 0");
  static const uint8_t bool_f32[] = {0x0a, 0x10, 0x12, 0x0e, 0x12, 0x0c, 0x4a, 0x0a, 0x0a,
                                     0x01, 'k', 0x12, 0x05, 0x15, 1, 0, 0, 0};
  expect_error(bool_f32, sizeof bool_f32, "bool_value (#2) has wire type 5, expected 0");
}

/* The full and the shallow decode agree on b (both take it or both refuse
 * it, the latter with reason). */
static void expect_both(const uint8_t *in, size_t n, const char *reason) {
  char err[256] = "";
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_raw raw;
  ProtobufCMessage *full = decode(a, OTLPD_TRACES, in, n, err);
  if (reason && (full || !strstr(err, reason))) fail_msg("full: want \"%s\", got \"%s\"", reason, full ? "(decoded)" : err);
  if (!reason && !full) fail_msg("full: want decoded, got \"%s\"", err);
  err[0] = '\0';
  ProtobufCMessage *shallow = otlpd_pb_decode_shallow_keep(OTLPD_TRACES, in, n, a, err, sizeof err, &raw);
  if (reason && (shallow || !strstr(err, reason))) fail_msg("shallow: want \"%s\", got \"%s\"", reason, shallow ? "(decoded)" : err);
  if (!reason && !shallow) fail_msg("shallow: want decoded, got \"%s\"", err);
  otlpd_arena_free(a);
}

/* protobuf-c cannot merge a repeated singular AnyValue when no occurrence
 * sets a value (found by fuzz_pb_decode); one with a value merges. */
static void test_unmergeable_repeat(void **state) {
  (void)state;
  /* span attribute {key "k", value {}, value {}} */
  static const uint8_t twice_empty[] = {0x0a, 0x0d, 0x12, 0x0b, 0x12, 0x09, 0x4a, 0x07, 0x0a, 0x01, 'k', 0x12, 0x00, 0x12, 0x00};
  expect_both(twice_empty, sizeof twice_empty, "KeyValue.value (#2) repeated with no opentelemetry.proto.common.v1.AnyValue value set");
  /* {value {int_value 1}, value {}} and {value {}, value {int_value 1}} */
  static const uint8_t set_then_empty[] = {0x0a, 0x0f, 0x12, 0x0d, 0x12, 0x0b, 0x4a, 0x09, 0x0a, 0x01, 'k',
                                           0x12, 0x02, 0x18, 0x01, 0x12, 0x00};
  expect_both(set_then_empty, sizeof set_then_empty, NULL);
  static const uint8_t empty_then_set[] = {0x0a, 0x0f, 0x12, 0x0d, 0x12, 0x0b, 0x4a, 0x09, 0x0a, 0x01, 'k',
                                           0x12, 0x00, 0x12, 0x02, 0x18, 0x01};
  expect_both(empty_then_set, sizeof empty_then_set, NULL);
}

/* Every cut of a valid body either decodes (it ended on a field boundary)
 * or fails with a reason; none may crash. Cuts inside the one top-level
 * field must fail. */
static void test_truncated(void **state) {
  (void)state;
  otlpd_buf in = {0};
  build_trace_request(&in);
  char err[256];
  for (size_t n = 1; n < in.len; n++) {
    otlpd_arena *a = otlpd_arena_new(0);
    ProtobufCMessage *m = decode(a, OTLPD_TRACES, in.data, n, err);
    assert_null(m);
    assert_true(strlen(err) > 0);
    otlpd_arena_free(a);
  }
  otlpd_buf_free(&in);
}

/* Packed repeated fields are checked for whole elements. Path:
 * ExportMetricsServiceRequest > ResourceMetrics > ScopeMetrics > Metric >
 * Histogram > HistogramDataPoint.bucket_counts (packed fixed64, #6). */
static void test_packed(void **state) {
  (void)state;
  static const uint8_t bad[] = {0x0a, 0x0f, 0x12, 0x0d, 0x12, 0x0b, 0x4a, 0x09, 0x0a, 0x07,
                                0x32, 0x05, 1, 0, 0, 0, 0};
  static const uint8_t good[] = {0x0a, 0x1a, 0x12, 0x18, 0x12, 0x16, 0x4a, 0x14, 0x0a, 0x12,
                                 0x32, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(OTLPD_METRICS);
  assert_null(otlpd_pb_decode(d, bad, sizeof bad, a, err, sizeof err));
  assert_non_null(strstr(err, "packed fixed64 length not a multiple of 8"));

  otlp_metrics_request *mr = (otlp_metrics_request *)otlpd_pb_decode(d, good, sizeof good, a, err, sizeof err);
  assert_non_null(mr);
  Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *dp =
      mr->resource_metrics[0]->scope_metrics[0]->metrics[0]->histogram->data_points[0];
  assert_int_equal(dp->n_bucket_counts, 2);
  assert_int_equal(dp->bucket_counts[0], 1);
  assert_int_equal(dp->bucket_counts[1], 2);
  otlpd_buf out = {0};
  assert_int_equal(otlpd_pb_encode(&mr->base, &out), 0);
  assert_int_equal(out.len, sizeof good);
  assert_memory_equal(out.data, good, sizeof good);
  otlpd_buf_free(&out);
  otlpd_arena_free(a);
}

/* The arena's limit bounds what a small hostile body can make us allocate. */
static void test_arena_limit(void **state) {
  (void)state;
  /* 20000 empty ResourceSpans: 40 KB of input, megabytes of structs. */
  otlpd_buf b = {0};
  for (int i = 0; i < 20000; i++) assert_int_equal(otlpd_buf_append(&b, "\x0a\x00", 2), 0);
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_arena_set_limit(a, 256 * 1024);
  char err[256];
  assert_null(decode(a, OTLPD_TRACES, b.data, b.len, err));
  assert_non_null(strstr(err, "out of memory"));
  otlpd_arena_free(a);
  a = otlpd_arena_new(0);
  otlp_trace_request *req = (otlp_trace_request *)decode(a, OTLPD_TRACES, b.data, b.len, err);
  assert_non_null(req);
  assert_int_equal(req->n_resource_spans, 20000);
  otlpd_arena_free(a);
  otlpd_buf_free(&b);
}

static void test_empty_and_descriptors(void **state) {
  (void)state;
  char err[256];
  otlpd_arena *a = otlpd_arena_new(0);
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    ProtobufCMessage *m = decode(a, (otlpd_signal)s, NULL, 0, err);
    assert_non_null(m);
    assert_ptr_equal(m->descriptor, otlpd_request_descriptor((otlpd_signal)s));
    assert_non_null(otlpd_response_descriptor((otlpd_signal)s));
    assert_ptr_not_equal(otlpd_response_descriptor((otlpd_signal)s), otlpd_request_descriptor((otlpd_signal)s));
  }
  assert_string_equal(otlpd_request_descriptor(OTLPD_LOGS)->name,
                      "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");
  assert_string_equal(otlpd_response_descriptor(OTLPD_METRICS)->name,
                      "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse");
  otlpd_arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_unknown_fields_survive),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_unmergeable_repeat),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_packed),
      cmocka_unit_test(test_arena_limit),
      cmocka_unit_test(test_empty_and_descriptors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
