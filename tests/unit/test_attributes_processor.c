/* attributes processor: each action on span, span event, log record and
 * every metric type's data point attributes; each include / exclude
 * matcher, strict and regexp; a batch where nothing matches passes as it
 * came; otelcol's config rules per signal. */
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
#include "processors/attributes/attributes_processor.h"

extern const otlpd_factory otlpd_processor_attributes;
#define F otlpd_processor_attributes
#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

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

static void *load(const char *yaml, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, F.config_size);
  otlpd_settings_defaults(F.settings, cfg);
  int rc = otlpd_settings_apply(F.settings, cfg, n, "processors::attributes", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = F.validate(cfg, "processors::attributes", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(F.settings, cfg);
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
  otlpd_errors_free(&errs);
  assert_non_null(p->cfg);
  assert_int_equal(attributes_check_signal(p->cfg, s, "processors::attributes", &errs), 0);
  p->down.base.consume = capture_consume;
  p->host.counters = &p->counters;
  p->host.mutates_data = F.mutates_data;
  p->host.id = "attributes";
  otlpd_create_params cp = {.host = &p->host, .config = p->cfg, .signal = s};
  cp.next[s] = &p->down.base;
  assert_int_equal(F.create(&cp, &p->state), 0);
  p->in = F.consumer(p->state);
}

static void proc_stop(proc *p) {
  otlpd_batch_unref(p->down.got);
  p->down.got = NULL;
  F.destroy(p->state);
  otlpd_settings_free(F.settings, p->cfg);
  free(p->cfg);
}

#define KV_S(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"
#define KV_I(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":\"" v "\"}}"
#define ATTRS "\"attributes\":[" KV_S("a", "1") "," KV_S("h", "abc") "," KV_S("url", "http://host:80/p") "," \
  KV_I("n", "5") "," KV_S("gone", "x") "]"
#define RES "\"resource\":{\"attributes\":[" KV_S("service.name", "svc") "," KV_S("env", "prod") "]}"
#define SCOPE "\"scope\":{\"name\":\"lib.a\",\"version\":\"1.2\"}"
#define TID "\"traceId\":\"0102030405060708090a0b0c0d0e0f10\""

/* Item 0 has the attributes; item 1 has none (and differs by name, kind,
 * body, severity) so that matchers can tell them apart. */
static const char *const requests[OTLPD_SIGNAL_COUNT] = {
    "{\"resourceSpans\":[{" RES ",\"scopeSpans\":[{" SCOPE ",\"spans\":["
    "{" TID ",\"spanId\":\"0102030405060708\",\"name\":\"GET /a\",\"kind\":2," ATTRS
    ",\"events\":[{\"name\":\"ev\"," ATTRS "}]},"
    "{" TID ",\"spanId\":\"0102030405060709\",\"name\":\"other\",\"kind\":3}]}]}]}",
    "{\"resourceMetrics\":[{" RES ",\"scopeMetrics\":[{" SCOPE ",\"metrics\":["
    "{\"name\":\"g\",\"gauge\":{\"dataPoints\":[{\"asInt\":\"1\"," ATTRS "}]}},"
    "{\"name\":\"s\",\"sum\":{\"dataPoints\":[{\"asInt\":\"1\"," ATTRS "}]}},"
    "{\"name\":\"h\",\"histogram\":{\"dataPoints\":[{\"count\":\"1\"," ATTRS "}]}},"
    "{\"name\":\"e\",\"exponentialHistogram\":{\"dataPoints\":[{\"count\":\"1\"," ATTRS "}]}},"
    "{\"name\":\"sm\",\"summary\":{\"dataPoints\":[{\"count\":\"1\"," ATTRS "}]}},"
    "{\"name\":\"other\",\"gauge\":{\"dataPoints\":[{\"asInt\":\"1\"}]}}]}]}]}",
    "{\"resourceLogs\":[{" RES ",\"scopeLogs\":[{" SCOPE ",\"logRecords\":["
    "{\"body\":{\"stringValue\":\"hello world\"},\"severityNumber\":9,\"severityText\":\"INFO\"," ATTRS "},"
    "{\"body\":{\"stringValue\":\"bye\"},\"severityText\":\"DEBUG\"}]}]}]}",
};

/* Attribute lists of entry 0, scope 0: item k's (for metrics: metric k's
 * first data point). */
static void item_attrs(const otlpd_batch *b, size_t k, size_t *n, otlp_key_value ***kv) {
  *n = 0;
  *kv = NULL;
  if (b->signal == OTLPD_TRACES) {
    otlp_span *sp = ((otlp_resource_spans *)b->resources[0])->scope_spans[0]->spans[k];
    *n = sp->n_attributes, *kv = sp->attributes;
  } else if (b->signal == OTLPD_LOGS) {
    otlp_log_record *lr = ((otlp_resource_logs *)b->resources[0])->scope_logs[0]->log_records[k];
    *n = lr->n_attributes, *kv = lr->attributes;
  } else {
    otlp_metric *m = ((otlp_resource_metrics *)b->resources[0])->scope_metrics[0]->metrics[k];
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
      *n = m->gauge->data_points[0]->n_attributes, *kv = m->gauge->data_points[0]->attributes; break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
      *n = m->sum->data_points[0]->n_attributes, *kv = m->sum->data_points[0]->attributes; break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
      *n = m->histogram->data_points[0]->n_attributes, *kv = m->histogram->data_points[0]->attributes; break;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
      *n = m->exponential_histogram->data_points[0]->n_attributes;
      *kv = m->exponential_histogram->data_points[0]->attributes;
      break;
    default:
      *n = m->summary->data_points[0]->n_attributes, *kv = m->summary->data_points[0]->attributes; break;
    }
  }
}

static const otlp_any_value *find(size_t n, otlp_key_value **kv, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kv[i]->key, key)) return kv[i]->value;
  return NULL;
}

static const otlp_any_value *item_val(const otlpd_batch *b, size_t k, const char *key) {
  size_t n;
  otlp_key_value **kv;
  item_attrs(b, k, &n, &kv);
  return find(n, kv, key);
}

static void assert_s(const otlp_any_value *v, const char *want) {
  assert_non_null(v);
  assert_int_equal(v->value_case, ANY(STRING_VALUE));
  assert_string_equal(v->string_value, want);
}

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const char *ACTIONS = "actions:\n"
                             "  - {key: a, value: new, action: insert}\n"
                             "  - {key: fresh, value: v, action: insert}\n"
                             "  - {key: a, value: up, action: update}\n"
                             "  - {key: u, value: 7, action: upsert}\n"
                             "  - {key: gone, action: delete}\n"
                             "  - {key: h, action: hash}\n"
                             "  - {key: url, pattern: \"^(?P<scheme>[a-z]+)://(?P<host>[^:/]+)\", action: extract}\n"
                             "  - {key: n, action: convert, converted_type: string}\n"
                             "  - {key: copy, from_attribute: a, action: upsert}\n";

static void check_edited(const otlp_any_value *(*get)(const void *, const char *), const void *o) {
  assert_s(get(o, "a"), "up");
  assert_s(get(o, "fresh"), "v");
  assert_int_equal(get(o, "u")->int_value, 7);
  assert_null(get(o, "gone"));
  assert_s(get(o, "h"), SHA_ABC);
  assert_s(get(o, "scheme"), "http");
  assert_s(get(o, "host"), "host");
  assert_s(get(o, "n"), "5");
  assert_s(get(o, "copy"), "up");
}

typedef struct item_ref {
  const otlpd_batch *b;
  size_t k;
} item_ref;

static const otlp_any_value *get_item(const void *o, const char *key) {
  const item_ref *r = o;
  return item_val(r->b, r->k, key);
}

static const otlp_any_value *get_event(const void *o, const char *key) {
  const otlpd_batch *b = o;
  Opentelemetry__Proto__Trace__V1__Span__Event *ev =
      ((otlp_resource_spans *)b->resources[0])->scope_spans[0]->spans[0]->events[0];
  return find(ev->n_attributes, ev->attributes, key);
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
  assert_ptr_not_equal(out, in);
  assert_int_equal(out->items, in->items);
  assert_null(out->raw[0].p);
  size_t nitems = s == OTLPD_METRICS ? 5 : 1;
  for (size_t k = 0; k < nitems; k++) {
    item_ref r = {out, k};
    check_edited(get_item, &r);
    /* the input (which another pipeline may share) is untouched */
    assert_s(item_val(in, k, "a"), "1");
    assert_s(item_val(in, k, "h"), "abc");
    assert_non_null(item_val(in, k, "gone"));
    assert_null(item_val(in, k, "host"));
  }
  if (s == OTLPD_TRACES) {
    check_edited(get_event, out);
    assert_s(get_event(in, "a"), "1");
  }
  /* item without attributes: insert/upsert still apply there */
  size_t other = s == OTLPD_METRICS ? 5 : 1;
  assert_s(item_val(out, other, "fresh"), "v");
  assert_null(item_val(in, other, "fresh"));
  assert_non_null(in->raw[0].p);
  otlpd_batch *back = ef_roundtrip_pb(out);
  item_ref r = {back, 0};
  check_edited(get_item, &r);
  otlpd_batch_unref(back);
  back = ef_roundtrip_pb(in);
  assert_s(item_val(back, 0, "a"), "1");
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
  assert_int_equal(otlpd_memacct_used(&acct), 0);
}

static void test_traces(void **state) { (void)state; check_signal(OTLPD_TRACES); }
static void test_metrics(void **state) { (void)state; check_signal(OTLPD_METRICS); }
static void test_logs(void **state) { (void)state; check_signal(OTLPD_LOGS); }

/* Copy-on-write per item: an item (span, log record) no action touches
 * stays the very object the input holds; in an item that changes, only
 * the entries whose values change are copied (a delete copies no entry). */
static void *item_ptr(const otlpd_batch *b, size_t k) {
  if (b->signal == OTLPD_TRACES) return ((otlp_resource_spans *)b->resources[0])->scope_spans[0]->spans[k];
  return ((otlp_resource_logs *)b->resources[0])->scope_logs[0]->log_records[k];
}

static void check_untouched_shared(otlpd_signal s) {
  proc p;
  proc_start(&p, "actions:\n  - {key: gone, action: delete}\n  - {key: h, action: hash}\n", s);
  otlpd_payload *pl = ef_payload(s, requests[s], true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got;
  assert_ptr_not_equal(out, in);
  assert_ptr_equal(item_ptr(out, 1), item_ptr(in, 1)); /* no attributes: not copied */
  assert_ptr_not_equal(item_ptr(out, 0), item_ptr(in, 0));
  assert_null(item_val(out, 0, "gone"));
  assert_non_null(item_val(in, 0, "gone"));
  size_t n_in, n_out;
  otlp_key_value **kv_in, **kv_out;
  item_attrs(in, 0, &n_in, &kv_in);
  item_attrs(out, 0, &n_out, &kv_out);
  assert_int_equal(n_out, n_in - 1);
  assert_ptr_equal(kv_out[0], kv_in[0]);     /* "a": unchanged entry shared */
  assert_ptr_not_equal(kv_out[1], kv_in[1]); /* "h": hashed, a private copy */
  assert_string_equal(kv_out[1]->key, "h");
  assert_s(kv_in[1]->value, "abc");
  assert_int_equal(kv_out[1]->value->value_case, ANY(STRING_VALUE));
  assert_int_equal(strlen(kv_out[1]->value->string_value), 64); /* SHA-256 hex */
  if (s == OTLPD_TRACES) {
    otlp_span *a = item_ptr(in, 0), *b = item_ptr(out, 0);
    assert_ptr_not_equal(b->events[0], a->events[0]);
    assert_int_equal(b->events[0]->n_attributes, a->events[0]->n_attributes - 1);
  }
  otlpd_batch *back = ef_roundtrip_pb(out);
  assert_null(item_val(back, 0, "gone"));
  assert_s(item_val(back, 0, "a"), "1");
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

static void test_untouched_items_shared(void **state) {
  (void)state;
  check_untouched_shared(OTLPD_TRACES);
  check_untouched_shared(OTLPD_LOGS);
}

/* Which items one include/exclude config edits: bit k = item k got `m`. */
static unsigned edited_items(otlpd_signal s, const char *match) {
  char yaml[2048];
  snprintf(yaml, sizeof(yaml), "actions:\n  - {key: m, value: 1, action: upsert}\n%s", match);
  proc p;
  proc_start(&p, yaml, s);
  otlpd_payload *pl = ef_payload(s, requests[s], true, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(pl);
  otlpd_payload_unref(pl);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  unsigned got = 0;
  size_t nitems = s == OTLPD_METRICS ? 6 : 2;
  for (size_t k = 0; k < nitems; k++)
    if (item_val(p.down.got, k, "m")) got |= 1u << k;
  if (!got) { /* nothing matched: passed on as it came, wire bytes kept */
    assert_ptr_equal(p.down.got, in);
    assert_non_null(in->raw[0].p);
  }
  otlpd_batch_unref(in);
  proc_stop(&p);
  return got;
}

typedef struct match_case {
  otlpd_signal s;
  const char *yaml;
  unsigned want;
} match_case;

static void test_matchers(void **state) {
  (void)state;
  const otlpd_signal T = OTLPD_TRACES, L = OTLPD_LOGS, M = OTLPD_METRICS;
  const match_case cases[] = {
      /* traces */
      {T, "include: {match_type: strict, span_names: [\"GET /a\"]}", 1},
      {T, "include: {match_type: regexp, span_names: [\"^GET\"]}", 1},
      {T, "include: {match_type: regexp, span_names: [\"th\"]}", 2}, /* found anywhere */
      {T, "exclude: {match_type: strict, span_names: [\"GET /a\"]}", 2},
      {T, "exclude: {match_type: regexp, span_names: [\"^G\"]}", 2},
      {T, "include: {match_type: strict, services: [svc]}", 3},
      {T, "include: {match_type: strict, services: [nope]}", 0},
      {T, "include: {match_type: regexp, services: [\"^s.c$\"]}", 3},
      {T, "exclude: {match_type: regexp, services: [\"^s\"]}", 0},
      {T, "include: {match_type: strict, span_kinds: [SPAN_KIND_CLIENT]}", 2},
      {T, "include: {match_type: regexp, span_kinds: [\"SERVER$\"]}", 1},
      {T, "exclude: {match_type: strict, span_kinds: [SPAN_KIND_SERVER]}", 2},
      {T, "include: {match_type: strict, attributes: [{key: a, value: \"1\"}]}", 1},
      {T, "include: {match_type: strict, attributes: [{key: a, value: 1}]}", 0}, /* int 1 != string "1" */
      {T, "include: {match_type: strict, attributes: [{key: n, value: 5}]}", 1},
      {T, "include: {match_type: strict, attributes: [{key: a}]}", 1}, /* key exists */
      {T, "include: {match_type: regexp, attributes: [{key: url, value: \"^http:\"}]}", 1},
      {T, "include: {match_type: regexp, attributes: [{key: n, value: \"^5$\"}]}", 1}, /* int as text */
      {T, "include: {match_type: strict, attributes: [{key: a, value: \"1\"}, {key: zz}]}", 0}, /* all */
      {T, "exclude: {match_type: strict, attributes: [{key: a}]}", 2},
      {T, "include: {match_type: strict, resources: [{key: env, value: prod}]}", 3},
      {T, "include: {match_type: regexp, resources: [{key: env, value: \"^dev\"}]}", 0},
      {T, "exclude: {match_type: strict, resources: [{key: env, value: prod}]}", 0},
      {T, "include: {match_type: strict, libraries: [{name: lib.a}]}", 3},
      {T, "include: {match_type: strict, libraries: [{name: lib.a, version: \"1.2\"}]}", 3},
      {T, "include: {match_type: strict, libraries: [{name: lib.a, version: \"2\"}]}", 0},
      {T, "include: {match_type: regexp, libraries: [{name: \"^lib\", version: \"^1\\\\.\"}]}", 3},
      {T, "exclude: {match_type: regexp, libraries: [{name: \"lib\"}]}", 0},
      {T, "include: {match_type: strict, span_names: [\"GET /a\", other]}\n"
          "exclude: {match_type: strict, span_kinds: [SPAN_KIND_CLIENT]}", 1},
      /* logs */
      {L, "include: {match_type: strict, log_bodies: [\"hello world\"]}", 1},
      {L, "include: {match_type: regexp, log_bodies: [\"^b\"]}", 2},
      {L, "exclude: {match_type: strict, log_bodies: [bye]}", 1},
      {L, "include: {match_type: strict, log_severity_texts: [DEBUG]}", 2},
      {L, "exclude: {match_type: regexp, log_severity_texts: [\"^I\"]}", 2},
      {L, "include: {match_type: strict, log_severity_number: {min: INFO}}", 1},
      {L, "include: {match_type: strict, log_severity_number: {min: 10}}", 0},
      {L, "include: {match_type: strict, log_severity_number: {min: warn, match_undefined: true}}", 2},
      {L, "exclude: {match_type: strict, log_severity_number: {min: info}}", 2},
      {L, "include: {match_type: strict, attributes: [{key: h, value: abc}]}", 1},
      {L, "exclude: {match_type: regexp, attributes: [{key: h, value: \"b\"}]}", 2},
      {L, "include: {match_type: strict, resources: [{key: service.name, value: svc}]}", 3},
      {L, "include: {match_type: strict, libraries: [{name: lib.b}]}", 0},
      /* metrics */
      {M, "include: {match_type: strict, metric_names: [g, h]}", 1 | 4},
      {M, "include: {match_type: regexp, metric_names: [\"^s\"]}", 2 | 16},
      {M, "exclude: {match_type: strict, metric_names: [other]}", 31},
      {M, "exclude: {match_type: regexp, metric_names: [\".\"]}", 0},
      {M, "include: {match_type: strict, resources: [{key: env, value: prod}]}", 63},
      {M, "exclude: {match_type: regexp, resources: [{key: env, value: \"^p\"}]}", 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    unsigned got = edited_items(cases[i].s, cases[i].yaml);
    if (got != cases[i].want) fprintf(stderr, "case %zu (%s): got %#x, want %#x\n", i, cases[i].yaml, got,
                                      cases[i].want);
    assert_int_equal(got, cases[i].want);
  }
}

static void assert_error(const char *yaml, int signal, const char *want) {
  otlpd_errors errs = {0};
  void *cfg = load(yaml, &errs);
  if (cfg && signal >= 0) attributes_check_signal(cfg, (otlpd_signal)signal, "processors::attributes", &errs);
  bool found = false;
  for (size_t i = 0; i < errs.n; i++) found |= strstr(errs.msgs[i], want) != NULL;
  if (!found)
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "got: %s\n", errs.msgs[i]);
  assert_true(found);
  if (cfg) {
    otlpd_settings_free(F.settings, cfg);
    free(cfg);
  }
  otlpd_errors_free(&errs);
}

#define ACT "actions: [{key: k, value: v, action: upsert}]\n"

static void test_config_errors(void **state) {
  (void)state;
  assert_error("{}", -1, "processors::attributes::actions: missing");
  assert_error(ACT "include: {match_type: regexp, span_names: [\"a(\"]}", -1,
               "processors::attributes::include::span_names[0]: invalid regular expression \"a(\"");
  assert_error(ACT "exclude: {match_type: regexp, attributes: [{key: k, value: \"[\"}]}", -1,
               "processors::attributes::exclude::attributes[0]::value: invalid regular expression");
  assert_error(ACT "include: {match_type: regexp, attributes: [{key: k, value: 3}]}", -1,
               "attributes[0]::value: match_type regexp needs a string pattern");
  assert_error(ACT "include: {match_type: regexp, libraries: [{name: \"(\"}]}", -1,
               "include::libraries[0]::name: invalid regular expression");
  assert_error(ACT "include: {span_names: [x]}", -1, "include::match_type: missing");
  assert_error(ACT "include: {match_type: fuzzy, span_names: [x]}", -1, "match_type: invalid value \"fuzzy\"");
  assert_error(ACT "include: {match_type: strict, span_kinds: [server]}", -1, "\"server\" is not a span kind");
  assert_error(ACT "include: {match_type: strict, log_severity_number: {min: loud}}", -1,
               "log_severity_number::min: invalid severity \"loud\"");
  assert_error("actions: [{key: k, pattern: \"(?P<x>\", action: extract}]", -1,
               "processors::attributes::actions[0]::pattern: invalid regular expression");
  /* which matchers a signal may use, as otelcol */
  assert_error(ACT "include: {match_type: strict, metric_names: [x]}", OTLPD_TRACES,
               "include (in a traces pipeline): log_bodies, log_severity_texts, log_severity_number and "
               "metric_names are not valid for traces");
  assert_error(ACT "include: {match_type: strict, log_bodies: [x]}", OTLPD_TRACES, "not valid for traces");
  assert_error(ACT "exclude: {match_type: strict, span_names: [x]}", OTLPD_LOGS,
               "exclude (in a logs pipeline): services, span_names, span_kinds and metric_names are not valid");
  assert_error(ACT "include: {match_type: strict, attributes: [{key: a}]}", OTLPD_METRICS,
               "are not valid for metrics");
  assert_error(ACT "include: {match_type: strict, span_names: [x]}", OTLPD_METRICS, "not valid for metrics");
  assert_error(ACT "include: {match_type: strict}", OTLPD_TRACES, "at least one of \"services\"");
  assert_error(ACT "include: {match_type: strict}", OTLPD_LOGS, "at least one of \"attributes\"");
  assert_error(ACT "include: {match_type: strict}", OTLPD_METRICS, "at least one of \"metric_names\"");
}

/* A registry of this processor and two inert components, for a whole config. */
static const otlpd_setting no_settings[] = {OTLPD_S_END};
static const otlpd_factory fake_receiver = {.type = "r", .kind = OTLPD_RECEIVER, .signals = OTLPD_ALL_SIGNALS,
                                            .settings = no_settings, .config_size = 1};
static const otlpd_factory fake_exporter = {.type = "e", .kind = OTLPD_EXPORTER, .signals = OTLPD_ALL_SIGNALS,
                                            .settings = no_settings, .config_size = 1};
static const otlpd_factory *const registry[] = {&fake_receiver, &F, &fake_exporter};

const otlpd_factory *const *otlpd_factories(size_t *n) {
  *n = 3;
  return registry;
}

const otlpd_factory *otlpd_factory_find(otlpd_kind kind, const char *type, size_t len) {
  for (size_t i = 0; i < 3; i++)
    if (registry[i]->kind == kind && strlen(registry[i]->type) == len && !memcmp(registry[i]->type, type, len))
      return registry[i];
  return NULL;
}

/* A whole config: the signal rules run at service build (validate_refs). */
static void test_config_signal_in_pipeline(void **state) {
  (void)state;
  const char *yaml = "receivers: {r: {}}\n"
                     "processors:\n  attributes:\n    actions: [{key: k, value: v, action: upsert}]\n"
                     "    include: {match_type: strict, span_names: [x]}\n"
                     "exporters: {e: {}}\n"
                     "service: {pipelines: {logs: {receivers: [r], processors: [attributes], exporters: [e]}}}\n";
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_yaml_parse(yaml, strlen(yaml), "t", &errs);
  assert_non_null(root);
  otlpd_config c = {0};
  assert_int_not_equal(otlpd_config_build(root, &c, &errs), 0);
  bool found = false;
  for (size_t i = 0; i < errs.n; i++)
    found |= strstr(errs.msgs[i], "processors::attributes::include (in a logs pipeline): services, span_names") != NULL;
  if (!found)
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "got: %s\n", errs.msgs[i]);
  assert_true(found);
  otlpd_errors_free(&errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_traces),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_logs),
      cmocka_unit_test(test_untouched_items_shared),
      cmocka_unit_test(test_matchers),
      cmocka_unit_test(test_config_errors),
      cmocka_unit_test(test_config_signal_in_pipeline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
