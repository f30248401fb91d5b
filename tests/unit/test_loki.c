/* loki exporter: label names and values as Loki reads them, stream
 * grouping and per-stream timestamp order, and the protobuf push framing
 * read back after snappy_uncompress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <snappy-c.h>

#include "../../exporters/loki/loki.h"
#include "otlpd/codec.h"
#include "otlpd/data.h"

static char *str(otlpd_buf *b) {
  otlpd_buf_append(b, "", 1);
  b->len--;
  return (char *)b->data;
}

static void test_label_names(void **st) {
  (void)st;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"k8s.namespace.name", "k8s_namespace_name"},
      {"1st", "_1st"},
      {"a-b/c d", "a_b_c_d"},
      {"", "_"},
      {"ok_Name9", "ok_Name9"},
      {"caf\xc3\xa9", "caf__"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    otlpd_buf b = {0};
    assert_int_equal(loki_label_name(&b, cases[i].in, strlen(cases[i].in)), 0);
    assert_string_equal(str(&b), cases[i].want);
    otlpd_buf_free(&b);
  }
}

static void test_label_values(void **st) {
  (void)st;
  otlpd_buf b = {0};
  const char v[] = "a\"b\\c\nd\te\x01" "f\x7f" "caf\xc3\xa9";
  assert_int_equal(loki_label_value(&b, v, sizeof(v) - 1), 0);
  assert_string_equal(str(&b), "\"a\\\"b\\\\c\\nd\\te\\x01f\\x7fcaf\xc3\xa9\"");
  otlpd_buf_free(&b);
}

static void test_label_set_sorted_last_wins(void **st) {
  (void)st;
  loki_labels l = {0};
  assert_int_equal(loki_labels_add(&l, "zeta", 4, "z", 1), 0);
  assert_int_equal(loki_labels_add(&l, "alpha", 5, "1", 1), 0);
  assert_int_equal(loki_labels_add(&l, "mid.x", 5, "m\"", 2), 0);
  assert_int_equal(loki_labels_add(&l, "alpha", 5, "2", 1), 0);
  otlpd_buf out = {0};
  assert_int_equal(loki_labels_render(&l, &out), 0);
  assert_string_equal(str(&out), "{alpha=\"2\", mid_x=\"m\\\"\", zeta=\"z\"}");
  otlpd_buf_free(&out);
  loki_labels_free(&l);
}

static void test_verdicts(void **st) {
  (void)st;
  assert_int_equal(loki_status_verdict(204), LOKI_ACCEPTED);
  assert_int_equal(loki_status_verdict(429), LOKI_RETRYABLE);
  assert_int_equal(loki_status_verdict(500), LOKI_RETRYABLE);
  assert_int_equal(loki_status_verdict(503), LOKI_RETRYABLE);
  assert_int_equal(loki_status_verdict(400), LOKI_REJECTED);
  assert_int_equal(loki_status_verdict(401), LOKI_PERMANENT);
  assert_int_equal(loki_status_verdict(404), LOKI_PERMANENT);
  const char body[] = "entry with timestamp 1 ignored, reason: 'entry out of order' for stream: "
                      "{a=\"b\"},\ntotal ignored: 3 out of 10\n";
  assert_int_equal(loki_ignored_count(body, sizeof(body) - 1, 10), 3);
  assert_int_equal(loki_ignored_count("line too long", 13, 7), 7);
  assert_int_equal(loki_ignored_count(body, sizeof(body) - 1, 2), 2);
}

/* ---- a batch from OTLP-JSON ---- */

typedef struct fx {
  otlpd_batch *b;
  loki_cfg cfg;
  loki_work w;
} fx;

static void fx_load(fx *f, const char *json) {
  memset(f, 0, sizeof(*f));
  f->cfg.structured_metadata = true;
  otlpd_arena *a = otlpd_arena_new(0);
  char err[128];
  ProtobufCMessage *m =
      otlpd_json_decode(otlpd_request_descriptor(OTLPD_LOGS), json, strlen(json), a, err, sizeof(err));
  if (!m) fail_msg("decode: %s", err);
  otlpd_payload *p = otlpd_payload_new(OTLPD_LOGS, a, m, NULL);
  f->b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
}

static void fx_free(fx *f) {
  otlpd_batch_unref(f->b);
  loki_work_free(&f->w);
}

static const char *line_of(const loki_work *w, const loki_entry *e, char *buf, size_t n) {
  snprintf(buf, n, "%.*s", (int)e->line_len, (const char *)w->data.data + e->line);
  return buf;
}

static bool contains(const uint8_t *p, size_t n, const char *s) {
  size_t k = strlen(s);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, s, k) == 0) return true;
  return false;
}

#define REC(ts, body) "{\"timeUnixNano\":\"" #ts "\",\"body\":{\"stringValue\":\"" body "\"}}"

static const char two_resources[] =
    "{\"resourceLogs\":["
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"web\"}},"
    "{\"key\":\"k8s.pod.name\",\"value\":{\"stringValue\":\"p1\"}},"
    "{\"key\":\"k8s.namespace.name\",\"value\":{\"stringValue\":\"ns\"}}]},"
    "\"scopeLogs\":[{\"logRecords\":[" REC(30, "c") "," REC(10, "a") "," REC(20, "b1") "," REC(20, "b2")
    "]}]},"
    "{\"resource\":{},\"scopeLogs\":[{\"logRecords\":[" REC(5, "y") "," REC(1, "x") "]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"web\"}},"
    "{\"key\":\"k8s.namespace.name\",\"value\":{\"stringValue\":\"ns\"}}]},"
    "\"scopeLogs\":[{\"logRecords\":[" REC(15, "a2") "]}]}"
    "]}";

static void test_grouped_and_ordered(void **st) {
  (void)st;
  fx f;
  fx_load(&f, two_resources);
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  /* resources 1 and 3 share a stream: k8s.pod.name is no label by default */
  assert_int_equal(f.w.n_streams, 2);
  assert_int_equal(f.w.n_tenants, 1);
  const loki_stream *web = &f.w.streams[0], *anon = &f.w.streams[1];
  char buf[128];
  snprintf(buf, sizeof(buf), "%.*s", (int)web->labels_len, (const char *)f.w.data.data + web->labels);
  assert_string_equal(buf, "{k8s_namespace_name=\"ns\", service_name=\"web\"}");
  snprintf(buf, sizeof(buf), "%.*s", (int)anon->labels_len, (const char *)f.w.data.data + anon->labels);
  assert_string_equal(buf, "{service_name=\"unknown_service\"}");
  static const char *const want_web[] = {"a", "a2", "b1", "b2", "c"};
  assert_int_equal(web->count, 5);
  for (uint32_t i = 0; i < web->count; i++)
    assert_string_equal(line_of(&f.w, &f.w.entries[web->first + i], buf, sizeof(buf)), want_web[i]);
  assert_int_equal(anon->count, 2);
  assert_string_equal(line_of(&f.w, &f.w.entries[anon->first], buf, sizeof(buf)), "x");
  /* the pod name went to structured metadata of its resource's records */
  const loki_entry *e = &f.w.entries[web->first];
  assert_true(e->rsm_len > 0);
  assert_true(contains(f.w.data.data + e->rsm, e->rsm_len, "k8s_pod_name"));
  fx_free(&f);
}

/* ---- protobuf reader for the round trip ---- */

static uint64_t rd_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (int s = 0; *p < end; s += 7) {
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7f) << s;
    if (c < 0x80) return v;
  }
  fail_msg("truncated varint");
  return 0;
}

/* Next length-delimited field: its number, bytes in *f / *fl. */
static int rd_field(const uint8_t **p, const uint8_t *end, const uint8_t **f, size_t *fl, uint64_t *v) {
  uint64_t key = rd_varint(p, end);
  if ((key & 7) == 0) {
    *v = rd_varint(p, end);
    *f = NULL;
    return (int)(key >> 3);
  }
  assert_int_equal(key & 7, 2);
  *fl = rd_varint(p, end);
  assert_true(*p + *fl <= end);
  *f = *p;
  *p += *fl;
  return (int)(key >> 3);
}

static void test_pb_snappy_round_trip(void **st) {
  (void)st;
  fx f;
  fx_load(&f, "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
              "\"value\":{\"stringValue\":\"api\"}}]},\"scopeLogs\":[{\"logRecords\":["
              "{\"timeUnixNano\":\"1700000000123456789\",\"body\":{\"stringValue\":\"second\"},"
              "\"severityText\":\"WARN\"},"
              "{\"timeUnixNano\":\"1700000000000000001\",\"body\":{\"stringValue\":\"first\"}}]}]}]}");
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  otlpd_buf out = {0};
  assert_int_equal(loki_encode_pb(&f.w, 0, &out), 0);
  size_t ulen = 0;
  assert_int_equal(snappy_uncompressed_length((const char *)out.data, out.len, &ulen), SNAPPY_OK);
  uint8_t *u = malloc(ulen);
  assert_int_equal(snappy_uncompress((const char *)out.data, out.len, (char *)u, &ulen), SNAPPY_OK);
  assert_int_equal(ulen, f.w.scratch.len);
  assert_memory_equal(u, f.w.scratch.data, ulen);

  const uint8_t *p = u, *end = u + ulen, *fld;
  size_t fl;
  uint64_t v;
  assert_int_equal(rd_field(&p, end, &fld, &fl, &v), 1); /* PushRequest.streams */
  assert_true(p == end);                                  /* one stream */
  const uint8_t *sp = fld, *se = fld + fl;
  assert_int_equal(rd_field(&sp, se, &fld, &fl, &v), 1);  /* StreamAdapter.labels */
  assert_int_equal(fl, strlen("{service_name=\"api\"}"));
  assert_memory_equal(fld, "{service_name=\"api\"}", fl);
  static const char *const lines[] = {"first", "second"};
  static const uint64_t secs[] = {1700000000, 1700000000}, nanos[] = {1, 123456789};
  for (int i = 0; i < 2; i++) {
    assert_int_equal(rd_field(&sp, se, &fld, &fl, &v), 2); /* entries */
    const uint8_t *ep = fld, *ee = fld + fl, *g;
    size_t gl;
    assert_int_equal(rd_field(&ep, ee, &g, &gl, &v), 1);  /* timestamp */
    const uint8_t *tp = g, *te = g + gl, *x;
    size_t xl;
    uint64_t sec = 0, ns = 0;
    while (tp < te) {
      int n = rd_field(&tp, te, &x, &xl, &v);
      if (n == 1) sec = v;
      if (n == 2) ns = v;
    }
    assert_int_equal(sec, secs[i]);
    assert_int_equal(ns, nanos[i]);
    assert_int_equal(rd_field(&ep, ee, &g, &gl, &v), 2);  /* line */
    assert_int_equal(gl, strlen(lines[i]));
    assert_memory_equal(g, lines[i], gl);
    if (i == 1) { /* structuredMetadata: severity_text=WARN */
      assert_int_equal(rd_field(&ep, ee, &g, &gl, &v), 3);
      const uint8_t *lp = g, *le = g + gl;
      assert_int_equal(rd_field(&lp, le, &x, &xl, &v), 1);
      assert_memory_equal(x, "severity_text", xl);
      assert_int_equal(rd_field(&lp, le, &x, &xl, &v), 2);
      assert_memory_equal(x, "WARN", xl);
    }
    assert_true(ep == ee);
  }
  assert_true(sp == se);
  free(u);
  otlpd_buf_free(&out);
  fx_free(&f);
}

/* A record that adds a label must not change its resource's set for the
 * records after it. */
static void test_record_labels_do_not_stick(void **st) {
  (void)st;
  fx f;
  fx_load(&f, "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
              "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"s\"}},"
              "{\"key\":\"k8s.namespace.name\",\"value\":{\"stringValue\":\"n\"}}]},"
              "\"scopeLogs\":[{\"logRecords\":["
              "{\"timeUnixNano\":\"1\",\"body\":{\"stringValue\":\"x\"},\"attributes\":["
              "{\"key\":\"a\",\"value\":{\"stringValue\":\"1\"}}]},"
              REC(2, "y") "]}]}]}");
  char *attrs[] = {"a"};
  f.cfg.labels.attributes.v = attrs;
  f.cfg.labels.attributes.n = 1;
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  assert_int_equal(f.w.n_streams, 2);
  char buf[128];
  const loki_stream *s0 = &f.w.streams[0], *s1 = &f.w.streams[1];
  snprintf(buf, sizeof(buf), "%.*s", (int)s0->labels_len, (const char *)f.w.data.data + s0->labels);
  assert_string_equal(buf, "{a=\"1\", k8s_namespace_name=\"n\", service_name=\"s\"}");
  snprintf(buf, sizeof(buf), "%.*s", (int)s1->labels_len, (const char *)f.w.data.data + s1->labels);
  assert_string_equal(buf, "{k8s_namespace_name=\"n\", service_name=\"s\"}");
  fx_free(&f);
}

static void test_logfmt_line(void **st) {
  (void)st;
  fx f;
  fx_load(&f, "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
              "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"s\"}}]},"
              "\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1\","
              "\"body\":{\"stringValue\":\"two words\"},\"severityText\":\"INFO\","
              "\"spanId\":\"1112131415161718\",\"attributes\":["
              "{\"key\":\"http.code\",\"value\":{\"intValue\":\"200\"}}]}]}]}]}");
  f.cfg.line_format = LOKI_LINE_LOGFMT;
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  char buf[256];
  assert_string_equal(line_of(&f.w, &f.w.entries[0], buf, sizeof(buf)),
                      "body=\"two words\" spanID=1112131415161718 severity=INFO "
                      "attribute_http_code=200 resource_service_name=s");
  fx_free(&f);
}

static void test_tenants_split(void **st) {
  (void)st;
  fx f;
  fx_load(&f, "{\"resourceLogs\":["
              "{\"resource\":{\"attributes\":[{\"key\":\"t\",\"value\":{\"stringValue\":\"a\"}}]},"
              "\"scopeLogs\":[{\"logRecords\":[" REC(1, "a1") "]}]},"
              "{\"resource\":{\"attributes\":[{\"key\":\"t\",\"value\":{\"stringValue\":\"b\"}}]},"
              "\"scopeLogs\":[{\"logRecords\":[" REC(1, "b1") "," REC(2, "b2") "]}]}]}");
  f.cfg.tenant.source_attribute = "t";
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  assert_int_equal(f.w.n_tenants, 2);
  assert_int_equal(f.w.tenants[0].entries, 1);
  assert_int_equal(f.w.tenants[1].entries, 2);
  /* same labels, different tenants: two streams */
  assert_int_equal(f.w.n_streams, 2);
  otlpd_buf out = {0};
  f.w.json = true; /* JSON labels are made at collect: run again */
  assert_int_equal(loki_collect(&f.cfg, f.b, &f.w), 0);
  assert_int_equal(loki_encode_json(&f.w, 1, &out), 0);
  assert_non_null(strstr(str(&out), "\"values\":[[\"1\",\"b1\",{\"t\":\"b\"}],[\"2\",\"b2\",{\"t\":\"b\"}]]"));
  assert_null(strstr(str(&out), "a1"));
  otlpd_buf_free(&out);
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_label_names),
      cmocka_unit_test(test_label_values),
      cmocka_unit_test(test_label_set_sorted_last_wins),
      cmocka_unit_test(test_verdicts),
      cmocka_unit_test(test_grouped_and_ordered),
      cmocka_unit_test(test_pb_snappy_round_trip),
      cmocka_unit_test(test_record_labels_do_not_stick),
      cmocka_unit_test(test_logfmt_line),
      cmocka_unit_test(test_tenants_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
