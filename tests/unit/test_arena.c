/* Arena: alignment, growth, limits, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/arena.h"

static void test_alignment_and_growth(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(64);
  assert_non_null(a);
  for (int i = 1; i < 2000; i++) {
    unsigned char *p = otlpd_arena_alloc(a, (size_t)(i % 97) + 1);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, 0xab, (size_t)(i % 97) + 1);
  }
  void *big = otlpd_arena_alloc(a, 5 * 1024 * 1024);
  assert_non_null(big);
  memset(big, 1, 5 * 1024 * 1024);
  assert_true(otlpd_arena_footprint(a) >= 5 * 1024 * 1024);
  otlpd_arena_reset(a);
  assert_true(otlpd_arena_footprint(a) < 1024);
  assert_non_null(otlpd_arena_alloc(a, 10));
  otlpd_arena_free(a);
}

static void test_limit(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(1024);
  otlpd_arena_set_limit(a, 64 * 1024);
  size_t got = 0;
  while (otlpd_arena_alloc(a, 1000)) got += 1000;
  assert_true(got >= 32 * 1024);
  assert_true(otlpd_arena_footprint(a) <= 64 * 1024);
  assert_null(otlpd_arena_alloc(a, SIZE_MAX - 8)); /* overflow is refused, not wrapped */
  otlpd_arena_free(a);
}

/* Issue #16 defect 2: once the sizer had learned ~15x, a request decoding
 * to 23x its size was refused well under its 32x limit, because the second
 * block repeated the big first one and did not fit. */
static void test_fills_to_limit_after_learned_ratio(void **state) {
  (void)state;
  otlpd_arena_sizer sz = {0};
  for (int i = 0; i < 8; i++) { /* teach it 15x */
    otlpd_arena *t = otlpd_arena_new(0);
    assert_non_null(otlpd_arena_alloc(t, 15 * 100 * 1024));
    otlpd_arena_sizer_learn(&sz, 100 * 1024, t);
    otlpd_arena_free(t);
  }
  assert_true(sz.ratio16 >= 14 * 16);
  size_t len = 800 * 1024, limit = len * 32 + 1024 * 1024;
  otlpd_arena *a = otlpd_arena_new(otlpd_arena_sizer_guess(&sz, len));
  assert_non_null(a);
  otlpd_arena_set_limit(a, limit);
  size_t got = 0;
  for (size_t i = 0; got < 23 * len; i++) {
    size_t n = 40 + i % 200; /* protobuf-c's many small structs and strings */
    assert_non_null(otlpd_arena_alloc(a, n));
    got += n;
  }
  assert_false(otlpd_arena_hit_limit(a));
  /* one big allocation gets a block of its own when it fits */
  assert_non_null(otlpd_arena_alloc(a, 2 * 1024 * 1024));
  /* data truly past the limit is still refused, and says so */
  while (otlpd_arena_alloc(a, 100)) got += 100;
  assert_true(otlpd_arena_hit_limit(a));
  assert_true(otlpd_arena_footprint(a) <= limit);
  assert_true(otlpd_arena_used(a) >= limit - limit / 100); /* filled, not cut short */
  assert_null(otlpd_arena_alloc(a, 4096));
  otlpd_arena_free(a);
}

/* A single allocation bigger than what is left is refused; a smaller one
 * still fits in the rest. */
static void test_big_allocation_near_limit(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(4096);
  otlpd_arena_set_limit(a, 1024 * 1024);
  assert_non_null(otlpd_arena_alloc(a, 600 * 1024));
  assert_null(otlpd_arena_alloc(a, 600 * 1024));
  assert_true(otlpd_arena_hit_limit(a));
  assert_non_null(otlpd_arena_alloc(a, 300 * 1024));
  assert_true(otlpd_arena_footprint(a) <= 1024 * 1024);
  otlpd_arena_reset(a);
  assert_false(otlpd_arena_hit_limit(a));
  otlpd_arena_free(a);
}

static void test_strndup_and_pb_allocator(void **state) {
  (void)state;
  otlpd_arena *a = otlpd_arena_new(0);
  char *s = otlpd_arena_strndup(a, "hello world", 5);
  assert_string_equal(s, "hello");
  ProtobufCAllocator *pb = otlpd_arena_pb(a);
  void *p = pb->alloc(pb->allocator_data, 100);
  assert_non_null(p);
  pb->free(pb->allocator_data, p); /* a no-op: the arena frees it all */
  otlpd_arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alignment_and_growth),
      cmocka_unit_test(test_limit),
      cmocka_unit_test(test_fills_to_limit_after_learned_ratio),
      cmocka_unit_test(test_big_allocation_near_limit),
      cmocka_unit_test(test_strndup_and_pb_allocator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
