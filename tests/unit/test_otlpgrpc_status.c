/* otlp (gRPC) exporter: what a gRPC status means (retryable codes as
 * otelcol, RESOURCE_EXHAUSTED only with RetryInfo, the RetryInfo delay as
 * the retry hint), the grpc-status-details-bin reader on well-formed and
 * malformed bytes, and partial_success in a response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/otlp/otlpgrpc_response.h"
#include "../../exporters/otlp/otlpgrpc_status.h"
#include "google/rpc/status.pb-c.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"
#include "otlpd/otlp.h"

/* ---- building test inputs ---- */

static size_t put_tag(uint8_t *p, unsigned num, unsigned wire) { return otlpd_varint_put(p, num << 3 | wire); }

/* google.rpc.RetryInfo{retry_delay: Duration{seconds, nanos}} */
static size_t retry_info(uint8_t *out, int64_t sec, int32_t nanos) {
  uint8_t dur[32];
  size_t d = 0;
  d += put_tag(dur + d, 1, 0);
  d += otlpd_varint_put(dur + d, (uint64_t)sec);
  d += put_tag(dur + d, 2, 0);
  d += otlpd_varint_put(dur + d, (uint64_t)(int64_t)nanos);
  size_t n = put_tag(out, 1, 2);
  n += otlpd_varint_put(out + n, d);
  memcpy(out + n, dur, d);
  return n + d;
}

/* A google.rpc.Status with the given details (type_url, value) encoded by
 * protobuf-c, so the reader is checked against a real encoder. */
static void status_bytes(int code, const char *type, const uint8_t *value, size_t len, otlpd_buf *out) {
  Google__Rpc__Any any = GOOGLE__RPC__ANY__INIT;
  any.type_url = (char *)type;
  any.value.data = (uint8_t *)value;
  any.value.len = len;
  Google__Rpc__Any *list[1] = {&any};
  Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
  st.code = code;
  st.message = "try later";
  st.n_details = type ? 1 : 0;
  st.details = list;
  out->len = 0;
  assert_int_equal(otlpd_pb_encode(&st.base, out), 0);
}

/* ---- classification ---- */

static void test_codes(void **state) {
  (void)state;
  int64_t hint = -1;
  const int retry[] = {1, 4, 10, 11, 14, 15};       /* CANCELLED .. DATA_LOSS */
  const int perm[] = {2, 3, 5, 6, 7, 8, 9, 12, 13, 16, 17, 99, -1};
  assert_int_equal(otlpgrpc_status_classify(0, NULL, 0, &hint), OTLPD_SEND_OK);
  for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++) {
    assert_int_equal(otlpgrpc_status_classify(retry[i], NULL, 0, &hint), OTLPD_SEND_RETRYABLE);
    assert_int_equal(hint, 0);
  }
  for (size_t i = 0; i < sizeof(perm) / sizeof(perm[0]); i++)
    assert_int_equal(otlpgrpc_status_classify(perm[i], NULL, 0, &hint), OTLPD_SEND_PERMANENT);
  assert_string_equal(otlpgrpc_status_name(14), "UNAVAILABLE");
  assert_null(otlpgrpc_status_name(17));
}

static void test_resource_exhausted_needs_retry_info(void **state) {
  (void)state;
  otlpd_buf b = {0};
  uint8_t ri[64];
  size_t rn = retry_info(ri, 1, 500000000);
  int64_t hint = 0;

  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, ri, rn, &b);
  assert_int_equal(otlpgrpc_status_classify(8, b.data, b.len, &hint), OTLPD_SEND_RETRYABLE);
  assert_int_equal(hint, 1500000000LL);

  /* Another detail type (DebugInfo): not a reason to retry. */
  status_bytes(8, "type.googleapis.com/google.rpc.DebugInfo", ri, rn, &b);
  assert_int_equal(otlpgrpc_status_classify(8, b.data, b.len, &hint), OTLPD_SEND_PERMANENT);
  assert_int_equal(hint, 0);

  status_bytes(8, NULL, NULL, 0, &b); /* a Status without details */
  assert_int_equal(otlpgrpc_status_classify(8, b.data, b.len, &hint), OTLPD_SEND_PERMANENT);
  assert_int_equal(otlpgrpc_status_classify(8, NULL, 0, &hint), OTLPD_SEND_PERMANENT);

  /* RetryInfo without a delay still says "retry", with the schedule's wait. */
  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, NULL, 0, &b);
  assert_int_equal(otlpgrpc_status_classify(8, b.data, b.len, &hint), OTLPD_SEND_RETRYABLE);
  assert_int_equal(hint, 0);
  otlpd_buf_free(&b);
}

static void test_retry_info_on_retryable_code_is_the_hint(void **state) {
  (void)state;
  otlpd_buf b = {0};
  uint8_t ri[64];
  int64_t hint = 0;
  status_bytes(14, OTLPGRPC_RETRY_INFO_TYPE, ri, retry_info(ri, 2, 0), &b);
  assert_int_equal(otlpgrpc_status_classify(14, b.data, b.len, &hint), OTLPD_SEND_RETRYABLE);
  assert_int_equal(hint, 2000000000LL);
  /* A permanent code stays permanent, RetryInfo or not. */
  assert_int_equal(otlpgrpc_status_classify(3, b.data, b.len, &hint), OTLPD_SEND_PERMANENT);
  assert_int_equal(hint, 0);
  otlpd_buf_free(&b);
}

static void test_delay_bounds(void **state) {
  (void)state;
  otlpd_buf b = {0};
  uint8_t ri[64];
  int64_t d = -1;
  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, ri, retry_info(ri, INT64_MAX, 0), &b);
  assert_int_equal(otlpgrpc_status_retry_delay(b.data, b.len, &d), 1);
  assert_int_equal(d, OTLPGRPC_MAX_RETRY_DELAY_NS);
  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, ri, retry_info(ri, -5, 0), &b);
  assert_int_equal(otlpgrpc_status_retry_delay(b.data, b.len, &d), 1);
  assert_int_equal(d, 0);
  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, ri, retry_info(ri, 1, 2000000000), &b); /* nanos out of range */
  assert_int_equal(otlpgrpc_status_retry_delay(b.data, b.len, &d), 1);
  assert_int_equal(d, 0);
  otlpd_buf_free(&b);
}

/* ---- malformed details ---- */

static void test_malformed_details(void **state) {
  (void)state;
  int64_t d, hint;
  static const uint8_t overlong[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  static const uint8_t past_end[] = {0x1a, 0x7f, 0x0a, 0x01};    /* details: 127 bytes, 2 there */
  static const uint8_t group[] = {0x0b, 0x0c};                  /* field 1, start group */
  static const uint8_t field_zero[] = {0x00, 0x01};
  static const uint8_t cut_varint[] = {0x08, 0x80};
  static const uint8_t bad_any[] = {0x1a, 0x02, 0x0a, 0x05};    /* Any's type_url runs past its bytes */
  static const uint8_t cut_fixed[] = {0x09, 0x01, 0x02};        /* fixed64 with 2 of 8 bytes */
  struct {
    const uint8_t *p;
    size_t n;
  } bad[] = {{overlong, sizeof(overlong)}, {past_end, sizeof(past_end)}, {group, sizeof(group)},
             {field_zero, sizeof(field_zero)}, {cut_varint, sizeof(cut_varint)},
             {bad_any, sizeof(bad_any)}, {cut_fixed, sizeof(cut_fixed)}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(otlpgrpc_status_retry_delay(bad[i].p, bad[i].n, &d), -EINVAL);
    assert_int_equal(d, 0);
    /* Unreadable details are no RetryInfo: the code alone decides. */
    assert_int_equal(otlpgrpc_status_classify(8, bad[i].p, bad[i].n, &hint), OTLPD_SEND_PERMANENT);
    assert_int_equal(otlpgrpc_status_classify(14, bad[i].p, bad[i].n, &hint), OTLPD_SEND_RETRYABLE);
    assert_int_equal(hint, 0);
  }
  /* Every truncation of a valid Status: never read past the end (ASan),
   * and a RetryInfo is reported only when its bytes are all there. */
  otlpd_buf b = {0};
  uint8_t ri[64];
  status_bytes(8, OTLPGRPC_RETRY_INFO_TYPE, ri, retry_info(ri, 3, 7), &b);
  for (size_t n = 0; n < b.len; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, b.data, n);
    int rc = otlpgrpc_status_retry_delay(copy, n, &d);
    assert_true(rc == -EINVAL || rc == 0);
    free(copy);
  }
  assert_int_equal(otlpgrpc_status_retry_delay(b.data, b.len, &d), 1);
  assert_int_equal(d, 3000000007LL);
  /* A RetryInfo followed by junk: the whole Status is unreadable. */
  static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x07};
  assert_int_equal(otlpd_buf_append(&b, junk, sizeof(junk)), 0);
  assert_int_equal(otlpgrpc_status_retry_delay(b.data, b.len, &d), -EINVAL);
  assert_int_equal(d, 0);
  assert_int_equal(otlpgrpc_status_classify(8, b.data, b.len, &hint), OTLPD_SEND_PERMANENT);
  otlpd_buf_free(&b);
}

/* ---- partial_success ---- */

static void test_partial_success(void **state) {
  (void)state;
  Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
      OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
  ps.rejected_spans = 4;
  ps.error_message = "4 spans too old";
  otlp_trace_response resp = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
  resp.partial_success = &ps;
  otlpd_buf pb = {0};
  assert_int_equal(otlpd_pb_encode(&resp.base, &pb), 0);
  char msg[64];
  assert_int_equal(otlpgrpc_partial_rejected(OTLPD_TRACES, pb.data, pb.len, msg, sizeof(msg)), 4);
  assert_string_equal(msg, "4 spans too old");
  /* An empty response (the usual answer) and garbage reject nothing. */
  assert_int_equal(otlpgrpc_partial_rejected(OTLPD_TRACES, NULL, 0, msg, sizeof(msg)), 0);
  static const uint8_t junk[] = {0x0a, 0x7f, 0x01};
  assert_int_equal(otlpgrpc_partial_rejected(OTLPD_LOGS, junk, sizeof(junk), msg, sizeof(msg)), 0);
  assert_string_equal(msg, "");
  otlpd_buf_free(&pb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codes),
      cmocka_unit_test(test_resource_exhausted_needs_retry_info),
      cmocka_unit_test(test_retry_info_on_retryable_code_is_the_hint),
      cmocka_unit_test(test_delay_bounds),
      cmocka_unit_test(test_malformed_details),
      cmocka_unit_test(test_partial_success),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
