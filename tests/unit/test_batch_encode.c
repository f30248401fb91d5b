/* Protobuf encoding of batches that reuses the client's bytes: the output
 * must decode to exactly the items that came in, whether entries are
 * copied as they came, re-encoded after a split, or mixed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire_fixtures.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"
#include "otlpd/component.h"

static void assert_encodes_to_sequence(const otlpd_batch *b, int from, int count) {
  otlpd_buf out = {0};
  assert_int_equal(otlpd_batch_encode_pb(b, &out), 0);
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  ProtobufCMessage *m =
      otlpd_pb_decode(otlpd_request_descriptor(OTLPD_TRACES), out.data, out.len, a, err, sizeof(err));
  assert_non_null(m);
  otlpd_payload *p = otlpd_payload_new(OTLPD_TRACES, a, m, NULL);
  otlpd_batch *back = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  int nums[256];
  int n = fx_span_numbers(back, nums, 256);
  assert_int_equal(n, count);
  for (int i = 0; i < n; i++) assert_int_equal(nums[i], from + i);
  otlpd_batch_unref(back);
  otlpd_buf_free(&out);
}

static void test_keeps_one_slice_per_resource(void **state) {
  (void)state;
  int c = 0;
  size_t len;
  uint8_t *wire = fx_client_bytes(3, 2, 4, &c, &len);
  otlpd_batch *b = fx_decode_kept(wire, len);
  assert_int_equal(b->n, 3);
  for (size_t i = 0; i < b->n; i++) assert_non_null(b->raw[i].p);
  /* unchanged: the output is byte for byte what the client sent */
  otlpd_buf out = {0};
  assert_int_equal(otlpd_batch_encode_pb(b, &out), 0);
  assert_int_equal(out.len, len);
  assert_memory_equal(out.data, wire, len);
  otlpd_buf_free(&out);
  otlpd_batch_unref(b);
  free(wire);
}

static void test_split_and_mixed_batches_encode_all_items(void **state) {
  (void)state;
  int c = 0;
  size_t l1, l2;
  uint8_t *w1 = fx_client_bytes(2, 2, 5, &c, &l1); /* spans 0..19 */
  uint8_t *w2 = fx_client_bytes(1, 1, 7, &c, &l2); /* spans 20..26 */
  otlpd_batch *b1 = fx_decode_kept(w1, l1), *b2 = fx_decode_kept(w2, l2);
  otlpd_batch *all = otlpd_batch_new(OTLPD_TRACES, NULL);
  otlpd_batch_append(all, b1);
  otlpd_batch_append(all, b2);
  otlpd_batch_unref(b1);
  otlpd_batch_unref(b2);
  /* resources hold 10, 10 and 7 spans: taking 7 cuts the first one */
  otlpd_batch *head = otlpd_batch_take(all, 7);
  assert_null(head->raw[0].p); /* a cut resource is re-encoded */
  assert_encodes_to_sequence(head, 0, 7);
  /* the rest: a cut tail (re-encoded) then untouched resources (copied) */
  assert_null(all->raw[0].p);
  assert_non_null(all->raw[1].p);
  assert_encodes_to_sequence(all, 7, 20);
  /* an edited entry is re-encoded from its decoded form */
  otlpd_host host = {.mutates_data = true};
  otlpd_batch *ed = otlpd_batch_edit(&host, all);
  otlp_scope_spans *ss = otlpd_batch_mut_items(ed, 1, 0);
  assert_non_null(ss);
  ss->spans[0]->name = "s999";
  assert_null(ed->raw[1].p);
  otlpd_buf out = {0};
  assert_int_equal(otlpd_batch_encode_pb(ed, &out), 0);
  otlpd_batch_unref(ed);
  int found = 0;
  for (size_t i = 0; i + 4 <= out.len; i++) found |= memcmp(out.data + i, "s999", 4) == 0;
  assert_true(found);
  otlpd_buf_free(&out);
  otlpd_batch_unref(head);
  otlpd_batch_unref(all);
  free(w1);
  free(w2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keeps_one_slice_per_resource),
      cmocka_unit_test(test_split_and_mixed_batches_encode_all_items),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
