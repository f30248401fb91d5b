/* YAML text -> node tree: order, lines, quoting, anchors, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the standard headers above */
#include <cmocka.h>

#include "test_config_fakes.h"

static otlpd_node *parse(const char *text, otlpd_errors *errs) {
  return otlpd_yaml_parse(text, strlen(text), "t.yaml", errs);
}

static void test_maps_keep_order_and_lines(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("# comment\n"
                        "zeta: 1\n"
                        "alpha:\n"
                        "  inner: x\n"
                        "mid: [a, b]\n",
                        &errs);
  assert_non_null(n);
  assert_int_equal(errs.n, 0);
  assert_int_equal(n->kind, OTLPD_NODE_MAP);
  assert_int_equal(n->n, 3);
  assert_string_equal(n->keys[0], "zeta");
  assert_string_equal(n->keys[1], "alpha");
  assert_string_equal(n->keys[2], "mid");
  assert_int_equal(n->items[0]->line, 2);
  const otlpd_node *inner = otlpd_node_get(otlpd_node_get(n, "alpha"), "inner");
  assert_non_null(inner);
  assert_string_equal(inner->scalar, "x");
  assert_int_equal(inner->line, 4);
  const otlpd_node *mid = otlpd_node_get(n, "mid");
  assert_int_equal(mid->kind, OTLPD_NODE_SEQ);
  assert_int_equal(mid->n, 2);
  assert_string_equal(mid->items[1]->scalar, "b");
  assert_int_equal(mid->line, 5);
  assert_null(otlpd_node_get(n, "missing"));
  otlpd_node_free(n);
}

static void test_nulls_and_quotes(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("a:\n"
                        "b: ~\n"
                        "c: null\n"
                        "d: \"null\"\n"
                        "e: ''\n"
                        "f: '5'\n"
                        "g: 5\n"
                        "h: |\n  block\n",
                        &errs);
  assert_non_null(n);
  assert_true(otlpd_node_is_null(otlpd_node_get(n, "a")));
  assert_true(otlpd_node_is_null(otlpd_node_get(n, "b")));
  assert_true(otlpd_node_is_null(otlpd_node_get(n, "c")));
  assert_true(otlpd_node_is_null(otlpd_node_get(n, "missing")));
  const otlpd_node *d = otlpd_node_get(n, "d");
  assert_false(otlpd_node_is_null(d));
  assert_true(d->quoted);
  assert_string_equal(d->scalar, "null");
  assert_false(otlpd_node_is_null(otlpd_node_get(n, "e")));
  assert_true(otlpd_node_get(n, "f")->quoted);
  assert_false(otlpd_node_get(n, "g")->quoted);
  assert_true(otlpd_node_get(n, "h")->quoted);
  assert_string_equal(otlpd_node_get(n, "h")->scalar, "block\n");
  otlpd_node_free(n);
}

static void test_empty_document_is_null(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("# nothing here\n", &errs);
  assert_non_null(n);
  assert_true(otlpd_node_is_null(n));
  otlpd_node_free(n);
}

static void test_anchors_aliases_and_merge_keys(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("base: &b\n"
                        "  endpoint: localhost:4317\n"
                        "  timeout: 5s\n"
                        "copy: *b\n"
                        "merged:\n"
                        "  <<: *b\n"
                        "  timeout: 10s\n"
                        "list: [&x one, *x]\n",
                        &errs);
  assert_non_null(n);
  assert_int_equal(errs.n, 0);
  const otlpd_node *copy = otlpd_node_get(n, "copy");
  assert_string_equal(otlpd_node_get(copy, "endpoint")->scalar, "localhost:4317");
  assert_int_equal(otlpd_node_get(n, "copy")->line, 4);
  const otlpd_node *m = otlpd_node_get(n, "merged");
  assert_int_equal(m->n, 2);
  assert_string_equal(otlpd_node_get(m, "timeout")->scalar, "10s");
  assert_string_equal(otlpd_node_get(m, "endpoint")->scalar, "localhost:4317");
  assert_null(otlpd_node_get(m, "<<"));
  const otlpd_node *l = otlpd_node_get(n, "list");
  assert_string_equal(l->items[1]->scalar, "one");
  otlpd_node_free(n);
}

static void test_duplicate_keys_name_the_path(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("service:\n"
                        "  pipelines:\n"
                        "    traces: {}\n"
                        "    traces: {}\n"
                        "receivers: {}\n"
                        "receivers: {}\n",
                        &errs);
  assert_null(n);
  assert_int_equal(errs.n, 2);
  assert_true(fake_has_error(&errs, "t.yaml:4: duplicate key \"service::pipelines::traces\""));
  assert_true(fake_has_error(&errs, "t.yaml:6: duplicate key \"receivers\""));
  otlpd_errors_free(&errs);
}

static void test_syntax_error_has_position(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("a: [1, 2\nb: c\n", &errs);
  assert_null(n);
  assert_int_equal(errs.n, 1);
  assert_int_equal(strncmp(errs.msgs[0], "t.yaml:", 7), 0);
  otlpd_errors_free(&errs);
}

static void test_bad_aliases(void **state) {
  otlpd_errors errs = {0};
  assert_null(parse("a: *nope\n", &errs));
  assert_true(fake_has_error(&errs, "t.yaml:1: unknown alias *nope"));
  otlpd_errors_free(&errs);
  assert_null(parse("a: &s\n  b: *s\n", &errs));
  assert_int_equal(errs.n, 1);
  otlpd_errors_free(&errs);
  assert_null(parse("? [a]\n: b\n", &errs));
  assert_true(fake_has_error(&errs, "t.yaml:1: a map key must be a scalar"));
  otlpd_errors_free(&errs);
  assert_null(parse("a: 1\n---\nb: 2\n", &errs));
  assert_int_equal(errs.n, 1);
  otlpd_errors_free(&errs);
}

/* "Billion laughs": exponential alias expansion must fail, not eat memory. */
static void test_alias_bomb_is_refused(void **state) {
  otlpd_errors errs = {0};
  otlpd_node *n = parse("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                        "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
                        &errs);
  assert_null(n);
  assert_int_equal(errs.n, 1);
  otlpd_errors_free(&errs);
}

static void test_deep_nesting_is_refused(void **state) {
  char text[1024];
  size_t i = 0;
  for (; i < 200; i++)
    text[i] = '[';
  text[i] = '\0';
  otlpd_errors errs = {0};
  assert_null(parse(text, &errs));
  assert_true(errs.n >= 1);
  otlpd_errors_free(&errs);
}

static void test_errors_print_format(void **state) {
  otlpd_errors errs = {0};
  otlpd_errorf(&errs, "first %d", 1);
  otlpd_errorf(&errs, "second");
  char buf[128] = {0};
  FILE *f = fmemopen(buf, sizeof(buf), "w");
  otlpd_errors_print(&errs, f);
  fclose(f);
  assert_string_equal(buf, "error: first 1\nerror: second\n");
  otlpd_errors_free(&errs);
  assert_int_equal(errs.n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_maps_keep_order_and_lines),
      cmocka_unit_test(test_nulls_and_quotes),
      cmocka_unit_test(test_empty_document_is_null),
      cmocka_unit_test(test_anchors_aliases_and_merge_keys),
      cmocka_unit_test(test_duplicate_keys_name_the_path),
      cmocka_unit_test(test_syntax_error_has_position),
      cmocka_unit_test(test_bad_aliases),
      cmocka_unit_test(test_alias_bomb_is_refused),
      cmocka_unit_test(test_deep_nesting_is_refused),
      cmocka_unit_test(test_errors_print_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
