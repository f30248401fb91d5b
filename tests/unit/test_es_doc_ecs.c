/* elasticsearch mapping::mode ecs (exporters/elasticsearch/es_doc_ecs.c):
 * exact documents for a log record and a span: contrib's resource
 * renames, agent.*, host.os.type, nested objects, the later of two equal
 * keys winning, data_stream without the .otel suffix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/elasticsearch/es_doc.h"
#include "../../exporters/elasticsearch/es_route.h"

typedef struct kvs {
  otlp_any_value v[16];
  otlp_key_value kv[16];
  otlp_key_value *p[16];
  int n;
} kvs;

static void put(kvs *k, const char *key, const char *val) {
  int i = k->n++;
  opentelemetry__proto__common__v1__any_value__init(&k->v[i]);
  k->v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  k->v[i].string_value = (char *)val;
  opentelemetry__proto__common__v1__key_value__init(&k->kv[i]);
  k->kv[i].key = (char *)key;
  k->kv[i].value = &k->v[i];
  k->p[i] = &k->kv[i];
}

static char *text(otlpd_buf *b) {
  otlpd_buf_append(b, "", 1);
  b->len--;
  return (char *)b->data;
}

static uint8_t tid[16], sid[8], pid[8], lsid[8];

static void ids(void) {
  for (int i = 0; i < 16; i++) tid[i] = (uint8_t)(0xa0 + i);
  for (int i = 0; i < 8; i++) sid[i] = (uint8_t)(i + 1), pid[i] = 0x11, lsid[i] = 0x22;
}

static void ecs_log_document(void **st) {
  (void)st;
  ids();
  kvs res = {0}, rec = {0};
  put(&res, "service.name", "svc");
  put(&res, "host.name", "h1");
  put(&res, "k8s.pod.name", "p1");
  put(&res, "telemetry.sdk.name", "opentelemetry");
  put(&res, "telemetry.sdk.language", "c");
  put(&res, "telemetry.sdk.version", "1.0");
  put(&res, "os.type", "linux");
  put(&res, "deployment.environment.name", "prod");
  put(&rec, "event.name", "login");
  put(&rec, "data_stream.dataset", "app");
  put(&rec, "user.id", "u1");
  put(&rec, "log.level", "overridden");
  otlp_resource r;
  opentelemetry__proto__resource__v1__resource__init(&r);
  r.attributes = res.p;
  r.n_attributes = (size_t)res.n;
  otlp_any_value body;
  opentelemetry__proto__common__v1__any_value__init(&body);
  body.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  body.string_value = "hello";
  otlp_log_record lr;
  opentelemetry__proto__logs__v1__log_record__init(&lr);
  lr.time_unix_nano = 1700000000123456789ull;
  lr.severity_text = "WARN";
  lr.severity_number = 13;
  lr.body = &body;
  lr.trace_id = (ProtobufCBinaryData){16, tid};
  lr.span_id = (ProtobufCBinaryData){8, sid};
  lr.attributes = rec.p;
  lr.n_attributes = (size_t)rec.n;
  es_index idx;
  es_route(&idx, NULL, "logs", false, (es_attrs){rec.p, (size_t)rec.n}, (es_attrs){0},
           (es_attrs){res.p, (size_t)res.n}, NULL);
  es_doc_ctx c = {&r, NULL, NULL, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_ecs_log(&b, &c, &lr), 0);
  assert_string_equal(
      text(&b),
      "{\"@timestamp\":\"2023-11-14T22:13:20.123456789Z\","
      "\"agent\":{\"name\":\"opentelemetry/c\",\"version\":\"1.0\"},"
      "\"data_stream\":{\"dataset\":\"app\",\"namespace\":\"default\",\"type\":\"logs\"},"
      "\"event\":{\"action\":\"login\",\"severity\":13},"
      "\"host\":{\"hostname\":\"h1\",\"name\":\"h1\",\"os\":{\"platform\":\"linux\",\"type\":\"linux\"}},"
      "\"kubernetes\":{\"pod\":{\"name\":\"p1\"}},\"log\":{\"level\":\"WARN\"},\"message\":\"hello\","
      "\"service\":{\"environment\":\"prod\",\"name\":\"svc\"},\"span\":{\"id\":\"0102030405060708\"},"
      "\"trace\":{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\"},\"user\":{\"id\":\"u1\"}}");
  otlpd_buf_free(&b);
}

static void ecs_agent_and_host_overrides(void **st) {
  (void)st;
  kvs res = {0};
  put(&res, "agent.name", "custom");
  put(&res, "telemetry.sdk.name", "opentelemetry");
  put(&res, "host.name", "n");
  put(&res, "host.hostname", "hn");
  put(&res, "os.type", "darwin");
  otlp_resource r;
  opentelemetry__proto__resource__v1__resource__init(&r);
  r.attributes = res.p;
  r.n_attributes = (size_t)res.n;
  otlp_log_record lr;
  opentelemetry__proto__logs__v1__log_record__init(&lr);
  lr.observed_time_unix_nano = 1000000000ull;
  es_index idx;
  es_route(&idx, "plain", "logs", false, (es_attrs){0}, (es_attrs){0}, (es_attrs){0}, NULL);
  es_doc_ctx c = {&r, NULL, NULL, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_ecs_log(&b, &c, &lr), 0);
  assert_string_equal(text(&b), "{\"@timestamp\":\"1970-01-01T00:00:01.000000000Z\",\"agent\":{\"name\":\"custom\"},"
                                "\"host\":{\"hostname\":\"hn\",\"name\":\"n\",\"os\":{\"platform\":\"darwin\","
                                "\"type\":\"macos\"}}}");
  otlpd_buf_free(&b);
}

static void ecs_span_document(void **st) {
  (void)st;
  ids();
  kvs res = {0}, sa = {0};
  put(&res, "service.name", "svc");
  put(&sa, "db.system", "mysql");
  put(&sa, "http.route", "/x");
  otlp_resource r;
  opentelemetry__proto__resource__v1__resource__init(&r);
  r.attributes = res.p;
  r.n_attributes = (size_t)res.n;
  otlp_span_link l, *lp = &l;
  opentelemetry__proto__trace__v1__span__link__init(&l);
  l.trace_id = (ProtobufCBinaryData){16, tid};
  l.span_id = (ProtobufCBinaryData){8, lsid};
  Opentelemetry__Proto__Trace__V1__Status status;
  opentelemetry__proto__trace__v1__status__init(&status);
  status.code = 2;
  otlp_span s;
  opentelemetry__proto__trace__v1__span__init(&s);
  s.name = "GET /";
  s.kind = 3;
  s.start_time_unix_nano = 1000000000ull;
  s.end_time_unix_nano = 1000002500ull;
  s.trace_id = (ProtobufCBinaryData){16, tid};
  s.span_id = (ProtobufCBinaryData){8, sid};
  s.parent_span_id = (ProtobufCBinaryData){8, pid};
  s.status = &status;
  s.links = &lp;
  s.n_links = 1;
  s.attributes = sa.p;
  s.n_attributes = (size_t)sa.n;
  es_index idx;
  es_route(&idx, NULL, "traces", false, (es_attrs){0}, (es_attrs){0}, (es_attrs){0}, NULL);
  es_doc_ctx c = {&r, NULL, NULL, NULL, &idx, NULL};
  otlpd_buf b = {0};
  assert_int_equal(es_doc_ecs_span(&b, &c, &s), 0);
  assert_string_equal(
      text(&b),
      "{\"@timestamp\":\"1970-01-01T00:00:01.000000000Z\","
      "\"data_stream\":{\"dataset\":\"generic\",\"namespace\":\"default\",\"type\":\"traces\"},"
      "\"event\":{\"outcome\":\"failure\"},\"http\":{\"route\":\"/x\"},\"parent\":{\"id\":\"1111111111111111\"},"
      "\"service\":{\"name\":\"svc\"},\"span\":{\"db\":{\"type\":\"mysql\"},\"id\":\"0102030405060708\","
      "\"kind\":\"CLIENT\",\"links\":[{\"span\":{\"id\":\"2222222222222222\"},"
      "\"trace\":{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\"}}],\"name\":\"GET /\"},"
      "\"trace\":{\"id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\"}}");
  otlpd_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ecs_log_document),
      cmocka_unit_test(ecs_agent_and_host_overrides),
      cmocka_unit_test(ecs_span_document),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
