/* filelog operators: what each makes of an entry, as a user reads it in
 * the exported record (body, attributes, resource, time, severity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "filelog_fixture.h"

#define POD_PATH "/var/log/pods/default_web-7d9f_0f1e2d3c-aaaa-bbbb/nginx/3.log"

typedef struct fx {
  filelog_cfg *cfg;
  fl_ops ops;
  otlpd_arena *a;
  fl_kvs res;
  fl_entry v[16];
  size_t n;
  fl_opctx c;
} fx;

static void fx_init(fx *f, const char *yaml) {
  memset(f, 0, sizeof(*f));
  otlpd_errors errs = {0};
  f->cfg = fl_test_cfg(yaml, &errs);
  if (!f->cfg) otlpd_errors_print(&errs, stderr);
  assert_non_null(f->cfg);
  otlpd_errors_free(&errs);
  char why[256];
  assert_int_equal(fl_ops_build(f->cfg, &f->ops, why, sizeof(why)), 0);
  f->a = otlpd_arena_new(0);
  f->c = (fl_opctx){.arena = f->a, .path = POD_PATH, .hold_from = UINT64_MAX, .max_log_size = 1 << 20};
}

static void fx_free(fx *f) {
  fl_ops_free(&f->ops);
  otlpd_arena_free(f->a);
  fl_test_cfg_free(f->cfg);
}

/* An entry as the reader makes it: body = the line, offsets [start, end). */
static void add_line(fx *f, const char *line, uint64_t start) {
  fl_entry *e = &f->v[f->n++];
  memset(e, 0, sizeof(*e));
  e->body = fl_str_value(f->a, line, strlen(line));
  e->res = &f->res;
  e->start = start;
  e->end = start + strlen(line) + 1;
}

static void run(fx *f) { fl_ops_run(&f->ops, &f->c, f->v, &f->n); }

static const otlp_any_value *get(const fl_entry *e, const char *path) {
  fl_field fd;
  assert_int_equal(fl_field_parse(path, &fd), 0);
  const otlp_any_value *v = fl_field_get(e, &fd);
  fl_field_free(&fd);
  return v;
}

static const char *gets(const fl_entry *e, const char *path) { return fl_value_str(get(e, path)); }

static void cri_full_and_partial(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n  - type: container\n");
  add_line(&f, "2024-05-06T07:08:09.123456789Z stdout F hello", 0);
  add_line(&f, "2024-05-06T07:08:10Z stderr P first ", 100);
  add_line(&f, "2024-05-06T07:08:11Z stderr P second ", 200);
  add_line(&f, "2024-05-06T07:08:12Z stderr F third", 300);
  run(&f);
  assert_int_equal(f.n, 2);
  assert_string_equal(gets(&f.v[0], "body"), "hello");
  assert_string_equal(gets(&f.v[0], "attributes[\"log.iostream\"]"), "stdout");
  assert_true(f.v[0].time_ns == 1714979289123456789ull);
  assert_string_equal(gets(&f.v[1], "body"), "first second third");
  assert_string_equal(gets(&f.v[1], "attributes[\"log.iostream\"]"), "stderr");
  assert_true(f.v[1].time_ns == 1714979290000000000ull); /* the first piece's time */
  assert_int_equal(f.v[1].start, 100);
  /* path metadata on the resource */
  assert_string_equal(gets(&f.v[0], "resource[\"k8s.namespace.name\"]"), "default");
  assert_string_equal(gets(&f.v[0], "resource[\"k8s.pod.name\"]"), "web-7d9f");
  assert_string_equal(gets(&f.v[0], "resource[\"k8s.pod.uid\"]"), "0f1e2d3c-aaaa-bbbb");
  assert_string_equal(gets(&f.v[0], "resource[\"k8s.container.name\"]"), "nginx");
  assert_string_equal(gets(&f.v[1], "resource[\"k8s.container.restart_count\"]"), "3");
  assert_ptr_equal(f.v[0].res, f.v[1].res); /* one resource for the file's records */
  fx_free(&f);
}

static void cri_partial_at_end_is_held(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n  - type: container\n");
  add_line(&f, "2024-05-06T07:08:09Z stdout F done", 0);
  add_line(&f, "2024-05-06T07:08:10Z stdout P open", 50);
  run(&f);
  assert_int_equal(f.n, 1);
  assert_int_equal(f.c.hold_from, 50); /* re-read from the P line */
  /* once the file went quiet (flush), the open join is emitted */
  f.n = 0;
  f.c.hold_from = UINT64_MAX;
  f.c.flush = true;
  add_line(&f, "2024-05-06T07:08:10Z stdout P open", 50);
  run(&f);
  assert_int_equal(f.n, 1);
  assert_string_equal(gets(&f.v[0], "body"), "open");
  assert_true(f.c.hold_from == UINT64_MAX);
  fx_free(&f);
}

static void docker_json(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n  - type: container\n");
  add_line(&f, "{\"log\":\"a \\\"quoted\\\" line\\n\",\"stream\":\"stderr\",\"time\":\"2024-05-06T07:08:09.5Z\"}", 0);
  add_line(&f, "{\"log\":\"split \",\"stream\":\"stdout\",\"time\":\"2024-05-06T07:08:10Z\"}", 100);
  add_line(&f, "{\"log\":\"line\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-06T07:08:10Z\"}", 200);
  run(&f);
  assert_int_equal(f.n, 2);
  assert_string_equal(gets(&f.v[0], "body"), "a \"quoted\" line");
  assert_string_equal(gets(&f.v[0], "attributes[\"log.iostream\"]"), "stderr");
  assert_true(f.v[0].time_ns == 1714979289500000000ull);
  assert_string_equal(gets(&f.v[1], "body"), "split line");
  fx_free(&f);
}

static void container_errors_and_no_metadata(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n  - type: container\n    format: containerd\n"
              "    add_metadata_from_filepath: false\n    on_error: drop\n");
  add_line(&f, "not a cri line", 0);
  add_line(&f, "2024-05-06T07:08:09Z stdout F ok", 20);
  run(&f);
  assert_int_equal(f.n, 1);
  assert_string_equal(gets(&f.v[0], "body"), "ok");
  assert_null(get(&f.v[0], "resource[\"k8s.pod.name\"]"));
  fx_free(&f);
}

static void k8s_path(void **st) {
  (void)st;
  fl_k8s_path k;
  assert_true(fl_k8s_path_parse("/var/log/pods/kube-system_coredns-5d78c9869d-abcde_9e8f-01/coredns/12.log", &k));
  assert_int_equal(k.ns_len, strlen("kube-system"));
  assert_memory_equal(k.pod, "coredns-5d78c9869d-abcde", k.pod_len);
  assert_memory_equal(k.uid, "9e8f-01", k.uid_len);
  assert_memory_equal(k.container, "coredns", k.container_len);
  assert_memory_equal(k.restart, "12", k.restart_len);
  assert_false(fl_k8s_path_parse("/var/log/syslog", &k));
  assert_false(fl_k8s_path_parse("/var/log/pods/nounderscore/c/0.log", &k));
  assert_false(fl_k8s_path_parse("/var/log/pods/a_b_c/c/x.log", &k));
}

static void json_and_regex_parsers(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n"
              "  - type: json_parser\n    timestamp: {parse_from: attributes.ts, layout_type: epoch, layout: ms}\n"
              "    severity: {parse_from: attributes.level}\n"
              "  - type: regex_parser\n    parse_from: attributes.msg\n    parse_to: attributes.http\n"
              "    regex: '^(?P<method>[A-Z]+) (?P<path>\\S+)(?: (?P<code>\\d+))?$'\n");
  add_line(&f, "{\"msg\":\"GET /index.html\",\"ts\":1714979289123,\"level\":\"WARN\",\"n\":{\"x\":[1,2.5,true,null]}}", 0);
  run(&f);
  assert_int_equal(f.n, 1);
  fl_entry *e = &f.v[0];
  assert_true(e->time_ns == 1714979289123000000ull);
  assert_int_equal(e->severity, 13);
  assert_string_equal(e->severity_text, "WARN");
  assert_string_equal(gets(e, "attributes.http.method"), "GET");
  assert_string_equal(gets(e, "attributes.http.path"), "/index.html");
  assert_null(get(e, "attributes.http.code")); /* did not take part */
  const otlp_any_value *arr = get(e, "attributes.n.x");
  assert_non_null(arr);
  assert_int_equal(arr->array_value->n_values, 4);
  assert_int_equal(arr->array_value->values[0]->int_value, 1);
  fx_free(&f);
}

static void parser_error_send_keeps_entry(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n  - type: json_parser\n");
  add_line(&f, "{not json", 0);
  run(&f);
  assert_int_equal(f.n, 1);
  assert_string_equal(gets(&f.v[0], "body"), "{not json");
  fx_free(&f);
}

static void move_add_remove(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n"
              "  - type: json_parser\n    parse_to: body\n"
              "  - {type: move, from: body.message, to: attributes.msg}\n"
              "  - {type: add, field: resource.team, value: payments}\n"
              "  - {type: add, field: attributes.n, value: 42}\n"
              "  - {type: remove, field: body.secret}\n");
  add_line(&f, "{\"message\":\"hi\",\"secret\":\"s\",\"keep\":\"k\"}", 0);
  add_line(&f, "{\"message\":\"two\"}", 100);
  run(&f);
  assert_int_equal(f.n, 2);
  assert_string_equal(gets(&f.v[0], "attributes.msg"), "hi");
  assert_null(get(&f.v[0], "body.message"));
  assert_null(get(&f.v[0], "body.secret"));
  assert_string_equal(gets(&f.v[0], "body.keep"), "k");
  assert_string_equal(gets(&f.v[0], "resource.team"), "payments");
  assert_int_equal(get(&f.v[0], "attributes.n")->int_value, 42);
  assert_int_equal(f.res.n, 0); /* the shared resource was not written through */
  assert_string_equal(gets(&f.v[1], "attributes.msg"), "two");
  fx_free(&f);
}

static void severity_and_time_parsers(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "include: [x]\noperators:\n"
              "  - type: regex_parser\n    regex: '^(?P<t>\\S+ \\S+) (?P<lvl>\\w+) (?P<m>.*)$'\n"
              "  - type: time_parser\n    parse_from: attributes.t\n    layout: '%Y-%m-%d %H:%M:%S.%L'\n"
              "  - type: severity_parser\n    parse_from: attributes.lvl\n    mapping: {error: oops}\n"
              "  - type: time_parser\n    parse_from: attributes.t\n    layout_type: gotime\n"
              "    layout: '2006-01-02 15:04:05.000'\n");
  add_line(&f, "2024-05-06 07:08:09.250 oops disk full", 0);
  run(&f);
  assert_int_equal(f.n, 1);
  assert_true(f.v[0].time_ns == 1714979289250000000ull);
  assert_int_equal(f.v[0].severity, 17);
  assert_string_equal(gets(&f.v[0], "attributes.m"), "disk full");
  fx_free(&f);
}

static void config_errors(void **st) {
  (void)st;
  otlpd_errors errs = {0};
  assert_null(fl_test_cfg("include: [x]\noperators:\n  - type: nosuch_parser\n", &errs));
  assert_true(errs.n > 0);
  assert_non_null(strstr(errs.msgs[0], "nosuch_parser"));
  otlpd_errors_free(&errs);
  memset(&errs, 0, sizeof(errs));
  assert_null(fl_test_cfg("include: [x]\noperators:\n  - type: regex_parser\n    regex: '(?P<a>'\n", &errs));
  otlpd_errors_free(&errs);
  memset(&errs, 0, sizeof(errs));
  assert_null(fl_test_cfg("start_at: end\n", &errs)); /* include is required */
  otlpd_errors_free(&errs);
  memset(&errs, 0, sizeof(errs));
  assert_null(fl_test_cfg("include: [x]\nmultiline: {line_start_pattern: 'a', line_end_pattern: 'b'}\n", &errs));
  otlpd_errors_free(&errs);
}

static void json_text(void **st) {
  (void)st;
  otlpd_arena *a = otlpd_arena_new(0);
  const char *s = "{\"u\":\"\\u00e9\\ud83d\\ude00\",\"neg\":-3,\"d\":1e3,\"e\":{}}";
  size_t end;
  otlp_any_value *v = fl_json_parse(a, s, strlen(s), &end);
  assert_non_null(v);
  assert_int_equal(end, strlen(s));
  assert_string_equal(v->kvlist_value->values[0]->value->string_value, "\xc3\xa9\xf0\x9f\x98\x80");
  assert_int_equal(v->kvlist_value->values[1]->value->int_value, -3);
  assert_true(v->kvlist_value->values[2]->value->double_value == 1000.0);
  assert_null(fl_json_parse(a, "{\"a\":", 5, NULL));
  otlpd_arena_free(a);
}

static void rfc3339_times(void **st) {
  (void)st;
  uint64_t ns = 0;
  const char *a = "2024-05-06T07:08:09.123456789Z";
  assert_int_equal(fl_parse_rfc3339(a, strlen(a), &ns), 0);
  assert_int_equal(ns, 1714979289ull * 1000000000ull + 123456789ull);
  const char *leap = "2024-02-29T23:59:59Z"; /* the leap day, no fraction */
  assert_int_equal(fl_parse_rfc3339(leap, strlen(leap), &ns), 0);
  assert_int_equal(ns, 1709251199ull * 1000000000ull);
  const char *off = "2000-01-01T00:00:00.5+02:00"; /* = 1999-12-31T22:00:00.5Z */
  assert_int_equal(fl_parse_rfc3339(off, strlen(off), &ns), 0);
  assert_int_equal(ns, 946677600ull * 1000000000ull + 500000000ull);
  const char *bad = "2024-13-06T07:08:09Z";
  assert_int_equal(fl_parse_rfc3339(bad, strlen(bad), &ns), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rfc3339_times),
      cmocka_unit_test(cri_full_and_partial),
      cmocka_unit_test(cri_partial_at_end_is_held),
      cmocka_unit_test(docker_json),
      cmocka_unit_test(container_errors_and_no_metadata),
      cmocka_unit_test(k8s_path),
      cmocka_unit_test(json_and_regex_parsers),
      cmocka_unit_test(parser_error_send_keeps_entry),
      cmocka_unit_test(move_add_remove),
      cmocka_unit_test(severity_and_time_parsers),
      cmocka_unit_test(config_errors),
      cmocka_unit_test(json_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
