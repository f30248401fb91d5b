/* otlpd_batch_take under allocation failure: whatever fails, no item is
 * lost or freed twice. Every allocation of the take is made to fail in
 * turn (malloc/calloc/realloc are wrapped at link time); the result is
 * either NULL with src unchanged, or a batch that, with what src keeps,
 * holds every item exactly once. ASan checks the frees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch_fixtures.h"

static int fail_in = -1; /* the n-th allocation from now fails; -1: none */

static int should_fail(void) { return fail_in >= 0 && fail_in-- == 0; }

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

static void check_take(int R, int N, size_t max) {
  for (int k = 0;; k++) {
    otlpd_memacct mem = {0};
    int counter = 0;
    otlpd_payload *p = fx_traces(R, 1, N, &counter, &mem);
    otlpd_batch *src = otlpd_batch_from_payload(p);
    otlpd_payload_unref(p);
    size_t total = src->items, n = src->n;
    fail_in = k;
    otlpd_batch *dst = otlpd_batch_take(src, max);
    int failed_one = fail_in < 0; /* the k-th allocation happened and failed */
    fail_in = -1;
    int seen[4096], m = 0;
    if (!dst) {
      assert_true(failed_one);
      assert_int_equal(src->items, total); /* src unchanged */
      assert_int_equal(src->n, n);
    } else {
      assert_int_equal(dst->items + src->items, total);
      m = fx_span_numbers(dst, seen, 4096);
    }
    m += fx_span_numbers(src, seen + m, 4096 - m);
    assert_int_equal(m, (int)total);
    for (int i = 0; i < m; i++) assert_int_equal(seen[i], i); /* each once, in order */
    otlpd_batch_unref(dst);
    otlpd_batch_unref(src);
    assert_int_equal(atomic_load(&mem.used), 0);
    if (!failed_one) break; /* every allocation of the take was tried */
  }
}

static void test_take_whole_and_split(void **state) {
  (void)state;
  check_take(3, 10, 25); /* two whole resources and a split of the third */
}

static void test_take_split_only(void **state) {
  (void)state;
  check_take(1, 10, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_take_whole_and_split),
      cmocka_unit_test(test_take_split_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
