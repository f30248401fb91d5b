/* The settings engine over fake tables covering every setting type. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the standard headers above */
#include <cmocka.h>

#include "test_config_fakes.h"

static otlpd_node *parse(const char *text) {
  otlpd_errors errs = {0};
  otlpd_node *n = otlpd_yaml_parse(text, strlen(text), "t", &errs);
  assert_non_null(n);
  return n;
}

/* Apply text to a fresh file config; returns the apply result. */
static int apply_file(const char *text, fake_file_cfg *c, otlpd_errors *errs) {
  otlpd_node *n = parse(text);
  otlpd_settings_defaults(fake_file_settings, c);
  int rc = otlpd_settings_apply(fake_file_settings, c, n, "exporters::file/x", errs);
  otlpd_node_free(n);
  return rc;
}

static void test_defaults(void **state) {
  fake_file_cfg c;
  memset(&c, 0xab, sizeof(c)); /* defaults must not rely on zeroed memory */
  otlpd_settings_defaults(fake_file_settings, &c);
  assert_null(c.path);
  assert_int_equal(c.format, 0);
  assert_false(c.rotation_on);
  assert_int_equal(c.rotation.max_megabytes, 100);
  assert_int_equal(c.rotation.max_backups, 100);
  assert_false(c.rotation.localtime);
  assert_int_equal(c.flush_interval_ns, OTLPD_NS_PER_SEC);
  assert_int_equal(c.max_size, 10 << 20);
  assert_int_equal(c.headers.n, 0);
  assert_true(c.ratio == 0.5);
  assert_false(c.append);
  assert_int_equal(c.tags.n, 2);
  assert_string_equal(c.tags.v[0], "a");
  assert_string_equal(c.tags.v[1], "b");
  assert_null(c.endpoint);
  otlpd_settings_free(fake_file_settings, &c);
  assert_int_equal(c.tags.n, 0);

  fake_otlp_cfg o;
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_false(o.protocols.grpc_on);
  assert_false(o.protocols.http_on);
  assert_string_equal(o.protocols.grpc.endpoint, "0.0.0.0:4317");
  assert_string_equal(o.protocols.http.endpoint, "0.0.0.0:4318");
  assert_string_equal(o.protocols.http.traces_url_path, "/v1/traces");
  otlpd_settings_free(fake_otlp_settings, &o);
}

static void test_apply_every_type(void **state) {
  fake_file_cfg c;
  otlpd_errors errs = {0};
  int rc = apply_file("path: /tmp/x.json\n"
                      "format: PROTO\n"
                      "rotation:\n  max_megabytes: 0x20\n  localtime: true\n"
                      "flush_interval: 1m30s\n"
                      "max_size: 512KB\n"
                      "headers:\n  X-A: one\n  X-B: 2\n  X-C:\n"
                      "ratio: 0.25\n"
                      "append: True\n"
                      "tags: solo\n"
                      "endpoint: \"[::1]:9000\"\n"
                      "group_by: {anything: [goes, here]}\n",
                      &c, &errs);
  assert_int_equal(rc, 0);
  assert_int_equal(errs.n, 0);
  assert_string_equal(c.path, "/tmp/x.json");
  assert_int_equal(c.format, 1);
  assert_true(c.rotation_on);
  assert_int_equal(c.rotation.max_megabytes, 32);
  assert_int_equal(c.rotation.max_backups, 100); /* default kept inside the section */
  assert_true(c.rotation.localtime);
  assert_int_equal(c.flush_interval_ns, 90 * OTLPD_NS_PER_SEC);
  assert_int_equal(c.max_size, 512000);
  assert_int_equal(c.headers.n, 3);
  assert_string_equal(c.headers.keys[1], "X-B");
  assert_string_equal(c.headers.values[1], "2");
  assert_string_equal(c.headers.values[2], "");
  assert_true(c.ratio == 0.25);
  assert_true(c.append);
  assert_int_equal(c.tags.n, 1); /* a scalar is a one-item list, replacing the default */
  assert_string_equal(c.tags.v[0], "solo");
  assert_string_equal(c.endpoint, "[::1]:9000");
  /* group_by is accepted without effect: a warning, not an error */
  assert_int_equal(errs.nw, 1);
  otlpd_errors_free(&errs);
  otlpd_settings_free(fake_file_settings, &c);
}

static void test_null_keeps_defaults_and_marks_sections_present(void **state) {
  fake_file_cfg c;
  otlpd_errors errs = {0};
  assert_int_equal(apply_file("path:\nrotation:\ntags: []\n", &c, &errs), 0);
  assert_null(c.path);
  assert_true(c.rotation_on);
  assert_int_equal(c.rotation.max_megabytes, 100);
  assert_int_equal(c.tags.n, 0);
  otlpd_settings_free(fake_file_settings, &c);

  fake_otlp_cfg o;
  otlpd_node *n = parse("protocols:\n  http:\n");
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, n, "receivers::otlp", &errs), 0);
  assert_true(o.protocols.http_on);
  assert_false(o.protocols.grpc_on);
  assert_string_equal(o.protocols.http.endpoint, "0.0.0.0:4318");
  otlpd_settings_free(fake_otlp_settings, &o);
  otlpd_node_free(n);

  /* a null node applies nothing */
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, NULL, "receivers::otlp", &errs), 0);
  otlpd_settings_free(fake_otlp_settings, &o);
}

static void test_unknown_key(void **state) {
  fake_otlp_cfg o;
  otlpd_errors errs = {0};
  otlpd_node *n = parse("protocols:\n  grpc:\n    endpoint: :4317\n    max_recv_msg: 4\n");
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, n, "receivers::otlp", &errs),
                   -EINVAL);
  assert_int_equal(errs.n, 1);
  assert_string_equal(errs.msgs[0], "receivers::otlp::protocols::grpc::max_recv_msg: unknown key");
  assert_string_equal(o.protocols.grpc.endpoint, ":4317");
  otlpd_settings_free(fake_otlp_settings, &o);
  otlpd_node_free(n);
  otlpd_errors_free(&errs);
}

/* ",squash": a shared table's keys at the component's own level, with the
 * component's own row overriding a shared key's default. */
typedef struct shared_cfg {
  int64_t timeout;
  char *endpoint;
  struct { bool enabled; int64_t size; } queue;
} shared_cfg;
static const otlpd_setting shared_queue_tbl[] = {
    OTLPD_S_BOOL(shared_cfg, "enabled", queue.enabled, "true", "on"),
    OTLPD_S_INT(shared_cfg, "size", queue.size, "1000", 1, 1e6, "requests"),
    OTLPD_S_END,
};
static const otlpd_setting shared_tbl[] = {
    OTLPD_S_DURATION(shared_cfg, "timeout", timeout, "5s", "per attempt"),
    OTLPD_S_STRING(shared_cfg, "endpoint", endpoint, NULL, "URL"),
    {"queue", OTLPD_SET_SECTION, 0, NULL, "queue", shared_queue_tbl, NULL, 0, 0, OTLPD_NO_OFFSET, 0},
    OTLPD_S_END,
};
typedef struct squash_cfg {
  char *encoding;
  shared_cfg shared;
} squash_cfg;
static const otlpd_setting squash_tbl[] = {
    OTLPD_S_DURATION(squash_cfg, "timeout", shared.timeout, "30s", "this component waits longer"),
    OTLPD_S_STRING(squash_cfg, "encoding", encoding, "proto", "proto or json"),
    OTLPD_S_SQUASH(squash_cfg, shared, shared_tbl),
    OTLPD_S_END,
};

/* An own row that overrides a shared string key's default replaces the
 * shared default without leaking it (LeakSanitizer checks in the ASan run). */
typedef struct shared_str_cfg {
  char *compression;
} shared_str_cfg;
static const otlpd_setting shared_str_tbl[] = {
    OTLPD_S_STRING(shared_str_cfg, "compression", compression, "gzip", "body compression"),
    OTLPD_S_END,
};
typedef struct str_override_cfg {
  shared_str_cfg shared;
} str_override_cfg;
static const otlpd_setting str_override_tbl[] = {
    OTLPD_S_STRING(str_override_cfg, "compression", shared.compression, "none", "this component's default"),
    OTLPD_S_SQUASH(str_override_cfg, shared, shared_str_tbl),
    OTLPD_S_END,
};

static void test_squash_string_override(void **state) {
  (void)state;
  str_override_cfg c;
  memset(&c, 0xab, sizeof(c));
  otlpd_settings_defaults(str_override_tbl, &c);
  assert_string_equal(c.shared.compression, "none");
  otlpd_settings_free(str_override_tbl, &c);
}

static void test_squash(void **state) {
  squash_cfg c;
  memset(&c, 0xab, sizeof(c));
  otlpd_settings_defaults(squash_tbl, &c);
  assert_int_equal(c.shared.timeout, 30 * OTLPD_NS_PER_SEC); /* the override's default */
  assert_true(c.shared.queue.enabled);
  assert_int_equal(c.shared.queue.size, 1000);
  assert_string_equal(c.encoding, "proto");
  otlpd_errors errs = {0};
  otlpd_node *n = parse("endpoint: http://x\nencoding: json\ntimeout: 2s\nqueue:\n  size: 0\nbogus: 1\n");
  assert_int_equal(otlpd_settings_apply(squash_tbl, &c, n, "exporters::x", &errs), -EINVAL);
  assert_int_equal(errs.n, 2);
  assert_true(strstr(errs.msgs[0], "exporters::x::queue::size") != NULL);
  assert_string_equal(errs.msgs[1], "exporters::x::bogus: unknown key");
  assert_string_equal(c.shared.endpoint, "http://x");
  assert_string_equal(c.encoding, "json");
  assert_int_equal(c.shared.timeout, 2 * OTLPD_NS_PER_SEC);
  otlpd_settings_free(squash_tbl, &c);
  assert_null(c.shared.endpoint);
  /* the listing shows the shared keys at this level, the override once */
  char *text = NULL;
  size_t len = 0;
  FILE *mf = open_memstream(&text, &len);
  otlpd_settings_print(mf, squash_tbl, 0);
  fclose(mf);
  assert_non_null(strstr(text, "timeout (duration, default 30s)"));
  assert_null(strstr(text, "default 5s"));
  assert_non_null(strstr(text, "\nendpoint (string)"));
  assert_non_null(strstr(text, "\nqueue (section)"));
  free(text);
  otlpd_node_free(n);
  otlpd_errors_free(&errs);
}

static void test_type_errors(void **state) {
  fake_file_cfg c;
  otlpd_errors errs = {0};
  int rc = apply_file("rotation:\n  max_megabytes: abc\n  localtime: yes\n"
                      "flush_interval: 5\n" /* valid: nanoseconds */
                      "max_size: 5XB\n"
                      "ratio: lots\n"
                      "path: [a]\n"
                      "tags: {a: b}\n"
                      "headers: [x]\n"
                      "endpoint: nohost\n"
                      "format: xml\n"
                      "append: {}\n",
                      &c, &errs);
  assert_int_equal(rc, -EINVAL);
  const char *want[] = {
      "exporters::file/x::rotation::max_megabytes: expected integer, got \"abc\"",
      "exporters::file/x::rotation::localtime: expected boolean, got \"yes\"",
      ("exporters::file/x::max_size: expected size, got \"5XB\" (bytes, or with B, KB, MB, GB, "
       "KiB, MiB, GiB)"),
      "exporters::file/x::ratio: expected number, got \"lots\"",
      "exporters::file/x::path: expected string, got a sequence",
      "exporters::file/x::tags: expected list of strings, got a map",
      "exporters::file/x::headers: expected map of strings, got a sequence",
      "exporters::file/x::endpoint: invalid endpoint \"nohost\": missing \":port\"",
      "exporters::file/x::format: invalid value \"xml\" (expected one of: json, proto)",
      "exporters::file/x::append: expected boolean, got a map",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
    assert_true(fake_has_error(&errs, want[i]));
  assert_int_equal(errs.n, sizeof(want) / sizeof(want[0]));
  assert_int_equal(c.flush_interval_ns, 5);
  otlpd_settings_free(fake_file_settings, &c);
  otlpd_errors_free(&errs);
}

static void test_bounds_and_nested_errors(void **state) {
  fake_file_cfg c;
  otlpd_errors errs = {0};
  int rc = apply_file("rotation:\n  max_megabytes: 10001\n"
                      "ratio: 1.5\n"
                      "flush_interval: -1s\n"
                      "tags: [ok, [nested]]\n"
                      "headers:\n  X-A: {b: c}\n",
                      &c, &errs);
  assert_int_equal(rc, -EINVAL);
  const char *want[] = {
      "exporters::file/x::rotation::max_megabytes: must be between 1 and 10000, got \"10001\"",
      "exporters::file/x::ratio: must be between 0 and 1, got \"1.5\"",
      "exporters::file/x::flush_interval: expected duration, got \"-1s\" (like 200ms, 5s, 1m30s)",
      "exporters::file/x::tags: item 2: expected string, got a sequence",
      "exporters::file/x::headers::X-A: expected string, got a map",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
    assert_true(fake_has_error(&errs, want[i]));
  assert_int_equal(errs.n, sizeof(want) / sizeof(want[0]));
  /* failed values leave the defaults in place */
  assert_int_equal(c.rotation.max_megabytes, 100);
  assert_int_equal(c.tags.n, 2);
  otlpd_settings_free(fake_file_settings, &c);
  otlpd_errors_free(&errs);
}

static void test_section_must_be_a_map(void **state) {
  fake_otlp_cfg o;
  otlpd_errors errs = {0};
  otlpd_node *n = parse("protocols:\n  grpc: yes\n  http: [a]\n");
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, n, "receivers::otlp", &errs),
                   -EINVAL);
  assert_true(
      fake_has_error(&errs, "receivers::otlp::protocols::grpc: expected a map, got \"yes\""));
  assert_true(
      fake_has_error(&errs, "receivers::otlp::protocols::http: expected a map, got a sequence"));
  assert_int_equal(errs.n, 2);
  otlpd_settings_free(fake_otlp_settings, &o);
  otlpd_node_free(n);
  otlpd_errors_free(&errs);

  otlpd_node *s = parse("just a string");
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, s, "receivers::otlp", &errs),
                   -EINVAL);
  assert_true(fake_has_error(&errs, "receivers::otlp: expected a map, got \"just a string\""));
  otlpd_settings_free(fake_otlp_settings, &o);
  otlpd_node_free(s);
  otlpd_errors_free(&errs);
}

static void test_replacing_strings_frees_old_values(void **state) {
  /* run under ASan/valgrind this catches leaks of replaced defaults */
  fake_otlp_cfg o;
  otlpd_errors errs = {0};
  otlpd_node *n =
      parse("protocols:\n  http:\n    endpoint: localhost:1\n    cors:\n      allowed_origins:"
            " [\"https://*.example.com\", http://a]\n");
  otlpd_settings_defaults(fake_otlp_settings, &o);
  assert_int_equal(otlpd_settings_apply(fake_otlp_settings, &o, n, "r", &errs), 0);
  assert_string_equal(o.protocols.http.endpoint, "localhost:1");
  assert_int_equal(o.protocols.http.cors.allowed_origins.n, 2);
  assert_string_equal(o.protocols.http.cors.allowed_origins.v[0], "https://*.example.com");
  otlpd_settings_free(fake_otlp_settings, &o);
  assert_null(o.protocols.http.endpoint);
  otlpd_node_free(n);
}

static void test_print_listing(void **state) {
  char buf[4096] = {0};
  FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
  otlpd_settings_print(f, fake_file_settings, 2);
  fclose(f);
  assert_non_null(strstr(buf, "  path (string): output file\n"));
  assert_non_null(strstr(buf, "  format (enum json|proto, default json): encoding\n"));
  assert_non_null(strstr(buf, "  rotation (section): rotation\n"
                              "    max_megabytes (int, 1..10000, default 100): rotate size\n"));
  assert_non_null(strstr(buf, "  max_size (size, default 10MiB): size cap\n"));
  assert_non_null(strstr(buf, "  group_by (ignored): accepted, unused\n"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_apply_every_type),
      cmocka_unit_test(test_null_keeps_defaults_and_marks_sections_present),
      cmocka_unit_test(test_unknown_key),
      cmocka_unit_test(test_squash),
      cmocka_unit_test(test_squash_string_override),
      cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_bounds_and_nested_errors),
      cmocka_unit_test(test_section_must_be_a_map),
      cmocka_unit_test(test_replacing_strings_frees_old_values),
      cmocka_unit_test(test_print_listing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
