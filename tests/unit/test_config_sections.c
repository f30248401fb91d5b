/* The settings engine's list-of-maps (SECTIONS) and typed scalar (VALUE)
 * rows, as the resource processor's `attributes:` list uses them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/config.h"

typedef struct item {
  char *key;
  otlpd_value value;
  int action;
} item;

typedef struct holder {
  otlpd_sections items;
  int64_t n;
} holder;

static const char *const actions[] = {"insert", "delete", NULL};

static const otlpd_setting item_tbl[] = {
    OTLPD_S_STRING(item, "key", key, NULL, "key"),
    OTLPD_S_VALUE(item, "value", value, "value"),
    OTLPD_S_ENUM(item, "action", action, "insert", actions, "what to do"),
    OTLPD_S_END,
};

static const otlpd_setting holder_tbl[] = {
    OTLPD_S_SECTIONS(holder, "items", items, item, item_tbl, "the list"),
    OTLPD_S_INT(holder, "n", n, "7", 0, 0, "other"),
    OTLPD_S_END,
};

static int apply(const char *text, holder *h, otlpd_errors *errs) {
  otlpd_errors perr = {0};
  otlpd_node *n = otlpd_yaml_parse(text, strlen(text), "t", &perr);
  assert_non_null(n);
  otlpd_settings_defaults(holder_tbl, h);
  int rc = otlpd_settings_apply(holder_tbl, h, n, "processors::x", errs);
  otlpd_node_free(n);
  return rc;
}

static void test_list_of_maps_with_typed_values(void **state) {
  (void)state;
  holder h;
  otlpd_errors errs = {0};
  int rc = apply("items:\n"
                 "  - {key: a, value: text}\n"
                 "  - {key: b, value: 42, action: delete}\n"
                 "  - {key: c, value: 2.5}\n"
                 "  - {key: d, value: true}\n"
                 "  - {key: e, value: \"42\"}\n"
                 "  - {key: f}\n",
                 &h, &errs);
  assert_int_equal(rc, 0);
  assert_int_equal(errs.n, 0);
  assert_int_equal(h.items.n, 6);
  item *it = h.items.v;
  assert_string_equal(it[0].key, "a");
  assert_int_equal(it[0].value.kind, OTLPD_VALUE_STRING);
  assert_string_equal(it[0].value.s, "text");
  assert_int_equal(it[0].action, 0);
  assert_int_equal(it[1].value.kind, OTLPD_VALUE_INT);
  assert_int_equal(it[1].value.i, 42);
  assert_int_equal(it[1].action, 1);
  assert_int_equal(it[2].value.kind, OTLPD_VALUE_DOUBLE);
  assert_true(it[2].value.d == 2.5);
  assert_int_equal(it[3].value.kind, OTLPD_VALUE_BOOL);
  assert_true(it[3].value.b);
  assert_int_equal(it[4].value.kind, OTLPD_VALUE_STRING); /* quoted stays text */
  assert_string_equal(it[4].value.s, "42");
  assert_int_equal(it[5].value.kind, OTLPD_VALUE_NONE);
  assert_int_equal(h.n, 7);
  otlpd_settings_free(holder_tbl, &h);
  assert_int_equal(h.items.n, 0);
}

static void test_errors_name_the_item(void **state) {
  (void)state;
  holder h;
  otlpd_errors errs = {0};
  assert_int_not_equal(apply("items:\n  - {key: a}\n  - {key: b, action: explode}\n  - {bogus: 1}\n",
                             &h, &errs),
                       0);
  assert_int_equal(errs.n, 2);
  assert_non_null(strstr(errs.msgs[0], "processors::x::items[1]::action"));
  assert_non_null(strstr(errs.msgs[1], "processors::x::items[2]::bogus: unknown key"));
  assert_int_equal(h.items.n, 0); /* a bad list keeps the default (empty) */
  otlpd_errors_free(&errs);
  assert_int_not_equal(apply("items: {key: a}\n", &h, &errs), 0);
  assert_non_null(strstr(errs.msgs[0], "processors::x::items: expected a list of maps"));
  otlpd_errors_free(&errs);
  assert_int_not_equal(apply("items: [plain]\n", &h, &errs), 0);
  assert_non_null(strstr(errs.msgs[0], "processors::x::items[0]: expected a map"));
  otlpd_errors_free(&errs);
  assert_int_not_equal(apply("items: [{key: a, value: [1, 2]}]\n", &h, &errs), 0);
  assert_non_null(strstr(errs.msgs[0], "items[0]::value: expected scalar"));
  otlpd_errors_free(&errs);
  otlpd_settings_free(holder_tbl, &h);
}

static void test_listing(void **state) {
  (void)state;
  char buf[2048] = {0};
  FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
  otlpd_settings_print(f, holder_tbl, 0);
  fclose(f);
  assert_non_null(strstr(buf, "items (list of maps): the list"));
  assert_non_null(strstr(buf, "  value (scalar): value"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_of_maps_with_typed_values),
      cmocka_unit_test(test_errors_name_the_item),
      cmocka_unit_test(test_listing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
