/* elasticsearch documents (exporters/elasticsearch/es_doc_*.c): the otel
 * layout's fields, escaping of every string (control characters, quotes,
 * invalid UTF-8), the none/raw layouts, data-stream routing and
 * sanitizing, and bulk body compaction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/elasticsearch/es.h"
#include "../../exporters/elasticsearch/es_bulk.h"
#include "../../exporters/elasticsearch/es_doc.h"
#include "../../exporters/elasticsearch/es_route.h"

typedef struct fixture {
  otlp_any_value v[8];
  otlp_key_value kv[8];
  otlp_key_value *kvp[8];
  otlp_any_value body;
  otlp_log_record lr;
  otlp_resource res;
  otlp_scope scope;
  uint8_t tid[16], sid[8];
} fixture;

static void str_kv(fixture *f, int i, const char *k, const char *v) {
  opentelemetry__proto__common__v1__any_value__init(&f->v[i]);
  f->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  f->v[i].string_value = (char *)v;
  opentelemetry__proto__common__v1__key_value__init(&f->kv[i]);
  f->kv[i].key = (char *)k;
  f->kv[i].value = &f->v[i];
  f->kvp[i] = &f->kv[i];
}

static void dbl_kv(fixture *f, int i, const char *k, double d) {
  str_kv(f, i, k, "");
  f->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
  f->v[i].double_value = d;
}

static void log_fixture(fixture *f, const char *body) {
  memset(f, 0, sizeof(*f));
  opentelemetry__proto__logs__v1__log_record__init(&f->lr);
  opentelemetry__proto__common__v1__any_value__init(&f->body);
  f->body.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  f->body.string_value = (char *)body;
  f->lr.body = &f->body;
  f->lr.time_unix_nano = 1700000000123456789ull;
  f->lr.observed_time_unix_nano = 1700000000999000001ull;
  f->lr.severity_text = "WARN";
  f->lr.severity_number = 13;
  for (int i = 0; i < 16; i++) f->tid[i] = (uint8_t)(0xa0 + i);
  for (int i = 0; i < 8; i++) f->sid[i] = (uint8_t)(i + 1);
  f->lr.trace_id = (ProtobufCBinaryData){16, f->tid};
  f->lr.span_id = (ProtobufCBinaryData){8, f->sid};
  str_kv(f, 0, "http.method", "GET");
  str_kv(f, 1, "data_stream.dataset", "Nginx-Access");
  dbl_kv(f, 2, "ratio", 1.0);
  f->lr.attributes = f->kvp;
  f->lr.n_attributes = 3;
  opentelemetry__proto__resource__v1__resource__init(&f->res);
  str_kv(f, 3, "service.name", "svc");
  f->res.attributes = &f->kvp[3];
  f->res.n_attributes = 1;
  opentelemetry__proto__common__v1__instrumentation_scope__init(&f->scope);
  f->scope.name = "my.lib";
  f->scope.version = "1.2";
}

static char *text(otlpd_buf *b) {
  otlpd_buf_append(b, "", 1);
  b->len--;
  return (char *)b->data;
}

static void otel_log_layout(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "hello");
  es_index idx;
  es_route(&idx, NULL, "logs", true, (es_attrs){f.lr.attributes, f.lr.n_attributes}, (es_attrs){0},
           (es_attrs){f.res.attributes, f.res.n_attributes}, f.scope.name);
  assert_true(idx.data_stream);
  assert_string_equal(idx.dataset, "nginx_access.otel");
  assert_string_equal(idx.ns, "default");
  es_doc_ctx c = {&f.res, "https://schema/r", &f.scope, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_otel_log(&b, &c, &f.lr), 0);
  assert_string_equal(
      text(&b),
      "{\"@timestamp\":\"1700000000123.456789\",\"observed_timestamp\":\"1700000000999.000001\","
      "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"nginx_access.otel\",\"namespace\":\"default\"},"
      "\"severity_text\":\"WARN\",\"severity_number\":13,"
      "\"trace_id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"span_id\":\"0102030405060708\","
      "\"attributes\":{\"http.method\":\"GET\",\"ratio\":1.0},"
      "\"resource\":{\"schema_url\":\"https://schema/r\",\"attributes\":{\"service.name\":\"svc\"}},"
      "\"scope\":{\"name\":\"my.lib\",\"version\":\"1.2\"},\"body\":{\"text\":\"hello\"}}");
  otlpd_buf_free(&b);
}

static void strings_are_escaped(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "a\"b\\c\x01\n\xff\xfe end");
  str_kv(&f, 0, "k\"ey\x02", "v\x1f");
  es_index idx;
  es_route(&idx, "plain-index", "logs", true, (es_attrs){0}, (es_attrs){0}, (es_attrs){0}, NULL);
  assert_false(idx.data_stream);
  es_doc_ctx c = {NULL, NULL, NULL, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_otel_log(&b, &c, &f.lr), 0);
  char *t = text(&b);
  assert_non_null(strstr(t, "\"body\":{\"text\":\"a\\\"b\\\\c\\u0001\\n"));
  assert_null(strstr(t, "\xff"));                /* invalid UTF-8 never passes through */
  assert_non_null(strstr(t, "\"k\\\"ey\\u0002\":\"v\\u001f\""));
  assert_null(strstr(t, "data_stream"));          /* a plain index has no data_stream fields */
  for (size_t i = 0; i < b.len; i++) assert_true((unsigned char)t[i] >= 0x20);
  otlpd_buf_free(&b);
}

static void raw_and_none_layouts(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "hi");
  es_index idx;
  es_route(&idx, NULL, "logs", false, (es_attrs){0}, (es_attrs){0}, (es_attrs){0}, NULL);
  assert_string_equal(idx.dataset, "generic");
  es_doc_ctx c = {&f.res, NULL, &f.scope, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_raw_log(&b, &c, &f.lr, false), 0);
  char *t = text(&b);
  assert_non_null(strstr(t, "{\"@timestamp\":\"2023-11-14T22:13:20.123456789Z\""));
  assert_non_null(strstr(t, "\"TraceId\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\""));
  assert_non_null(strstr(t, "\"SeverityNumber\":13"));
  assert_non_null(strstr(t, "\"Body\":\"hi\""));
  assert_non_null(strstr(t, "\"Attributes.http.method\":\"GET\""));
  assert_non_null(strstr(t, "\"Resource.service.name\":\"svc\""));
  assert_non_null(strstr(t, "\"Scope.name\":\"my.lib\""));
  otlpd_buf_clear(&b);
  assert_int_equal(es_doc_raw_log(&b, &c, &f.lr, true), 0);
  t = text(&b);
  assert_non_null(strstr(t, ",\"http.method\":\"GET\""));
  assert_null(strstr(t, "Attributes."));
  otlpd_buf_free(&b);
}

static void routing_order_and_sanitizing(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "x");
  str_kv(&f, 4, "data_stream.namespace", "Prod:EU");
  str_kv(&f, 5, "data_stream.dataset", "from-resource");
  es_attrs rec = {0}, scope = {&f.kvp[4], 1}, res = {&f.kvp[5], 1};
  es_index idx;
  es_route(&idx, "", "traces", true, rec, scope, res, NULL);
  assert_string_equal(idx.dataset, "from_resource.otel");
  assert_string_equal(idx.ns, "prod_eu");
  /* the record wins over scope and resource */
  rec = (es_attrs){&f.kvp[1], 1};
  es_route(&idx, NULL, "traces", false, rec, scope, res, NULL);
  assert_string_equal(idx.dataset, "nginx_access");
  /* receiver-based dataset from the scope name */
  es_route(&idx, NULL, "logs", true, (es_attrs){0}, (es_attrs){0}, (es_attrs){0},
           "github.com/x/receiver/filelogreceiver/internal");
  assert_string_equal(idx.dataset, "filelogreceiver.otel");
  /* at most 100 bytes, suffix included; an existing .otel is not doubled */
  char longname[300];
  memset(longname, 'a', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = 0;
  es_sanitize(idx.dataset, longname, strlen(longname), true, ".otel");
  assert_int_equal(strlen(idx.dataset), 100);
  assert_string_equal(idx.dataset + 95, ".otel");
  str_kv(&f, 6, "data_stream.dataset", "x.otel");
  es_route(&idx, NULL, "logs", true, (es_attrs){&f.kvp[6], 1}, (es_attrs){0}, (es_attrs){0}, NULL);
  assert_string_equal(idx.dataset, "x.otel");
}

/* elasticsearch.index: after a static *_index, before data streams; the
 * record's, else the scope's, else the resource's; an empty one does not
 * count. Written as is, with a create action (it may be a data stream). */
static void index_attribute_routing(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "x");
  str_kv(&f, 4, "elasticsearch.index", "from-record");
  str_kv(&f, 5, "elasticsearch.index", "From-Scope");
  str_kv(&f, 6, "elasticsearch.index", "from-resource");
  str_kv(&f, 7, "elasticsearch.index", "");
  es_attrs rec = {&f.kvp[4], 1}, scope = {&f.kvp[5], 1}, res = {&f.kvp[6], 1}, none = {0};
  es_attrs ds = {&f.kvp[1], 1}; /* data_stream.dataset on the record */
  es_index idx;
  otlpd_buf b = {0};
  es_route(&idx, "static", "logs", true, rec, scope, res, NULL);
  assert_string_equal(idx.plain, "static");
  assert_false(idx.create);
  es_route(&idx, NULL, "logs", true, rec, scope, res, NULL);
  assert_string_equal(idx.plain, "from-record");
  assert_true(idx.create);
  assert_false(idx.data_stream);
  es_route(&idx, NULL, "logs", true, ds, scope, res, NULL); /* index attribute beats data_stream.* */
  assert_string_equal(idx.plain, "From-Scope");
  es_route(&idx, NULL, "logs", true, (es_attrs){&f.kvp[7], 1}, none, res, NULL);
  assert_string_equal(idx.plain, "from-resource");
  assert_int_equal(es_bulk_action_open(&b, &idx), 0);
  assert_string_equal(text(&b), "{\"create\":{\"_index\":\"from-resource\"");
  es_route(&idx, NULL, "logs", true, (es_attrs){&f.kvp[7], 1}, none, none, NULL);
  assert_true(idx.data_stream);
  assert_string_equal(idx.dataset, "generic.otel");
  assert_true(es_route_attrs_present(rec));
  assert_true(es_route_attrs_present(ds));
  assert_false(es_route_attrs_present((es_attrs){f.kvp, 1}));
  otlpd_buf_free(&b);
}

static void put_kv(otlp_key_value *kv, otlp_any_value *v, const char *k, const char *s) {
  opentelemetry__proto__common__v1__any_value__init(v);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  v->string_value = (char *)s;
  opentelemetry__proto__common__v1__key_value__init(kv);
  kv->key = (char *)k;
  kv->value = v;
}

/* A whole batch through es_bulk_build: records of one scope with and
 * without routing attributes of their own each get their own action line
 * (the scope's route is reused only when the record cannot change it),
 * and every document carries the resource and scope. */
static void bulk_routes_each_record(void **st) {
  (void)st;
  otlp_any_value v[5];
  otlp_key_value kv[5], *rkv[1] = {&kv[0]}, *skv[1] = {&kv[1]}, *a1[1] = {&kv[2]}, *a2[1] = {&kv[3]},
                        *a3[1] = {&kv[4]};
  put_kv(&kv[0], &v[0], "service.name", "svc");
  put_kv(&kv[1], &v[1], "data_stream.namespace", "scope-ns");
  put_kv(&kv[2], &v[2], "elasticsearch.index", "rec-index");
  put_kv(&kv[3], &v[3], "data_stream.dataset", "rec.ds");
  put_kv(&kv[4], &v[4], "plain", "p");
  otlp_log_record lr[4];
  otlp_log_record *lrp[4];
  otlp_key_value **attrs[4] = {NULL, a1, a2, a3};
  for (int i = 0; i < 4; i++) {
    opentelemetry__proto__logs__v1__log_record__init(&lr[i]);
    lr[i].time_unix_nano = 1000000000ull * (uint64_t)(i + 1);
    lr[i].attributes = attrs[i];
    lr[i].n_attributes = attrs[i] ? 1 : 0;
    lrp[i] = &lr[i];
  }
  otlp_scope sc;
  opentelemetry__proto__common__v1__instrumentation_scope__init(&sc);
  sc.name = "lib";
  sc.attributes = skv;
  sc.n_attributes = 1;
  otlp_scope_logs sl;
  opentelemetry__proto__logs__v1__scope_logs__init(&sl);
  sl.scope = &sc;
  sl.log_records = lrp;
  sl.n_log_records = 4;
  otlp_scope_logs *slp[1] = {&sl};
  otlp_resource r;
  opentelemetry__proto__resource__v1__resource__init(&r);
  r.attributes = rkv;
  r.n_attributes = 1;
  otlp_resource_logs rl;
  opentelemetry__proto__logs__v1__resource_logs__init(&rl);
  rl.resource = &r;
  rl.scope_logs = slp;
  rl.n_scope_logs = 1;
  void *resources[1] = {&rl};
  otlpd_batch batch;
  memset(&batch, 0, sizeof(batch));
  batch.signal = OTLPD_LOGS;
  batch.resources = resources;
  batch.n = 1;
  es_bulk_opts o = {.mode = ES_MAPPING_OTEL};
  otlpd_buf body = {0};
  es_items it = {0};
  assert_int_equal(es_bulk_build(&o, &batch, &body, &it), 0);
  assert_int_equal(it.n, 4);
  const char *want[4] = {"{\"create\":{\"_index\":\"logs-generic.otel-scope-ns\"}}\n",
                         "{\"create\":{\"_index\":\"rec-index\"}}\n",
                         "{\"create\":{\"_index\":\"logs-rec.ds.otel-scope-ns\"}}\n",
                         "{\"create\":{\"_index\":\"logs-generic.otel-scope-ns\"}}\n"};
  for (int i = 0; i < 4; i++) {
    char line[1024];
    size_t n = it.v[i].len < sizeof(line) - 1 ? it.v[i].len : sizeof(line) - 1;
    memcpy(line, body.data + it.v[i].off, n);
    line[n] = 0;
    assert_memory_equal(line, want[i], strlen(want[i]));
    const char *doc = line + strlen(want[i]);
    assert_non_null(strstr(doc, ",\"resource\":{\"attributes\":{\"service.name\":\"svc\"}},\"scope\":{\"name\":\"lib\"}}\n"));
    assert_null(strstr(doc, "elasticsearch.index"));
    assert_int_equal(strstr(doc, "\"data_stream\"") != NULL, i != 1); /* none for an attribute index */
  }
  es_items_free(&it);
  otlpd_buf_free(&body);
}

/* mapping::mode bodymap: a map body is the whole document (nothing
 * added), routed by data_stream.type logs|metrics; any other body is
 * dropped and counted; spans are refused. */
static void bodymap_documents(void **st) {
  (void)st;
  otlp_any_value v[3], body_map, body_str;
  otlp_key_value kv[3], *attr_dst[1] = {&kv[1]}, *body_kv[1] = {&kv[0]}, *scope_kv[1] = {&kv[2]};
  put_kv(&kv[0], &v[0], "message", "m\"1");
  put_kv(&kv[1], &v[1], "data_stream.type", "metrics");
  put_kv(&kv[2], &v[2], "data_stream.namespace", "prod");
  otlp_kvlist l;
  opentelemetry__proto__common__v1__key_value_list__init(&l);
  l.values = body_kv;
  l.n_values = 1;
  opentelemetry__proto__common__v1__any_value__init(&body_map);
  body_map.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
  body_map.kvlist_value = &l;
  opentelemetry__proto__common__v1__any_value__init(&body_str);
  body_str.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  body_str.string_value = "not a map";
  otlp_log_record lr[3], *lrp[3] = {&lr[0], &lr[1], &lr[2]};
  for (int i = 0; i < 3; i++) {
    opentelemetry__proto__logs__v1__log_record__init(&lr[i]);
    lr[i].time_unix_nano = 1;
  }
  lr[0].body = &body_map;
  lr[1].body = &body_str;
  lr[2].body = &body_map;
  lr[2].attributes = attr_dst;
  lr[2].n_attributes = 1;
  otlp_scope sc;
  opentelemetry__proto__common__v1__instrumentation_scope__init(&sc);
  sc.attributes = scope_kv;
  sc.n_attributes = 1;
  otlp_scope_logs sl;
  opentelemetry__proto__logs__v1__scope_logs__init(&sl);
  sl.scope = &sc;
  sl.log_records = lrp;
  sl.n_log_records = 3;
  otlp_scope_logs *slp[1] = {&sl};
  otlp_resource_logs rl;
  opentelemetry__proto__logs__v1__resource_logs__init(&rl);
  rl.scope_logs = slp;
  rl.n_scope_logs = 1;
  void *resources[1] = {&rl};
  otlpd_batch batch;
  memset(&batch, 0, sizeof(batch));
  batch.signal = OTLPD_LOGS;
  batch.resources = resources;
  batch.n = 1;
  es_bulk_opts o = {.mode = ES_MAPPING_BODYMAP};
  otlpd_buf body = {0};
  es_items it = {0};
  assert_int_equal(es_bulk_build(&o, &batch, &body, &it), 0);
  assert_int_equal(it.n, 2);
  assert_int_equal(it.dropped, 1);
  assert_string_equal(text(&body), "{\"create\":{\"_index\":\"logs-generic-prod\"}}\n{\"message\":\"m\\\"1\"}\n"
                                   "{\"create\":{\"_index\":\"metrics-generic-prod\"}}\n{\"message\":\"m\\\"1\"}\n");
  batch.signal = OTLPD_TRACES;
  assert_int_equal(es_bulk_build(&o, &batch, &body, &it), -ENOTSUP);
  es_items_free(&it);
  otlpd_buf_free(&body);
}

/* A span and its event in otel mode: the event is a logs document of its
 * own carrying the span's ids and event.name (never twice). */
static void otel_span_and_event(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "x");
  otlp_span s;
  opentelemetry__proto__trace__v1__span__init(&s);
  s.trace_id = (ProtobufCBinaryData){16, f.tid};
  s.span_id = (ProtobufCBinaryData){8, f.sid};
  s.name = "GET /";
  s.kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
  s.start_time_unix_nano = 1000000000;
  s.end_time_unix_nano = 1000000000 + 2500;
  s.attributes = f.kvp;
  s.n_attributes = 1;
  otlp_span_event ev;
  opentelemetry__proto__trace__v1__span__event__init(&ev);
  ev.name = "exception";
  ev.time_unix_nano = 1000000100;
  str_kv(&f, 6, "event.name", "stale");
  ev.attributes = &f.kvp[6];
  ev.n_attributes = 1;
  es_index idx;
  es_route(&idx, NULL, "traces", true, (es_attrs){0}, (es_attrs){0}, (es_attrs){0}, NULL);
  es_doc_ctx c = {NULL, NULL, &f.scope, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_otel_span(&b, &c, &s), 0);
  assert_string_equal(
      text(&b),
      "{\"@timestamp\":\"1000.000000\",\"data_stream\":{\"type\":\"traces\",\"dataset\":\"generic.otel\","
      "\"namespace\":\"default\"},\"trace_id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"span_id\":\"0102030405060708\","
      "\"name\":\"GET /\",\"kind\":\"Client\",\"duration\":2500,\"attributes\":{\"http.method\":\"GET\"},"
      "\"links\":[],\"status\":{\"code\":\"Unset\"},\"resource\":{},\"scope\":{\"name\":\"my.lib\",\"version\":\"1.2\"}}");
  otlpd_buf_clear(&b);
  es_route(&idx, NULL, "logs", true, (es_attrs){ev.attributes, ev.n_attributes}, (es_attrs){0}, (es_attrs){0}, NULL);
  assert_int_equal(es_doc_otel_span_event(&b, &c, &s, &ev), 0);
  char *t = text(&b);
  assert_non_null(strstr(t, "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"generic.otel\""));
  assert_non_null(strstr(t, "\"span_id\":\"0102030405060708\",\"event_name\":\"exception\""));
  assert_non_null(strstr(t, "\"attributes\":{\"event.name\":\"exception\"}"));
  assert_null(strstr(t, "stale"));
  otlpd_buf_free(&b);
}

/* An explicit index that setup bootstraps as a rollover alias: its
 * actions carry require_alias and its items say so; documents routed
 * elsewhere (span events to a data stream) do not. */
static void require_alias_on_bootstrapped_index(void **st) {
  (void)st;
  fixture f;
  log_fixture(&f, "x");
  otlp_span_event ev, *evp[1] = {&ev};
  opentelemetry__proto__trace__v1__span__event__init(&ev);
  ev.name = "e";
  otlp_span s, *sp[1] = {&s};
  opentelemetry__proto__trace__v1__span__init(&s);
  s.trace_id = (ProtobufCBinaryData){16, f.tid};
  s.span_id = (ProtobufCBinaryData){8, f.sid};
  s.name = "op";
  s.events = evp;
  s.n_events = 1;
  otlp_scope_spans ss, *ssp[1] = {&ss};
  opentelemetry__proto__trace__v1__scope_spans__init(&ss);
  ss.spans = sp;
  ss.n_spans = 1;
  otlp_resource_spans rs;
  opentelemetry__proto__trace__v1__resource_spans__init(&rs);
  rs.scope_spans = ssp;
  rs.n_scope_spans = 1;
  void *resources[1] = {&rs};
  otlpd_batch batch;
  memset(&batch, 0, sizeof(batch));
  batch.signal = OTLPD_TRACES;
  batch.resources = resources;
  batch.n = 1;
  es_bulk_opts o = {.mode = ES_MAPPING_OTEL};
  o.index[OTLPD_TRACES] = "otlpd-spans";
  o.require_alias[OTLPD_TRACES] = true;
  otlpd_buf body = {0};
  es_items it = {0};
  assert_int_equal(es_bulk_build(&o, &batch, &body, &it), 0);
  assert_int_equal(it.n, 2);
  const char *want0 = "{\"index\":{\"_index\":\"otlpd-spans\",\"require_alias\":true}}\n";
  const char *want1 = "{\"create\":{\"_index\":\"logs-generic.otel-default\"}}\n";
  assert_memory_equal(body.data + it.v[0].off, want0, strlen(want0));
  assert_memory_equal(body.data + it.v[1].off, want1, strlen(want1));
  assert_true(it.v[0].require_alias);
  assert_false(it.v[1].require_alias);
  /* without setup: the same index, no flag */
  o.require_alias[OTLPD_TRACES] = false;
  assert_int_equal(es_bulk_build(&o, &batch, &body, &it), 0);
  const char *plain = "{\"index\":{\"_index\":\"otlpd-spans\"}}\n";
  assert_memory_equal(body.data, plain, strlen(plain));
  assert_false(it.v[0].require_alias);
  es_items_free(&it);
  otlpd_buf_free(&body);
}

static void compact_keeps_chosen_items(void **st) {
  (void)st;
  otlpd_buf body = {0};
  es_items it = {0};
  const char *lines[] = {"A1\nA2\n", "BB1\nBB2\n", "C\nC\n"};
  size_t off = 0;
  it.v = calloc(3, sizeof(es_item));
  it.cap = 3;
  for (int i = 0; i < 3; i++) {
    otlpd_buf_append(&body, lines[i], strlen(lines[i]));
    it.v[it.n++] = (es_item){off, strlen(lines[i]), 1, i == 2};
    off += strlen(lines[i]);
  }
  bool keep[3] = {false, true, true};
  es_bulk_compact(&body, &it, keep);
  assert_int_equal(it.n, 2);
  assert_int_equal(body.len, strlen("BB1\nBB2\nC\nC\n"));
  assert_memory_equal(body.data, "BB1\nBB2\nC\nC\n", body.len);
  assert_int_equal(it.v[1].off, 8);
  assert_false(it.v[0].require_alias);
  assert_true(it.v[1].require_alias); /* the flag moves with its item */
  es_items_free(&it);
  otlpd_buf_free(&body);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(otel_log_layout),       cmocka_unit_test(strings_are_escaped),
      cmocka_unit_test(raw_and_none_layouts),  cmocka_unit_test(routing_order_and_sanitizing),
      cmocka_unit_test(otel_span_and_event),   cmocka_unit_test(compact_keeps_chosen_items),
      cmocka_unit_test(require_alias_on_bootstrapped_index),
      cmocka_unit_test(index_attribute_routing), cmocka_unit_test(bulk_routes_each_record),
      cmocka_unit_test(bodymap_documents),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
