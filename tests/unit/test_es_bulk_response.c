/* The _bulk answer scanner (exporters/elasticsearch/es_bulk_response.c):
 * items in order with status and error, the errors flag, and malformed or
 * truncated answers refused without reading past the end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/elasticsearch/es_bulk_response.h"

typedef struct seen {
  int status[16];
  char type[16][64];
  char reason[16][128];
  size_t n;
} seen;

static void collect(void *arg, size_t i, const es_bulk_item_result *r) {
  seen *s = arg;
  assert_int_equal(i, s->n);
  if (s->n >= 16) return;
  s->status[s->n] = r->status;
  if (r->type) snprintf(s->type[s->n], 64, "%.*s", (int)r->type_len, r->type);
  if (r->reason) snprintf(s->reason[s->n], 128, "%.*s", (int)r->reason_len, r->reason);
  s->n++;
}

static const char answer[] =
    "{\"took\":30,\"errors\":true,\"items\":[\n"
    " {\"create\":{\"_index\":\"logs-generic.otel-default\",\"_id\":\"a\",\"_version\":1,"
    "\"result\":\"created\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},"
    "\"_seq_no\":0,\"_primary_term\":1,\"status\":201}},\n"
    " {\"create\":{\"_index\":\"logs-generic.otel-default\",\"status\":429,\"error\":"
    "{\"type\":\"es_rejected_execution_exception\",\"reason\":\"rejected \\\"queue\\\" full\","
    "\"caused_by\":{\"type\":\"x\",\"reason\":\"nested [ { \\\\\"}}}},\n"
    " {\"index\":{\"_index\":\"plain\",\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\","
    "\"reason\":\"failed to parse field [a] of type [long]\"}}},\n"
    " {\"update\":{\"status\":200},\"extra\":[1,2,{\"k\":null}]}\n"
    "]}";

static void reads_items_in_order(void **st) {
  (void)st;
  seen s = {0};
  es_bulk_summary sum;
  assert_int_equal(es_bulk_scan(answer, strlen(answer), collect, &s, &sum), 0);
  assert_true(sum.errors);
  assert_int_equal(sum.items, 4);
  assert_int_equal(s.n, 4);
  assert_int_equal(s.status[0], 201);
  assert_string_equal(s.type[0], "");
  assert_int_equal(s.status[1], 429);
  assert_string_equal(s.type[1], "es_rejected_execution_exception");
  assert_string_equal(s.reason[1], "rejected \\\"queue\\\" full"); /* raw: escapes kept */
  assert_int_equal(s.status[2], 400);
  assert_string_equal(s.reason[2], "failed to parse field [a] of type [long]");
  assert_int_equal(s.status[3], 200);
}

static void errors_false_and_string_error(void **st) {
  (void)st;
  const char *a = " { \"errors\" : false , \"items\" : [ {\"index\":{\"status\":500,\"error\":\"boom\"}} ] , "
                  "\"took\" : 1.5e3 } \n";
  seen s = {0};
  es_bulk_summary sum;
  assert_int_equal(es_bulk_scan(a, strlen(a), collect, &s, &sum), 0);
  assert_false(sum.errors);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.status[0], 500);
  assert_string_equal(s.reason[0], "boom");
}

static void empty_and_missing_status(void **st) {
  (void)st;
  seen s = {0};
  es_bulk_summary sum;
  assert_int_equal(es_bulk_scan("{}", 2, collect, &s, &sum), 0);
  assert_int_equal(sum.items, 0);
  const char *a = "{\"items\":[{},{\"create\":{}}]}";
  assert_int_equal(es_bulk_scan(a, strlen(a), collect, &s, &sum), 0);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.status[0], 0);
  assert_int_equal(s.status[1], 0);
}

/* Every prefix of a good answer is refused, reports at most what it holds,
 * and never reads past its end (ASan: each prefix is its own allocation). */
static void truncated_everywhere(void **st) {
  (void)st;
  size_t n = strlen(answer);
  for (size_t len = 0; len < n; len++) {
    char *p = malloc(len ? len : 1);
    memcpy(p, answer, len);
    seen s = {0};
    es_bulk_summary sum;
    assert_int_equal(es_bulk_scan(p, len, collect, &s, &sum), -EBADMSG);
    assert_true(sum.items <= 4);
    free(p);
  }
}

static void malformed(void **st) {
  (void)st;
  static const char *const bad[] = {
      "", "[]", "{", "}", "{\"items\":}", "{\"items\":[{]}", "{\"items\":[1]}", "{\"errors\":tru}",
      "{\"items\":[{\"create\":{\"status\":201}}]} x", "{\"a\":\"\x01\"}", "{\"a\":\"\\",
      "{\"items\":[{\"create\":{\"status\":201}}],}", "{\"a\":[}]}", "{\"a\":-}", "nul",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    seen s = {0};
    es_bulk_summary sum;
    assert_int_equal(es_bulk_scan(bad[i], strlen(bad[i]), collect, &s, &sum), -EBADMSG);
  }
}

static void deep_nesting_is_bounded(void **st) {
  (void)st;
  size_t depth = 100000;
  char *p = malloc(depth * 2 + 32);
  size_t n = (size_t)sprintf(p, "{\"x\":");
  memset(p + n, '[', depth);
  n += depth;
  memset(p + n, ']', depth);
  n += depth;
  p[n++] = '}';
  es_bulk_summary sum;
  assert_int_equal(es_bulk_scan(p, n, NULL, NULL, &sum), -EBADMSG);
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reads_items_in_order),  cmocka_unit_test(errors_false_and_string_error),
      cmocka_unit_test(empty_and_missing_status), cmocka_unit_test(truncated_everywhere),
      cmocka_unit_test(malformed),            cmocka_unit_test(deep_nesting_is_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
