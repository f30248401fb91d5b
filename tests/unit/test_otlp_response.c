/* Export*ServiceResponse: partial_success carries the rejected count in the
 * signal's own field, and is absent on full success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../receivers/otlp/otlp_receiver.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"

static ProtobufCMessage *roundtrip(otlpd_signal s, size_t rejected, otlpd_arena *a) {
  otlp_response r;
  otlpd_buf b = {0};
  assert_int_equal(otlpd_pb_encode(otlp_response_build(&r, s, rejected, "bad data"), &b), 0);
  char err[128];
  ProtobufCMessage *m = otlpd_pb_decode(otlpd_response_descriptor(s), b.data, b.len, a, err, sizeof(err));
  assert_non_null(m);
  otlpd_buf_free(&b);
  return m;
}

static void test_partial_success_per_signal(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_response *t = (otlp_trace_response *)roundtrip(OTLPD_TRACES, 5, a);
  assert_non_null(t->partial_success);
  assert_int_equal(t->partial_success->rejected_spans, 5);
  assert_string_equal(t->partial_success->error_message, "bad data");
  otlp_metrics_response *m = (otlp_metrics_response *)roundtrip(OTLPD_METRICS, 7, a);
  assert_int_equal(m->partial_success->rejected_data_points, 7);
  otlp_logs_response *l = (otlp_logs_response *)roundtrip(OTLPD_LOGS, 9, a);
  assert_int_equal(l->partial_success->rejected_log_records, 9);
  otlpd_arena_free(a);
}

static void test_full_success_is_empty(void **state) {
  (void)state;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    otlp_response r;
    ProtobufCMessage *m = otlp_response_build(&r, (otlpd_signal)s, 0, NULL);
    assert_int_equal(protobuf_c_message_get_packed_size(m), 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_partial_success_per_signal),
      cmocka_unit_test(test_full_success_is_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
