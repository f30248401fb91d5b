/* otlp (gRPC) exporter: the request message gathered as slices over the
 * clients' bytes. It must be byte for byte what otlpd_batch_encode_pb
 * writes (the client's request itself when nothing changed), for
 * untouched, split and mixed batches; and it must keep the batch's bytes
 * alive for as long as gRPC holds a copy of the message, after the request
 * let go (ASan checks the reads, LSan that the last holder frees). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <grpc/byte_buffer_reader.h>

#include "../../exporters/otlp/otlpgrpc.h"
#include "wire_fixtures.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"

/* The message's bytes, flattened (a copy the test owns). */
static uint8_t *message_bytes(grpc_byte_buffer *bb, size_t *len) {
  grpc_byte_buffer_reader r;
  assert_true(grpc_byte_buffer_reader_init(&r, bb));
  grpc_slice s = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  *len = GRPC_SLICE_LENGTH(s);
  uint8_t *out = malloc(*len ? *len : 1);
  memcpy(out, GRPC_SLICE_START_PTR(s), *len);
  grpc_slice_unref(s);
  return out;
}

static void assert_body_is_encoding(otlpd_batch *b) {
  otlpd_buf want = {0};
  assert_int_equal(otlpd_batch_encode_pb(b, &want), 0);
  otlpgrpc_body *body = NULL;
  size_t charged = 1;
  assert_int_equal(otlpgrpc_body_build(b, &body, &charged), 0);
  grpc_byte_buffer *msg = otlpgrpc_body_message(body);
  size_t len;
  uint8_t *got = message_bytes(msg, &len);
  assert_int_equal(len, want.len);
  assert_memory_equal(got, want.data, len);
  free(got);
  grpc_byte_buffer_destroy(msg);
  otlpgrpc_body_release(body);
  otlpd_buf_free(&want);
}

static void test_untouched_batch_is_the_client_request(void **state) {
  (void)state;
  int c = 0;
  size_t len;
  uint8_t *wire = fx_client_bytes(3, 2, 4, &c, &len);
  otlpd_batch *b = fx_decode_kept(wire, len);
  otlpgrpc_body *body = NULL;
  size_t charged = 1;
  assert_int_equal(otlpgrpc_body_build(b, &body, &charged), 0);
  assert_int_equal(charged, 0); /* nothing of its own: all slices over the payload */
  grpc_byte_buffer *msg = otlpgrpc_body_message(body);
  /* the request and the pipeline let go; gRPC still holds the message */
  otlpgrpc_body_release(body);
  otlpd_batch_unref(b);
  size_t got_len;
  uint8_t *got = message_bytes(msg, &got_len);
  assert_int_equal(got_len, len);
  assert_memory_equal(got, wire, len);
  free(got);
  grpc_byte_buffer_destroy(msg); /* the last holder frees the batch */
  free(wire);
}

static void test_split_and_mixed_batches(void **state) {
  (void)state;
  int c = 0;
  size_t l1, l2;
  uint8_t *w1 = fx_client_bytes(2, 2, 5, &c, &l1);
  uint8_t *w2 = fx_client_bytes(1, 1, 7, &c, &l2);
  otlpd_batch *b1 = fx_decode_kept(w1, l1), *b2 = fx_decode_kept(w2, l2);
  otlpd_batch *all = otlpd_batch_new(OTLPD_TRACES, NULL);
  otlpd_batch_append(all, b1);
  otlpd_batch_append(all, b2);
  otlpd_batch_unref(b1);
  otlpd_batch_unref(b2);
  otlpd_batch *head = otlpd_batch_take(all, 7); /* cuts the first resource */
  assert_null(head->raw[0].p);
  assert_body_is_encoding(head);
  assert_null(all->raw[0].p);
  assert_non_null(all->raw[1].p);
  assert_body_is_encoding(all); /* packed, then client bytes */
  otlpd_batch_unref(head);
  otlpd_batch_unref(all);
  free(w1);
  free(w2);
}

static void test_empty_batch(void **state) {
  (void)state;
  otlpd_batch *b = otlpd_batch_new(OTLPD_TRACES, NULL);
  assert_body_is_encoding(b);
  otlpd_batch_unref(b);
}

static int setup(void **state) {
  (void)state;
  grpc_init();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  grpc_shutdown();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_untouched_batch_is_the_client_request),
      cmocka_unit_test(test_split_and_mixed_batches),
      cmocka_unit_test(test_empty_batch),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
