/* otlpd_pb_pack writes exactly the bytes protobuf_c_message_pack writes:
 * the protobuf fuzz corpus (all three signals, every field type OTLP has,
 * packed arrays, oneofs, proto3 optionals, unknown fields), edits that
 * leave empty strings / NULL sub-messages, and the field-framed form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "codec/pb_pack.h"
#include "otlpd/codec.h"

static const char *const FILES[] = {"trace_full.pb", "trace_min.pb", "trace_variants.pb", "metrics_all.pb",
                                    "logs_bodies.pb", "unknown_fields.pb", "empty.pb"};

static uint8_t *slurp(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/pb/%s", OTLPD_SOURCE_DIR, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static uint8_t buf[1 << 20];
  *len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  return buf;
}

static void same_as_protobuf_c(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *want = malloc(n + 1);
  assert_int_equal(protobuf_c_message_pack(m, want), n);
  otlpd_buf got = {0};
  assert_int_equal(otlpd_pb_pack(m, 0, &got), 0);
  assert_int_equal(got.len, n);
  if (n) assert_memory_equal(got.data, want, n);
  /* framed as field 1: tag, length, the same bytes */
  otlpd_buf framed = {0};
  assert_int_equal(otlpd_pb_pack(m, 1, &framed), 0);
  uint8_t head[11];
  head[0] = 0x0a;
  size_t h = 1 + otlpd_varint_put(head + 1, n);
  assert_int_equal(framed.len, h + n);
  assert_memory_equal(framed.data, head, h);
  if (n) assert_memory_equal(framed.data + h, want, n);
  otlpd_buf_free(&framed);
  otlpd_buf_free(&got);
  free(want);
}

static ProtobufCMessage *decode_file(const char *name, otlpd_signal *sig, otlpd_arena *a) {
  size_t len;
  uint8_t *buf = slurp(name, &len);
  char err[256];
  otlpd_signal order[] = {strncmp(name, "metrics", 7) ? strncmp(name, "logs", 4) ? OTLPD_TRACES : OTLPD_LOGS
                                                       : OTLPD_METRICS};
  *sig = order[0];
  ProtobufCMessage *m = otlpd_pb_decode(otlpd_request_descriptor(*sig), buf, len, a, err, sizeof(err));
  if (!m) fail_msg("%s: %s", name, err);
  return m;
}

static void test_corpus(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(FILES) / sizeof(FILES[0]); i++) {
    otlpd_arena *a = otlpd_arena_new(0);
    otlpd_signal s;
    ProtobufCMessage *m = decode_file(FILES[i], &s, a);
    same_as_protobuf_c(m);
    otlpd_arena_free(a);
  }
}

/* What processors leave behind: empty strings, a NULL resource, a span
 * with no attributes, an AnyValue string emptied. */
static void test_edited(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_signal s;
  ProtobufCMessage *m = decode_file("trace_full.pb", &s, a);
  otlp_trace_request *r = (otlp_trace_request *)m;
  assert_true(r->n_resource_spans > 0);
  otlp_resource_spans *rs = r->resource_spans[0];
  if (rs->resource && rs->resource->n_attributes) rs->resource->attributes[0]->value->string_value = "";
  if (rs->n_scope_spans && rs->scope_spans[0]->n_spans) {
    otlp_span *sp = rs->scope_spans[0]->spans[0];
    sp->name = "";
    sp->n_attributes = 0;
    sp->trace_state = NULL;
  }
  same_as_protobuf_c(m);
  rs->resource = NULL;
  rs->schema_url = "";
  same_as_protobuf_c(m);
  otlpd_arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_corpus), cmocka_unit_test(test_edited)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
