/* otlphttp: what an OTLP/HTTP server's answer means (retry or not, how
 * many items a partial success rejected, the server's reason), from
 * protobuf and OTLP-JSON bodies as the spec describes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/otlphttp/otlphttp_response.h"
#include "google/rpc/status.pb-c.h"
#include "otlpd/codec.h"

static void test_status_classes(void **state) {
  (void)state;
  const int retry[] = {429, 502, 503, 504};
  const int perm[] = {400, 401, 403, 404, 405, 413, 415, 500, 501};
  for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
    assert_int_equal(otlphttp_status_verdict(retry[i]), OTLPHTTP_RETRYABLE);
  for (size_t i = 0; i < sizeof(perm) / sizeof(perm[0]); i++)
    assert_int_equal(otlphttp_status_verdict(perm[i]), OTLPHTTP_PERMANENT);
  assert_int_equal(otlphttp_status_verdict(200), OTLPHTTP_ACCEPTED);
  assert_int_equal(otlphttp_status_verdict(202), OTLPHTTP_ACCEPTED);
}

static void test_partial_success_protobuf_and_json(void **state) {
  (void)state;
  Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess ps =
      OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
  ps.rejected_log_records = 3;
  ps.error_message = "3 records too old";
  otlp_logs_response resp = OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
  resp.partial_success = &ps;
  otlpd_buf pb = {0}, js = {0};
  assert_int_equal(otlpd_pb_encode(&resp.base, &pb), 0);
  assert_int_equal(otlpd_json_encode(&resp.base, &js), 0);
  otlphttp_answer a;
  otlphttp_read_answer(OTLPD_LOGS, 200, pb.data, pb.len, false, &a);
  assert_int_equal(a.verdict, OTLPHTTP_ACCEPTED);
  assert_int_equal(a.rejected, 3);
  assert_string_equal(a.message, "3 records too old");
  otlphttp_read_answer(OTLPD_LOGS, 200, js.data, js.len, true, &a);
  assert_int_equal(a.rejected, 3);
  assert_string_equal(a.message, "3 records too old");
  /* an empty body is a full success */
  otlphttp_read_answer(OTLPD_LOGS, 200, NULL, 0, false, &a);
  assert_int_equal(a.verdict, OTLPHTTP_ACCEPTED);
  assert_int_equal(a.rejected, 0);
  otlpd_buf_free(&pb);
  otlpd_buf_free(&js);
}

static void test_error_status_message(void **state) {
  (void)state;
  Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
  st.code = 3;
  st.message = "bad span id";
  otlpd_buf pb = {0};
  assert_int_equal(otlpd_pb_encode(&st.base, &pb), 0);
  otlphttp_answer a;
  otlphttp_read_answer(OTLPD_TRACES, 400, pb.data, pb.len, false, &a);
  assert_int_equal(a.verdict, OTLPHTTP_PERMANENT);
  assert_string_equal(a.message, "bad span id");
  /* a plain-text answer (a proxy's, a load balancer's) is shown as is */
  const char *text = "upstream connect error\n";
  otlphttp_read_answer(OTLPD_TRACES, 502, (const uint8_t *)text, strlen(text), false, &a);
  assert_int_equal(a.verdict, OTLPHTTP_RETRYABLE);
  assert_string_equal(a.message, "upstream connect error");
  /* garbage bodies leave the message empty and never crash */
  const uint8_t junk[] = {0xff, 0xff, 0xff, 0x01, 0x02};
  otlphttp_read_answer(OTLPD_TRACES, 503, junk, sizeof(junk), false, &a);
  assert_int_equal(a.verdict, OTLPHTTP_RETRYABLE);
  assert_string_equal(a.message, "");
  otlphttp_read_answer(OTLPD_TRACES, 200, junk, sizeof(junk), true, &a);
  assert_int_equal(a.rejected, 0);
  otlpd_buf_free(&pb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_classes),
      cmocka_unit_test(test_partial_success_protobuf_and_json),
      cmocka_unit_test(test_error_status_message),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
