/* Batches: items in = items out, in order, when taking and splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch_fixtures.h"
#include "otlpd/data.h"

static void assert_sequence(const int *v, int n, int from) {
  for (int i = 0; i < n; i++) assert_int_equal(v[i], from + i);
}

static void test_from_payload_counts(void **state) {
  (void)state;
  int c = 0;
  otlpd_payload *p = fx_traces(3, 2, 5, &c, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  assert_int_equal(b->n, 3);
  assert_int_equal(b->items, 30);
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, p->msg), 30);
  otlpd_batch_unref(b);
}

/* Take chunks of every size from 1 to 31 out of 30 spans spread over
 * resources and scopes: the chunks concatenate to the original sequence. */
static void test_take_every_chunk_size(void **state) {
  (void)state;
  for (size_t chunk = 1; chunk <= 31; chunk++) {
    int c = 0;
    otlpd_payload *p = fx_traces(3, 2, 5, &c, NULL);
    otlpd_batch *b = otlpd_batch_from_payload(p);
    otlpd_payload_unref(p);
    int seen = 0;
    while (b->items) {
      otlpd_batch *part = otlpd_batch_take(b, chunk);
      assert_non_null(part);
      size_t expect = chunk < 30 - (size_t)seen ? chunk : 30 - (size_t)seen;
      assert_int_equal(part->items, expect);
      int nums[64];
      int n = fx_span_numbers(part, nums, 64);
      assert_int_equal(n, (int)expect);
      assert_sequence(nums, n, seen);
      assert_int_equal(otlpd_resource_items(OTLPD_TRACES, part->resources[0]), part->counts[0]);
      seen += n;
      otlpd_batch_unref(part);
    }
    assert_int_equal(seen, 30);
    otlpd_batch_unref(b);
  }
}

/* The original request is never modified by a split (it may be shared). */
static void test_split_leaves_source_intact(void **state) {
  (void)state;
  int c = 0;
  otlpd_payload *p = fx_traces(1, 1, 10, &c, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_batch *part = otlpd_batch_take(b, 4);
  assert_int_equal(part->items, 4);
  assert_int_equal(b->items, 6);
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, p->msg), 10);
  otlpd_batch_unref(part);
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
}

static void test_metrics_split_by_data_points(void **state) {
  (void)state;
  int c = 0;
  otlpd_payload *p = fx_metrics(3, 7, &c); /* 21 points */
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  assert_int_equal(b->items, 21);
  int seen = 0;
  while (b->items) {
    otlpd_batch *part = otlpd_batch_take(b, 5);
    int nums[32];
    int n = fx_point_numbers(part, nums, 32);
    assert_int_equal(n, (int)part->items);
    assert_sequence(nums, n, seen);
    seen += n;
    otlpd_batch_unref(part);
  }
  assert_int_equal(seen, 21);
  otlpd_batch_unref(b);
}

static void test_append_and_view(void **state) {
  (void)state;
  int c = 0;
  otlpd_payload *p1 = fx_traces(1, 1, 3, &c, NULL);
  otlpd_payload *p2 = fx_traces(2, 1, 3, &c, NULL);
  otlpd_batch *b1 = otlpd_batch_from_payload(p1), *b2 = otlpd_batch_from_payload(p2);
  otlpd_payload_unref(p1);
  otlpd_payload_unref(p2);
  otlpd_batch *all = otlpd_batch_new(OTLPD_TRACES, NULL);
  assert_int_equal(otlpd_batch_append(all, b1), 0);
  assert_int_equal(otlpd_batch_append(all, b2), 0);
  otlpd_batch_unref(b1);
  otlpd_batch_unref(b2);
  assert_int_equal(all->items, 9);
  otlpd_request_view v;
  ProtobufCMessage *m = otlpd_batch_view(all, &v);
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, m), 9);
  /* the view encodes to a request that decodes to the same items */
  size_t len = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = malloc(len);
  protobuf_c_message_pack(m, buf);
  ProtobufCMessage *back = protobuf_c_message_unpack(
      &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, NULL, len, buf);
  assert_non_null(back);
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, back), 9);
  protobuf_c_message_free_unpacked(back, NULL);
  free(buf);
  otlpd_batch_unref(all);
}

/* Memory accounting returns to zero when the last reference goes,
 * including split copies. */
static void test_memacct_balances(void **state) {
  (void)state;
  otlpd_memacct m = {0};
  int c = 0;
  otlpd_payload *p = fx_traces(2, 2, 4, &c, &m);
  assert_true(atomic_load(&m.used) > 0);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  otlpd_batch *x = otlpd_batch_take(b, 3);
  otlpd_batch *y = otlpd_batch_take(b, 6);
  otlpd_batch_unref(b);
  otlpd_batch_unref(x);
  assert_true(atomic_load(&m.used) > 0);
  otlpd_batch_unref(y);
  assert_int_equal(atomic_load(&m.used), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_from_payload_counts),
      cmocka_unit_test(test_take_every_chunk_size),
      cmocka_unit_test(test_split_leaves_source_intact),
      cmocka_unit_test(test_metrics_split_by_data_points),
      cmocka_unit_test(test_append_and_view),
      cmocka_unit_test(test_memacct_balances),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
