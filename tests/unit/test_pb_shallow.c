/* Shallow decode (collector/codec/pb_shallow.c): what protobuf-c does with
 * the shallow descriptors, item counts equal to a full decode's, packing
 * back to the same bytes, batch splits at every item that lose or
 * duplicate nothing, and the refusals a full decode would make. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"

#define R 3
#define S 2
#define N 4
#define TOTAL (R * S * N)

static otlp_key_value *attr(otlpd_arena *a, const char *k, const char *v) {
  otlp_any_value *av = otlpd_arena_calloc(a, sizeof(*av));
  opentelemetry__proto__common__v1__any_value__init(av);
  av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  av->string_value = (char *)v;
  otlp_key_value *kv = otlpd_arena_calloc(a, sizeof(*kv));
  opentelemetry__proto__common__v1__key_value__init(kv);
  kv->key = (char *)k;
  kv->value = av;
  return kv;
}

static char *name_of(otlpd_arena *a, const char *prefix, int k) {
  char *s = otlpd_arena_alloc(a, 24);
  snprintf(s, 24, "%s%d", prefix, k);
  return s;
}

static otlp_resource *resource(otlpd_arena *a, int r) {
  otlp_resource *res = otlpd_arena_calloc(a, sizeof(*res));
  opentelemetry__proto__resource__v1__resource__init(res);
  res->n_attributes = 1;
  res->attributes = otlpd_arena_alloc(a, sizeof(void *));
  res->attributes[0] = attr(a, "service.name", name_of(a, "svc", r));
  return res;
}

static Opentelemetry__Proto__Common__V1__InstrumentationScope *scope(otlpd_arena *a, int s) {
  Opentelemetry__Proto__Common__V1__InstrumentationScope *sc = otlpd_arena_calloc(a, sizeof(*sc));
  opentelemetry__proto__common__v1__instrumentation_scope__init(sc);
  sc->name = name_of(a, "lib", s);
  sc->version = "1.0";
  return sc;
}

/* R resources x S scopes x N spans named "s<k>", schema URLs at both
 * levels, packed canonically into out. */
static void traces_bytes(otlpd_buf *out) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_trace_request req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
  req.n_resource_spans = R;
  req.resource_spans = otlpd_arena_alloc(a, R * sizeof(void *));
  int k = 0;
  static uint8_t tid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  for (int r = 0; r < R; r++) {
    otlp_resource_spans *rs = otlpd_arena_calloc(a, sizeof(*rs));
    opentelemetry__proto__trace__v1__resource_spans__init(rs);
    rs->resource = resource(a, r);
    rs->schema_url = "https://opentelemetry.io/schemas/1.21.0";
    rs->n_scope_spans = S;
    rs->scope_spans = otlpd_arena_alloc(a, S * sizeof(void *));
    for (int s = 0; s < S; s++) {
      otlp_scope_spans *ss = otlpd_arena_calloc(a, sizeof(*ss));
      opentelemetry__proto__trace__v1__scope_spans__init(ss);
      ss->scope = scope(a, s);
      ss->schema_url = s ? "https://example.com/scope" : "";
      ss->n_spans = N;
      ss->spans = otlpd_arena_alloc(a, N * sizeof(void *));
      for (int n = 0; n < N; n++) {
        otlp_span *sp = otlpd_arena_calloc(a, sizeof(*sp));
        opentelemetry__proto__trace__v1__span__init(sp);
        sp->name = name_of(a, "s", k++);
        sp->trace_id.data = tid;
        sp->trace_id.len = 16;
        sp->start_time_unix_nano = 1700000000000000000ull + (uint64_t)k;
        sp->n_attributes = 1;
        sp->attributes = otlpd_arena_alloc(a, sizeof(void *));
        sp->attributes[0] = attr(a, "http.route", "/cart");
        ss->spans[n] = sp;
      }
      rs->scope_spans[s] = ss;
    }
    req.resource_spans[r] = rs;
  }
  assert_int_equal(otlpd_pb_encode(&req.base, out), 0);
  otlpd_arena_free(a);
}

/* The same shape for logs: bodies "s<k>". */
static void logs_bytes(otlpd_buf *out) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlp_logs_request req = OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
  req.n_resource_logs = R;
  req.resource_logs = otlpd_arena_alloc(a, R * sizeof(void *));
  int k = 0;
  for (int r = 0; r < R; r++) {
    otlp_resource_logs *rl = otlpd_arena_calloc(a, sizeof(*rl));
    opentelemetry__proto__logs__v1__resource_logs__init(rl);
    rl->resource = resource(a, r);
    rl->n_scope_logs = S;
    rl->scope_logs = otlpd_arena_alloc(a, S * sizeof(void *));
    for (int s = 0; s < S; s++) {
      otlp_scope_logs *sl = otlpd_arena_calloc(a, sizeof(*sl));
      opentelemetry__proto__logs__v1__scope_logs__init(sl);
      sl->scope = scope(a, s);
      sl->schema_url = s ? "https://example.com/scope" : "";
      sl->n_log_records = N;
      sl->log_records = otlpd_arena_alloc(a, N * sizeof(void *));
      for (int n = 0; n < N; n++) {
        otlp_log_record *lr = otlpd_arena_calloc(a, sizeof(*lr));
        opentelemetry__proto__logs__v1__log_record__init(lr);
        otlp_any_value *body = otlpd_arena_calloc(a, sizeof(*body));
        opentelemetry__proto__common__v1__any_value__init(body);
        body->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        body->string_value = name_of(a, "s", k++);
        lr->body = body;
        lr->time_unix_nano = (uint64_t)k;
        sl->log_records[n] = lr;
      }
      rl->scope_logs[s] = sl;
    }
    req.resource_logs[r] = rl;
  }
  assert_int_equal(otlpd_pb_encode(&req.base, out), 0);
  otlpd_arena_free(a);
}

static void request_bytes(otlpd_signal s, otlpd_buf *out) {
  if (s == OTLPD_TRACES) traces_bytes(out);
  else logs_bytes(out);
}

/* The running numbers of every item of a protobuf request, in order, by a
 * full decode. */
static int item_numbers(otlpd_signal sig, const uint8_t *p, size_t n, int *out, int max) {
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  ProtobufCMessage *m = otlpd_pb_decode(otlpd_request_descriptor(sig), p, n, a, err, sizeof(err));
  assert_non_null(m);
  int k = 0;
  if (sig == OTLPD_TRACES) {
    otlp_trace_request *t = (otlp_trace_request *)m;
    for (size_t r = 0; r < t->n_resource_spans; r++)
      for (size_t s = 0; s < t->resource_spans[r]->n_scope_spans; s++) {
        otlp_scope_spans *ss = t->resource_spans[r]->scope_spans[s];
        for (size_t i = 0; i < ss->n_spans && k < max; i++) out[k++] = atoi(ss->spans[i]->name + 1);
      }
  } else {
    otlp_logs_request *l = (otlp_logs_request *)m;
    for (size_t r = 0; r < l->n_resource_logs; r++)
      for (size_t s = 0; s < l->resource_logs[r]->n_scope_logs; s++) {
        otlp_scope_logs *sl = l->resource_logs[r]->scope_logs[s];
        for (size_t i = 0; i < sl->n_log_records && k < max; i++)
          out[k++] = atoi(sl->log_records[i]->body->string_value + 1);
      }
  }
  otlpd_arena_free(a);
  return k;
}

static ProtobufCMessage *shallow(otlpd_signal s, otlpd_arena *a, const otlpd_buf *b, otlpd_raw *raw) {
  char err[256] = "";
  ProtobufCMessage *m = otlpd_pb_decode_shallow_keep(s, b->data, b->len, a, err, sizeof(err), raw);
  if (!m) fail_msg("shallow decode failed: %s", err);
  return m;
}

/* What the shallow decode gives (as protobuf-c 1.4 does with the
 * descriptors): sub-messages carry the shallow descriptor they were
 * unpacked with, items are kept as tag-2 length-delimited unknown fields
 * holding the span's bytes with their length prefix, in the arena (the
 * kept copy of the body), not in the caller's input. */
static void check_protobuf_c(otlpd_signal sig) {
  otlpd_buf b = {0};
  request_bytes(sig, &b);
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_raw raw;
  ProtobufCMessage *m = shallow(sig, a, &b, &raw);
  assert_true(otlpd_pb_is_shallow(m->descriptor));
  assert_int_equal(raw.n, R);
  const otlpd_request_view *v = (const otlpd_request_view *)m;
  size_t nres = sig == OTLPD_TRACES ? v->traces.n_resource_spans : v->logs.n_resource_logs;
  assert_int_equal(nres, R);
  for (size_t r = 0; r < nres; r++) {
    const ProtobufCMessage *res = sig == OTLPD_TRACES ? &v->traces.resource_spans[r]->base
                                                      : &v->logs.resource_logs[r]->base;
    assert_true(otlpd_pb_is_shallow(res->descriptor));
    assert_false(otlpd_pb_is_shallow_scope(res->descriptor));
    assert_int_equal(res->n_unknown_fields, 0);
    size_t nsc = sig == OTLPD_TRACES ? v->traces.resource_spans[r]->n_scope_spans
                                     : v->logs.resource_logs[r]->n_scope_logs;
    assert_int_equal(nsc, S);
    for (size_t s = 0; s < nsc; s++) {
      const ProtobufCMessage *sc = sig == OTLPD_TRACES ? &v->traces.resource_spans[r]->scope_spans[s]->base
                                                       : &v->logs.resource_logs[r]->scope_logs[s]->base;
      assert_true(otlpd_pb_is_shallow_scope(sc->descriptor));
      size_t items = sig == OTLPD_TRACES ? ((const otlp_scope_spans *)sc)->n_spans
                                         : ((const otlp_scope_logs *)sc)->n_log_records;
      assert_int_equal(items, 0);
      /* N items plus the scope's schema_url when it is set */
      assert_int_equal(sc->n_unknown_fields, N + (s ? 1 : 0));
      for (unsigned u = 0; u < N; u++) {
        const ProtobufCMessageUnknownField *f = &sc->unknown_fields[u];
        assert_int_equal(f->tag, 2);
        assert_int_equal(f->wire_type, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
        assert_true(f->len > 1);
        assert_int_equal(f->data[0], f->len - 1); /* one-byte length prefix, then the item */
        assert_true(f->data < b.data || f->data >= b.data + b.len);
        assert_true(otlpd_arena_owns(a, f->data));
      }
      if (s) assert_int_equal(sc->unknown_fields[N].tag, 3);
    }
  }
  otlpd_arena_free(a);
  free(b.data);
}

static void protobuf_c_traces(void **st) { (void)st; check_protobuf_c(OTLPD_TRACES); }
static void protobuf_c_logs(void **st) { (void)st; check_protobuf_c(OTLPD_LOGS); }

/* The bytes of the items of a shallow request (their unknown fields). */
static size_t item_bytes(const ProtobufCMessage *m) {
  size_t n = 0;
  const otlpd_request_view *v = (const otlpd_request_view *)m;
  bool tr = m->descriptor == otlpd_request_descriptor_shallow(OTLPD_TRACES);
  size_t nres = tr ? v->traces.n_resource_spans : v->logs.n_resource_logs;
  for (size_t r = 0; r < nres; r++) {
    size_t nsc = tr ? v->traces.resource_spans[r]->n_scope_spans : v->logs.resource_logs[r]->n_scope_logs;
    for (size_t s = 0; s < nsc; s++) {
      const ProtobufCMessage *sc = tr ? &v->traces.resource_spans[r]->scope_spans[s]->base
                                      : &v->logs.resource_logs[r]->scope_logs[s]->base;
      for (unsigned u = 0; u < sc->n_unknown_fields; u++)
        if (sc->unknown_fields[u].tag == 2) n += sc->unknown_fields[u].len;
    }
  }
  return n;
}

/* Same item count as a full decode; pack gives the original bytes, which
 * are what a full decode packs too. */
static void check_count_and_pack(otlpd_signal sig) {
  otlpd_buf b = {0}, full_out = {0}, shallow_out = {0};
  request_bytes(sig, &b);
  otlpd_arena *fa = otlpd_arena_new(0), *sa = otlpd_arena_new(0);
  char err[256];
  ProtobufCMessage *full = otlpd_pb_decode(otlpd_request_descriptor(sig), b.data, b.len, fa, err, sizeof(err));
  assert_non_null(full);
  otlpd_raw raw;
  ProtobufCMessage *m = shallow(sig, sa, &b, &raw);
  assert_int_equal(otlpd_request_items(sig, full), TOTAL);
  assert_int_equal(otlpd_request_items(sig, m), TOTAL);
  assert_int_equal(otlpd_pb_encode(full, &full_out), 0);
  assert_int_equal(otlpd_pb_encode(m, &shallow_out), 0);
  assert_int_equal(full_out.len, b.len);
  assert_int_equal(shallow_out.len, b.len);
  assert_memory_equal(full_out.data, b.data, b.len);
  assert_memory_equal(shallow_out.data, b.data, b.len);
  /* the shallow arena holds less than the full one: the point of it; and
   * the items are not copied a second time (the kept body plus structs) */
  assert_true(otlpd_arena_used(sa) < otlpd_arena_used(fa));
  /* protobuf-c with the same descriptors (after the same kept copy)
   * copies every item again: the shallow decode does not */
  otlpd_arena *ra = otlpd_arena_new(0);
  uint8_t *copy = otlpd_arena_alloc(ra, b.len);
  memcpy(copy, b.data, b.len);
  assert_non_null(protobuf_c_message_unpack(otlpd_request_descriptor_shallow(sig), otlpd_arena_pb(ra), b.len, copy));
  assert_true(otlpd_arena_used(ra) >= otlpd_arena_used(sa) + item_bytes(m));
  otlpd_arena_free(ra);
  otlpd_arena_free(fa);
  otlpd_arena_free(sa);
  free(b.data);
  free(full_out.data);
  free(shallow_out.data);
}

static void count_pack_traces(void **st) { (void)st; check_count_and_pack(OTLPD_TRACES); }
static void count_pack_logs(void **st) { (void)st; check_count_and_pack(OTLPD_LOGS); }

/* A batch of the shallow request split after every possible item count:
 * head and tail, encoded as an exporter does and decoded fully, hold
 * every item once, in order. */
static void check_split_everywhere(otlpd_signal sig) {
  otlpd_buf b = {0};
  request_bytes(sig, &b);
  for (size_t cut = 0; cut <= TOTAL; cut++) {
    otlpd_arena *a = otlpd_arena_new(0);
    otlpd_raw raw;
    ProtobufCMessage *m = shallow(sig, a, &b, &raw);
    otlpd_payload *p = otlpd_payload_new(sig, a, m, NULL);
    assert_non_null(p);
    p->raw = raw;
    otlpd_batch *all = otlpd_batch_from_payload(p);
    otlpd_payload_unref(p);
    assert_int_equal(all->items, TOTAL);
    otlpd_batch *head = otlpd_batch_take(all, cut);
    assert_non_null(head);
    assert_int_equal(head->items, cut);
    assert_int_equal(all->items, TOTAL - cut);
    otlpd_buf hb = {0}, tb = {0};
    assert_int_equal(otlpd_batch_encode_pb(head, &hb), 0);
    assert_int_equal(otlpd_batch_encode_pb(all, &tb), 0);
    int got[TOTAL + 1], k = 0;
    k += item_numbers(sig, hb.data, hb.len, got, TOTAL + 1);
    assert_int_equal(k, cut);
    k += item_numbers(sig, tb.data, tb.len, got + k, TOTAL + 1 - k);
    assert_int_equal(k, TOTAL);
    for (int i = 0; i < TOTAL; i++) assert_int_equal(got[i], i);
    /* the counts each half claims are what a full decode finds */
    size_t hcount = 0;
    for (size_t i = 0; i < head->n; i++) hcount += otlpd_resource_items(sig, head->resources[i]);
    assert_int_equal(hcount, cut);
    otlpd_batch_unref(head);
    otlpd_batch_unref(all);
    free(hb.data);
    free(tb.data);
  }
  free(b.data);
}

static void split_traces(void **st) { (void)st; check_split_everywhere(OTLPD_TRACES); }
static void split_logs(void **st) { (void)st; check_split_everywhere(OTLPD_LOGS); }

/* A wrong wire type deep inside a span: protobuf-c refuses it in a full
 * decode, so the shallow one must too (else it is forwarded and poisons a
 * whole batch downstream). */
static void refuses_what_full_refuses(void **st) {
  (void)st;
  /* request{1: resource_spans{2: scope_spans{2: span{5(name): varint 7}}}} */
  static const uint8_t bad[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x28, 0x07};
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256] = "";
  otlpd_raw raw;
  assert_null(otlpd_pb_decode(otlpd_request_descriptor(OTLPD_TRACES), bad, sizeof(bad), a, err, sizeof(err)));
  err[0] = 0;
  assert_null(otlpd_pb_decode_shallow_keep(OTLPD_TRACES, bad, sizeof(bad), a, err, sizeof(err), &raw));
  assert_non_null(strstr(err, "wire type"));
  /* and truncation inside a log record */
  static const uint8_t cut[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x0a, 0x05};
  err[0] = 0;
  assert_null(otlpd_pb_decode_shallow_keep(OTLPD_LOGS, cut, sizeof(cut), a, err, sizeof(err), &raw));
  assert_true(err[0] != 0);
  otlpd_arena_free(a);
}

/* Empty bodies are valid empty requests; metrics have no shallow form and
 * decode fully. */
static void empty_and_metrics(void **st) {
  (void)st;
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  otlpd_raw raw;
  ProtobufCMessage *m = otlpd_pb_decode_shallow_keep(OTLPD_TRACES, NULL, 0, a, err, sizeof(err), &raw);
  assert_non_null(m);
  assert_int_equal(otlpd_request_items(OTLPD_TRACES, m), 0);
  assert_null(otlpd_request_descriptor_shallow(OTLPD_METRICS));
  m = otlpd_pb_decode_shallow_keep(OTLPD_METRICS, NULL, 0, a, err, sizeof(err), &raw);
  assert_non_null(m);
  assert_ptr_equal(m->descriptor, otlpd_request_descriptor(OTLPD_METRICS));
  otlpd_arena_free(a);
}

/* JSON cannot carry unknown fields: encoding a shallow message fails
 * instead of silently writing scopes without their items. */
static void json_refuses_shallow(void **st) {
  (void)st;
  otlpd_buf b = {0}, out = {0};
  traces_bytes(&b);
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_raw raw;
  ProtobufCMessage *m = shallow(OTLPD_TRACES, a, &b, &raw);
  assert_int_equal(otlpd_json_encode(m, &out), -EINVAL);
  assert_int_equal(out.len, 0);
  otlpd_arena_free(a);
  free(b.data);
  free(out.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(protobuf_c_traces),  cmocka_unit_test(protobuf_c_logs),
      cmocka_unit_test(count_pack_traces),  cmocka_unit_test(count_pack_logs),
      cmocka_unit_test(split_traces),       cmocka_unit_test(split_logs),
      cmocka_unit_test(refuses_what_full_refuses), cmocka_unit_test(empty_and_metrics),
      cmocka_unit_test(json_refuses_shallow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
