/* The OTLP-specialised protobuf encoder writes exactly protobuf-c's bytes:
 * over randomized ResourceSpans / ResourceLogs trees (every field, zero
 * values, negative enums, all AnyValue cases, nesting, unknown fields),
 * the fuzz seed corpus, the bench payloads when present, and edited
 * batches through otlpd_batch_encode_pb. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch_fixtures.h"
#include "otlpd/arena.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"
#include "otlpd/pb_encode_otlp.h"

typedef struct rng {
  uint64_t s;
  otlpd_arena *a;
} rng;

static uint64_t next(rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return r->s;
}
static unsigned below(rng *r, unsigned n) { return (unsigned)(next(r) % n); }
static void *zalloc(rng *r, size_t n) { return otlpd_arena_calloc(r->a, n ? n : 1); }

/* Values biased to the edges protobuf cares about: 0, one-byte, multi-byte,
 * all-ones. */
static uint64_t edge_u64(rng *r) {
  switch (below(r, 6)) {
  case 0: return 0;
  case 1: return 1;
  case 2: return 127 + below(r, 3);
  case 3: return UINT64_MAX - below(r, 2);
  case 4: return (uint64_t)1 << below(r, 64);
  default: return next(r);
  }
}
static uint32_t edge_u32(rng *r) { return below(r, 3) ? (uint32_t)edge_u64(r) : 0; }
static int32_t edge_enum(rng *r) {
  switch (below(r, 4)) {
  case 0: return 0;
  case 1: return -(int32_t)below(r, 3) - 1; /* negative: 10 bytes on the wire */
  case 2: return (int32_t)below(r, 6);
  default: return (int32_t)(next(r) & 0x7fffffff);
  }
}

/* NULL, "", or a string of 1..300 bytes (lengths across the 1/2-byte
 * varint boundary). */
static char *rstr(rng *r) {
  unsigned k = below(r, 5);
  if (k == 0) return NULL;
  if (k == 1) return (char *)protobuf_c_empty_string;
  if (k == 2) return "";
  size_t n = 1 + below(r, k == 3 ? 12 : 300);
  char *s = zalloc(r, n + 1);
  for (size_t i = 0; i < n; i++) s[i] = (char)('a' + below(r, 26));
  return s;
}
static char *nonnull_str(rng *r) {
  char *s = rstr(r);
  return s ? s : "";
}
static ProtobufCBinaryData rbytes(rng *r) {
  ProtobufCBinaryData b = {0, NULL};
  unsigned k = below(r, 4);
  if (k == 0) return b;
  b.len = k == 1 ? 0 : (k == 2 ? 8 : 1 + below(r, 200));
  b.data = zalloc(r, b.len);
  for (size_t i = 0; i < b.len; i++) b.data[i] = (uint8_t)next(r);
  return b;
}

/* Unknown fields as protobuf-c keeps them: tag, wire type, the bytes after
 * the tag (opaque to the encoders). */
static void unknowns(rng *r, ProtobufCMessage *m) {
  if (below(r, 3)) return;
  size_t n = 1 + below(r, 3);
  m->n_unknown_fields = n;
  m->unknown_fields = zalloc(r, n * sizeof *m->unknown_fields);
  static const ProtobufCWireType wt[] = {PROTOBUF_C_WIRE_TYPE_VARINT, PROTOBUF_C_WIRE_TYPE_64BIT,
                                         PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, PROTOBUF_C_WIRE_TYPE_32BIT};
  for (size_t i = 0; i < n; i++) {
    ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
    u->tag = below(r, 2) ? 17 + below(r, 2000) : (1u << 29) - 1 - below(r, 3);
    u->wire_type = wt[below(r, 4)];
    u->len = below(r, 20);
    u->data = zalloc(r, u->len);
    for (size_t j = 0; j < u->len; j++) u->data[j] = (uint8_t)next(r);
  }
}

static otlp_any_value *any_value(rng *r, int depth);

static otlp_key_value *key_value(rng *r, int depth) {
  otlp_key_value *kv = zalloc(r, sizeof *kv);
  opentelemetry__proto__common__v1__key_value__init(kv);
  kv->key = nonnull_str(r);
  kv->value = below(r, 8) ? any_value(r, depth) : NULL;
  unknowns(r, &kv->base);
  return kv;
}

static otlp_key_value **attrs(rng *r, size_t *n, int depth) {
  *n = below(r, 4) ? below(r, 6) : 0;
  otlp_key_value **v = zalloc(r, *n * sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = key_value(r, depth);
  return v;
}

static otlp_any_value *any_value(rng *r, int depth) {
  otlp_any_value *v = zalloc(r, sizeof *v);
  opentelemetry__proto__common__v1__any_value__init(v);
  unsigned c = below(r, depth > 3 ? 5 : 8);
  if (c >= 5 && c <= 6 && depth > 3) c = 0;
  switch (c) {
  case 0: v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE; v->string_value = rstr(r); break;
  case 1: v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE; v->bool_value = (int)below(r, 2); break;
  case 2: v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE; v->int_value = (int64_t)edge_u64(r); break;
  case 3:
    v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
    v->double_value = below(r, 3) ? (double)(int64_t)next(r) / 7.0 : (below(r, 2) ? 0.0 : -0.0);
    break;
  case 4: v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE; v->bytes_value = rbytes(r); break;
  case 5: {
    v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
    if (!below(r, 6)) break; /* set case, NULL message: not written */
    otlp_array_value *a = zalloc(r, sizeof *a);
    opentelemetry__proto__common__v1__array_value__init(a);
    a->n_values = below(r, 4);
    a->values = zalloc(r, a->n_values * sizeof *a->values);
    for (size_t i = 0; i < a->n_values; i++) a->values[i] = any_value(r, depth + 1);
    unknowns(r, &a->base);
    v->array_value = a;
    break;
  }
  case 6: {
    v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
    if (!below(r, 6)) break;
    otlp_kvlist *l = zalloc(r, sizeof *l);
    opentelemetry__proto__common__v1__key_value_list__init(l);
    l->values = attrs(r, &l->n_values, depth + 1);
    unknowns(r, &l->base);
    v->kvlist_value = l;
    break;
  }
  default: break; /* not set */
  }
  unknowns(r, &v->base);
  return v;
}

static otlp_scope *scope(rng *r) {
  if (!below(r, 4)) return NULL;
  otlp_scope *s = zalloc(r, sizeof *s);
  opentelemetry__proto__common__v1__instrumentation_scope__init(s);
  s->name = rstr(r);
  s->version = rstr(r);
  s->attributes = attrs(r, &s->n_attributes, 0);
  s->dropped_attributes_count = edge_u32(r);
  unknowns(r, &s->base);
  return s;
}

static char **strs(rng *r, size_t *n) {
  *n = below(r, 4);
  char **v = zalloc(r, *n * sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = nonnull_str(r);
  return v;
}

static otlp_resource *resource(rng *r) {
  if (!below(r, 5)) return NULL;
  otlp_resource *res = zalloc(r, sizeof *res);
  opentelemetry__proto__resource__v1__resource__init(res);
  res->attributes = attrs(r, &res->n_attributes, 0);
  res->dropped_attributes_count = edge_u32(r);
  if (!below(r, 3)) {
    res->n_entity_refs = 1 + below(r, 2);
    res->entity_refs = zalloc(r, res->n_entity_refs * sizeof *res->entity_refs);
    for (size_t i = 0; i < res->n_entity_refs; i++) {
      Opentelemetry__Proto__Common__V1__EntityRef *e = zalloc(r, sizeof *e);
      opentelemetry__proto__common__v1__entity_ref__init(e);
      e->schema_url = rstr(r);
      e->type = rstr(r);
      e->id_keys = strs(r, &e->n_id_keys);
      e->description_keys = strs(r, &e->n_description_keys);
      unknowns(r, &e->base);
      res->entity_refs[i] = e;
    }
  }
  unknowns(r, &res->base);
  return res;
}

static otlp_span *span(rng *r) {
  otlp_span *s = zalloc(r, sizeof *s);
  opentelemetry__proto__trace__v1__span__init(s);
  s->trace_id = rbytes(r);
  s->span_id = rbytes(r);
  s->trace_state = rstr(r);
  s->parent_span_id = rbytes(r);
  s->flags = edge_u32(r);
  s->name = rstr(r);
  s->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)edge_enum(r);
  s->start_time_unix_nano = edge_u64(r);
  s->end_time_unix_nano = edge_u64(r);
  s->attributes = attrs(r, &s->n_attributes, 0);
  s->dropped_attributes_count = edge_u32(r);
  s->n_events = below(r, 3);
  s->events = zalloc(r, s->n_events * sizeof *s->events);
  for (size_t i = 0; i < s->n_events; i++) {
    Opentelemetry__Proto__Trace__V1__Span__Event *e = zalloc(r, sizeof *e);
    opentelemetry__proto__trace__v1__span__event__init(e);
    e->time_unix_nano = edge_u64(r);
    e->name = rstr(r);
    e->attributes = attrs(r, &e->n_attributes, 0);
    e->dropped_attributes_count = edge_u32(r);
    unknowns(r, &e->base);
    s->events[i] = e;
  }
  s->dropped_events_count = edge_u32(r);
  s->n_links = below(r, 3);
  s->links = zalloc(r, s->n_links * sizeof *s->links);
  for (size_t i = 0; i < s->n_links; i++) {
    Opentelemetry__Proto__Trace__V1__Span__Link *l = zalloc(r, sizeof *l);
    opentelemetry__proto__trace__v1__span__link__init(l);
    l->trace_id = rbytes(r);
    l->span_id = rbytes(r);
    l->trace_state = rstr(r);
    l->attributes = attrs(r, &l->n_attributes, 0);
    l->dropped_attributes_count = edge_u32(r);
    l->flags = edge_u32(r);
    unknowns(r, &l->base);
    s->links[i] = l;
  }
  s->dropped_links_count = edge_u32(r);
  if (below(r, 3)) {
    Opentelemetry__Proto__Trace__V1__Status *st = zalloc(r, sizeof *st);
    opentelemetry__proto__trace__v1__status__init(st);
    st->message = rstr(r);
    st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)edge_enum(r);
    unknowns(r, &st->base);
    s->status = st;
  }
  unknowns(r, &s->base);
  return s;
}

static otlp_resource_spans *resource_spans(rng *r) {
  otlp_resource_spans *rs = zalloc(r, sizeof *rs);
  opentelemetry__proto__trace__v1__resource_spans__init(rs);
  rs->resource = resource(r);
  rs->n_scope_spans = below(r, 3);
  rs->scope_spans = zalloc(r, rs->n_scope_spans * sizeof *rs->scope_spans);
  for (size_t i = 0; i < rs->n_scope_spans; i++) {
    otlp_scope_spans *ss = zalloc(r, sizeof *ss);
    opentelemetry__proto__trace__v1__scope_spans__init(ss);
    ss->scope = scope(r);
    ss->n_spans = below(r, 4);
    ss->spans = zalloc(r, ss->n_spans * sizeof *ss->spans);
    for (size_t j = 0; j < ss->n_spans; j++) ss->spans[j] = span(r);
    ss->schema_url = rstr(r);
    unknowns(r, &ss->base);
    rs->scope_spans[i] = ss;
  }
  rs->schema_url = rstr(r);
  unknowns(r, &rs->base);
  return rs;
}

static otlp_log_record *log_record(rng *r) {
  otlp_log_record *l = zalloc(r, sizeof *l);
  opentelemetry__proto__logs__v1__log_record__init(l);
  l->time_unix_nano = edge_u64(r);
  l->observed_time_unix_nano = edge_u64(r);
  l->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)edge_enum(r);
  l->severity_text = rstr(r);
  l->body = below(r, 4) ? any_value(r, 0) : NULL;
  l->attributes = attrs(r, &l->n_attributes, 0);
  l->dropped_attributes_count = edge_u32(r);
  l->flags = edge_u32(r);
  l->trace_id = rbytes(r);
  l->span_id = rbytes(r);
  l->event_name = rstr(r);
  unknowns(r, &l->base);
  return l;
}

static otlp_resource_logs *resource_logs(rng *r) {
  otlp_resource_logs *rl = zalloc(r, sizeof *rl);
  opentelemetry__proto__logs__v1__resource_logs__init(rl);
  rl->resource = resource(r);
  rl->n_scope_logs = below(r, 3);
  rl->scope_logs = zalloc(r, rl->n_scope_logs * sizeof *rl->scope_logs);
  for (size_t i = 0; i < rl->n_scope_logs; i++) {
    otlp_scope_logs *sl = zalloc(r, sizeof *sl);
    opentelemetry__proto__logs__v1__scope_logs__init(sl);
    sl->scope = scope(r);
    sl->n_log_records = below(r, 4);
    sl->log_records = zalloc(r, sl->n_log_records * sizeof *sl->log_records);
    for (size_t j = 0; j < sl->n_log_records; j++) sl->log_records[j] = log_record(r);
    sl->schema_url = rstr(r);
    unknowns(r, &sl->base);
    rl->scope_logs[i] = sl;
  }
  rl->schema_url = rstr(r);
  unknowns(r, &rl->base);
  return rl;
}

/* Both encoders, same bytes. Returns the size. */
static size_t expect_same(const ProtobufCMessage *m, const char *what) {
  size_t want = protobuf_c_message_get_packed_size(m);
  size_t got = otlpd_pb_otlp_size(m);
  if (got != want) fail_msg("%s: size %zu, protobuf-c %zu", what, got, want);
  uint8_t *a = malloc(want + 1), *b = malloc(want + 1);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(protobuf_c_message_pack(m, a), want);
  assert_int_equal(otlpd_pb_otlp_pack(m, got, b), want);
  if (memcmp(a, b, want)) {
    size_t i = 0;
    while (a[i] == b[i]) i++;
    fail_msg("%s: bytes differ at %zu of %zu (0x%02x, protobuf-c 0x%02x)", what, i, want, b[i], a[i]);
  }
  free(a);
  free(b);
  return want;
}

static void test_random_traces(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 3000; seed++) {
    rng r = {seed * 0x9e3779b97f4a7c15ull, otlpd_arena_new(0)};
    char what[64];
    snprintf(what, sizeof what, "traces seed %llu", (unsigned long long)seed);
    otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.n_resource_spans = below(&r, 3);
    req.resource_spans = zalloc(&r, req.n_resource_spans * sizeof *req.resource_spans);
    for (size_t i = 0; i < req.n_resource_spans; i++) {
      req.resource_spans[i] = resource_spans(&r);
      expect_same(&req.resource_spans[i]->base, what);
    }
    unknowns(&r, &req.base);
    expect_same(&req.base, what);
    otlpd_arena_free(r.a);
  }
}

static void test_random_logs(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 3000; seed++) {
    rng r = {seed * 0xbf58476d1ce4e5b9ull, otlpd_arena_new(0)};
    char what[64];
    snprintf(what, sizeof what, "logs seed %llu", (unsigned long long)seed);
    otlp_logs_request req = OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
    req.n_resource_logs = below(&r, 3);
    req.resource_logs = zalloc(&r, req.n_resource_logs * sizeof *req.resource_logs);
    for (size_t i = 0; i < req.n_resource_logs; i++) {
      req.resource_logs[i] = resource_logs(&r);
      expect_same(&req.resource_logs[i]->base, what);
    }
    unknowns(&r, &req.base);
    expect_same(&req.base, what);
    otlpd_arena_free(r.a);
  }
}

/* Decodes every file of dir as each signal's request and compares the
 * encoders on what decoded. Returns how many decoded. */
static int check_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int decoded = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t nl = strlen(e->d_name);
    if (nl < 4 || strcmp(e->d_name + nl - 3, ".pb")) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    otlpd_buf in = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) assert_int_equal(otlpd_buf_append(&in, chunk, n), 0);
    fclose(f);
    for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
      char err[256];
      otlpd_arena *a = otlpd_arena_new(0);
      ProtobufCMessage *m = otlpd_pb_decode(otlpd_request_descriptor((otlpd_signal)s), in.data, in.len, a, err,
                                            sizeof err);
      if (m) {
        decoded++;
        expect_same(m, path);
      }
      otlpd_arena_free(a);
    }
    otlpd_buf_free(&in);
  }
  closedir(d);
  return decoded;
}

static void test_seed_corpus(void **state) {
  (void)state;
  assert_true(check_dir(OTLPD_SOURCE_DIR "/tests/fuzz/corpus/pb") >= 7);
}

/* bench/payloads is generated (bench/run.sh) and git-ignored: checked when
 * present. */
static void test_bench_payloads(void **state) {
  (void)state;
  int n = check_dir(OTLPD_SOURCE_DIR "/bench/payloads");
  if (n < 0) {
    print_message("bench/payloads absent (run bench/run.sh once): skipped\n");
    skip();
  }
  print_message("bench/payloads: %d requests compared\n", n);
}

/* otlpd_batch_encode_pb: entries without wire bytes (edited) go through
 * the OTLP encoder and the output is protobuf-c's framing of each. */
static void test_batch_encode(void **state) {
  (void)state;
  int counter = 0;
  otlpd_payload *p = fx_traces(3, 2, 5, &counter, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  assert_non_null(b);
  otlpd_buf got = {0}, want = {0};
  assert_int_equal(otlpd_batch_encode_pb(b, &got), 0);
  otlp_trace_request *req = (otlp_trace_request *)p->msg;
  assert_int_equal(otlpd_pb_encode(&req->base, &want), 0);
  assert_int_equal(got.len, want.len);
  assert_memory_equal(got.data, want.data, want.len);
  otlpd_buf_free(&got);
  otlpd_buf_free(&want);
  otlpd_batch_unref(b);
  otlpd_payload_unref(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_traces), cmocka_unit_test(test_random_logs),
      cmocka_unit_test(test_seed_corpus),   cmocka_unit_test(test_bench_payloads),
      cmocka_unit_test(test_batch_encode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
