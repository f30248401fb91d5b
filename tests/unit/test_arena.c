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
      cmocka_unit_test(test_strndup_and_pb_allocator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
