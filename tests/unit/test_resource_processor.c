/* resource processor: every action on all three signals, the batch it was
 * given left as it was, and otelcol's config rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edit_fixtures.h"
#include "otlpd/config.h"
#include "processors/resource/resource_processor.h"

extern const otlpd_factory otlpd_processor_resource;

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

/* Downstream: keeps the last batch it was given. */
typedef struct capture {
  otlpd_consumer base;
  otlpd_batch *got;
} capture;

static int capture_consume(otlpd_consumer *self, otlpd_batch *b) {
  capture *c = (capture *)self;
  otlpd_batch_unref(c->got);
  otlpd_batch_ref(b);
  c->got = b;
  return OTLPD_OK;
}

/* Parse, default and validate a config; NULL with errs filled if invalid. */
static void *load(const char *yaml, otlpd_errors *errs) {
  const otlpd_factory *f = &otlpd_processor_resource;
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, f->config_size);
  otlpd_settings_defaults(f->settings, cfg);
  int rc = otlpd_settings_apply(f->settings, cfg, n, "processors::resource", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = f->validate(cfg, "processors::resource", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(f->settings, cfg);
  free(cfg);
  return NULL;
}

typedef struct proc {
  void *cfg, *state;
  capture down;
  otlpd_counters counters;
  otlpd_host host;
  otlpd_consumer *in;
} proc;

static void proc_start(proc *p, const char *yaml, otlpd_signal s) {
  otlpd_errors errs = {0};
  memset(p, 0, sizeof(*p));
  p->cfg = load(yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.msgs[i]);
  assert_non_null(p->cfg);
  p->down.base.consume = capture_consume;
  p->host.counters = &p->counters;
  p->host.mutates_data = otlpd_processor_resource.mutates_data;
  p->host.id = "resource";
  otlpd_create_params cp = {.host = &p->host, .config = p->cfg, .signal = s};
  cp.next[s] = &p->down.base;
  assert_int_equal(otlpd_processor_resource.create(&cp, &p->state), 0);
  p->in = otlpd_processor_resource.consumer(p->state);
}

static void proc_stop(proc *p) {
  otlpd_batch_unref(p->down.got);
  otlpd_processor_resource.destroy(p->state);
  otlpd_settings_free(otlpd_processor_resource.settings, p->cfg);
  free(p->cfg);
}

#define ATTRS                                                                            \
  "{\"resource\":{\"attributes\":["                                                      \
  "{\"key\":\"a\",\"value\":{\"stringValue\":\"1\"}},"                                   \
  "{\"key\":\"s\",\"value\":{\"stringValue\":\"text\"}},"                                \
  "{\"key\":\"b\",\"value\":{\"boolValue\":true}},"                                      \
  "{\"key\":\"h\",\"value\":{\"stringValue\":\"abc\"}},"                                 \
  "{\"key\":\"hi\",\"value\":{\"intValue\":\"1\"}},"                                     \
  "{\"key\":\"n\",\"value\":{\"intValue\":\"5\"}},"                                      \
  "{\"key\":\"d\",\"value\":{\"doubleValue\":2.75}},"                                    \
  "{\"key\":\"ns\",\"value\":{\"stringValue\":\"42\"}},"                                 \
  "{\"key\":\"bad\",\"value\":{\"stringValue\":\"4x\"}}]},"

static const char *const requests[OTLPD_SIGNAL_COUNT] = {
    "{\"resourceSpans\":[" ATTRS "\"scopeSpans\":[{\"spans\":[{\"traceId\":"
    "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":\"x\"}]}]}]}",
    "{\"resourceMetrics\":[" ATTRS "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"g\",\"gauge\":"
    "{\"dataPoints\":[{\"asInt\":\"1\"},{\"asInt\":\"2\"}]}}]}]}]}",
    "{\"resourceLogs\":[" ATTRS "\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"hi\"}}]}]}]}",
};

static const char *ACTIONS = "attributes:\n"
                             "  - {key: a, value: new, action: insert}\n"      /* exists: kept */
                             "  - {key: fresh, value: v, action: INSERT}\n"    /* added */
                             "  - {key: missing, value: x, action: update}\n"  /* absent: nothing */
                             "  - {key: s, value: updated, action: update}\n"
                             "  - {key: u, value: 7, action: upsert}\n"        /* int, added */
                             "  - {key: a, value: up, action: upsert}\n"       /* replaced */
                             "  - {key: dd, value: 2.5, action: upsert}\n"
                             "  - {key: bb, value: false, action: upsert}\n"
                             "  - {key: b, action: delete}\n"
                             "  - {key: h, action: hash}\n"
                             "  - {key: hi, action: hash}\n"
                             "  - {key: n, action: convert, converted_type: string}\n"
                             "  - {key: d, action: convert, converted_type: int}\n"
                             "  - {key: ns, action: convert, converted_type: int}\n"
                             "  - {key: bad, action: convert, converted_type: int}\n" /* stays */
                             "  - {key: copy, from_attribute: s, action: insert}\n"
                             "  - {key: nocopy, from_attribute: nothere, action: upsert}\n";

static const otlp_any_value *val(const otlpd_batch *b, const char *key) {
  otlp_key_value *kv = ef_kv(b, 0, key);
  return kv ? kv->value : NULL;
}

static void assert_str(const otlpd_batch *b, const char *key, const char *want) {
  const otlp_any_value *v = val(b, key);
  assert_non_null(v);
  assert_int_equal(v->value_case, ANY(STRING_VALUE));
  assert_string_equal(v->string_value, want);
}

static void check_signal(otlpd_signal s) {
  proc p;
  proc_start(&p, ACTIONS, s);
  otlpd_memacct acct = {0};
  otlpd_payload *pl = ef_payload(s, requests[s], true, &acct);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got;
  assert_non_null(out);
  assert_ptr_not_equal(out, in);
  assert_int_equal(out->items, in->items);
  assert_null(out->raw[0].p);

  assert_str(out, "a", "up");
  assert_str(out, "fresh", "v");
  assert_null(val(out, "missing"));
  assert_str(out, "s", "updated");
  assert_int_equal(val(out, "u")->value_case, ANY(INT_VALUE));
  assert_int_equal(val(out, "u")->int_value, 7);
  assert_int_equal(val(out, "dd")->value_case, ANY(DOUBLE_VALUE));
  assert_true(val(out, "dd")->double_value == 2.5);
  assert_int_equal(val(out, "bb")->value_case, ANY(BOOL_VALUE));
  assert_false(val(out, "bb")->bool_value);
  assert_null(val(out, "b"));
  /* sha256("abc"); an int hashes its 8 little-endian bytes */
  assert_str(out, "h", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_str(out, "hi", "7c9fa136d4413fa6173637e883b6998d32e1d675f88cddff9dcbcf331820f4b8");
  assert_str(out, "n", "5");
  assert_int_equal(val(out, "d")->value_case, ANY(INT_VALUE));
  assert_int_equal(val(out, "d")->int_value, 2);
  assert_int_equal(val(out, "ns")->int_value, 42);
  assert_str(out, "bad", "4x");
  assert_str(out, "copy", "updated"); /* the value at that point of the list */
  assert_null(val(out, "nocopy"));

  /* the batch it was given (shared with any other pipeline) is untouched */
  assert_str(in, "a", "1");
  assert_str(in, "s", "text");
  assert_str(in, "h", "abc");
  assert_non_null(val(in, "b"));
  assert_null(val(in, "fresh"));
  assert_int_equal(val(in, "n")->value_case, ANY(INT_VALUE));
  assert_non_null(in->raw[0].p);
  /* and its protobuf output (client bytes) says the same as its JSON */
  otlpd_batch *back = ef_roundtrip_pb(in);
  assert_str(back, "a", "1");
  otlpd_batch_unref(back);
  back = ef_roundtrip_pb(out);
  assert_str(back, "a", "up");
  assert_str(back, "fresh", "v");
  otlpd_batch_unref(back);

  otlpd_batch_unref(in);
  proc_stop(&p);
  assert_int_equal(otlpd_memacct_used(&acct), 0);
}

static void test_traces(void **state) { (void)state; check_signal(OTLPD_TRACES); }
static void test_metrics(void **state) { (void)state; check_signal(OTLPD_METRICS); }
static void test_logs(void **state) { (void)state; check_signal(OTLPD_LOGS); }

/* Nothing to change: the batch goes on as it came, wire bytes and all. */
static void test_unchanged_passes_through(void **state) {
  (void)state;
  proc p;
  proc_start(&p,
             "attributes:\n  - {key: a, value: x, action: insert}\n"
             "  - {key: zz, action: delete}\n  - {key: s, action: convert, converted_type: string}\n"
             "  - {key: s, value: text, action: upsert}\n  - {key: n, value: 5, action: update}\n",
             OTLPD_LOGS);
  otlpd_payload *pl = ef_payload(OTLPD_LOGS, requests[OTLPD_LOGS], true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_ptr_equal(p.down.got, in);
  assert_non_null(in->raw[0].p);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

/* A resource without a Resource gets one. */
static void test_resource_absent(void **state) {
  (void)state;
  proc p;
  proc_start(&p, "attributes:\n  - {key: k, value: v, action: upsert}\n", OTLPD_TRACES);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES, "{\"resourceSpans\":[{\"scopeSpans\":[]}]}", false, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_str(p.down.got, "k", "v");
  assert_null(((otlp_resource_spans *)in->resources[0])->resource);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

/* extract writes every named group from a matching string only; delete
 * and hash by key pattern; from_context reads the client the payload
 * came from (a hand-made otlpd_client_info, as receivers fill it). */
static void test_extract_pattern_context(void **state) {
  (void)state;
  static const char *const keys[] = {"x-tenant", "x-tenant", "x-other"};
  static const char *const values[] = {"acme", "beta", "o"};
  otlpd_client_info ci = {.addr = "10.1.2.3", .auth_subject = "alice", .keys = keys, .values = values,
                          .nmeta = 3};
  proc p;
  proc_start(&p,
             "attributes:\n"
             "  - {key: url, pattern: \"^(?P<scheme>[a-z]+)://(?P<host>[^/:]+)(?::(?P<port>[0-9]+))?\", action: extract}\n"
             "  - {key: n, pattern: \"^(?P<never>.*)$\", action: extract}\n" /* an int: nothing */
             "  - {key: nomatch, pattern: \"^(?P<never2>[0-9]+)$\", action: extract}\n"
             "  - {pattern: \"^secret\\\\.\", action: delete}\n"
             "  - {key: s, pattern: \"^pii\\\\.\", action: hash}\n"
             "  - {key: client, from_context: client.address, action: insert}\n"
             "  - {key: tenant, from_context: metadata.X-Tenant, action: upsert}\n"
             "  - {key: tenant2, from_context: x-other, action: upsert}\n"
             "  - {key: who, from_context: auth.subject, action: upsert}\n"
             "  - {key: who2, from_context: auth.username, action: upsert}\n"
             "  - {key: absent, from_context: metadata.nope, action: upsert}\n"
             "  - {key: absent2, from_context: auth.groups, action: upsert}\n",
             OTLPD_TRACES);
  otlpd_payload *pl = ef_payload(OTLPD_TRACES,
                                 "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
                                 "{\"key\":\"url\",\"value\":{\"stringValue\":\"https://example.com/x\"}},"
                                 "{\"key\":\"n\",\"value\":{\"intValue\":\"3\"}},"
                                 "{\"key\":\"nomatch\",\"value\":{\"stringValue\":\"abc\"}},"
                                 "{\"key\":\"secret.a\",\"value\":{\"stringValue\":\"1\"}},"
                                 "{\"key\":\"secretb\",\"value\":{\"stringValue\":\"2\"}},"
                                 "{\"key\":\"secret.c\",\"value\":{\"stringValue\":\"3\"}},"
                                 "{\"key\":\"s\",\"value\":{\"stringValue\":\"abc\"}},"
                                 "{\"key\":\"pii.mail\",\"value\":{\"stringValue\":\"abc\"}}]},"
                                 "\"scopeSpans\":[]}]}",
                                 true, NULL);
  pl->client = &ci;
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got;
  assert_ptr_not_equal(out, in);
  assert_str(out, "scheme", "https");
  assert_str(out, "host", "example.com");
  assert_str(out, "port", ""); /* the group took no part: "" as otelcol */
  assert_str(out, "url", "https://example.com/x");
  assert_null(val(out, "never"));
  assert_null(val(out, "never2"));
  assert_null(val(out, "secret.a"));
  assert_null(val(out, "secret.c"));
  assert_str(out, "secretb", "2");
  assert_str(out, "s", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_str(out, "pii.mail", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_str(out, "client", "10.1.2.3");
  assert_str(out, "tenant", "acme;beta");
  assert_str(out, "tenant2", "o");
  assert_str(out, "who", "alice");
  assert_str(out, "who2", "alice");
  assert_null(val(out, "absent"));
  assert_null(val(out, "absent2"));
  assert_str(in, "secret.a", "1"); /* the input is untouched */
  assert_null(val(in, "scheme"));
  otlpd_batch_unref(in);
  proc_stop(&p);
}

/* Without a client (or without what the action reads), from_context does
 * nothing and the batch passes as it came. */
static void test_context_absent_passes(void **state) {
  (void)state;
  proc p;
  proc_start(&p, "attributes:\n  - {key: who, from_context: auth.subject, action: upsert}\n", OTLPD_LOGS);
  otlpd_payload *pl = ef_payload(OTLPD_LOGS, requests[OTLPD_LOGS], true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_ptr_equal(p.down.got, in);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void assert_config_error(const char *yaml, const char *want) {
  otlpd_errors errs = {0};
  assert_null(load(yaml, &errs));
  bool found = false;
  for (size_t i = 0; i < errs.n; i++) found |= strstr(errs.msgs[i], want) != NULL;
  if (!found)
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "got: %s\n", errs.msgs[i]);
  assert_true(found);
  otlpd_errors_free(&errs);
}

static void test_config_errors(void **state) {
  (void)state;
  assert_config_error("{}", "processors::resource::attributes: missing");
  assert_config_error("attributes:\n  - {key: k, pattern: \"^.*$\", action: extract}\n",
                      "attributes[0]::pattern: \"^.*$\" contains no named matcher groups");
  assert_config_error("attributes:\n  - {key: k, pattern: \"^(?P<a>.*)-(.*)$\", action: extract}\n",
                      "contains at least one unnamed matcher group");
  assert_config_error("attributes:\n  - {key: k, action: extract}\n", "attributes[0]::pattern: missing");
  assert_config_error("attributes:\n  - {key: k, pattern: \"(?P<a>[a-\", action: extract}\n",
                      "attributes[0]::pattern: invalid regular expression \"(?P<a>[a-\" at offset");
  assert_config_error("attributes:\n  - {action: delete}\n", "key: missing (key or pattern is required)");
  assert_config_error("attributes:\n  - {key: k, value: v, pattern: x, action: upsert}\n",
                      "pattern: action upsert does not use pattern");
  assert_config_error("attributes:\n  - {key: k, action: explode}\n", "unsupported action \"explode\"");
  assert_config_error("attributes:\n  - {value: v, action: insert}\n", "attributes[0]::key: missing");
  assert_config_error("attributes:\n  - {key: k, action: insert}\n", "needs exactly one of value");
  assert_config_error("attributes:\n  - {key: k, value: 1, from_attribute: x, action: upsert}\n",
                      "(2 given)");
  assert_config_error("attributes:\n  - {key: k, value: 1, action: delete}\n", "delete does not use value");
  assert_config_error("attributes:\n  - {key: k, action: convert}\n", "converted_type: missing");
  assert_config_error("attributes:\n  - {key: k, action: convert, converted_type: bool}\n",
                      "converted_type: invalid value \"bool\"");
  assert_config_error("attributes:\n  - {key: k, action: hash, pattern: \"x(\"}\n",
                      "attributes[0]::pattern: invalid regular expression");
  assert_config_error("attributes:\n  - {key: k, from_context: x, value: v, action: insert}\n", "(2 given)");
}

static void test_double_text(void **state) {
  (void)state;
  char buf[64];
  const struct { double d; const char *s; } cases[] = {
      {2.5, "2.5"}, {0.1, "0.1"}, {100, "100"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"},
      {1.5e-7, "1.5e-7"}, {0.000001, "0.000001"}, {-3.25, "-3.25"}, {0, "0"}, {1.0 / 3, "0.3333333333333333"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    attraction_format_double(cases[i].d, buf, sizeof(buf));
    assert_string_equal(buf, cases[i].s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_traces),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_logs),
      cmocka_unit_test(test_unchanged_passes_through),
      cmocka_unit_test(test_resource_absent),
      cmocka_unit_test(test_extract_pattern_context),
      cmocka_unit_test(test_context_absent_passes),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_double_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
