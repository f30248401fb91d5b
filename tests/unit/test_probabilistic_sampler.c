/* probabilistic_sampler: otelcol-contrib's hash_seed decisions checked
 * against vectors and a reference written apart from otlpd's code, whole
 * traces across batches, the fast paths, copy-on-write, logs, config. */
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
#include "processors/probabilistic_sampler/probabilistic_sampler.h"

extern const otlpd_factory otlpd_processor_probabilistic_sampler;
#define FACTORY otlpd_processor_probabilistic_sampler

/* ---- reference: the rule as first published in otelcol-contrib
 * (processor/probabilisticsamplerprocessor before the OTEP 235 rewrite):
 * keep when (FNV-1a 32 of seed as 4 little-endian bytes, then the 16
 * trace-id bytes) & 0x3fff is below uint32(float32(pct) * float32(163.84)).
 * The current code builds 56-bit randomness and thresholds from the same
 * bucket; both must give the same answer. Kept free of otlpd's code. */
static uint32_t ref_fnv(uint32_t seed, const uint8_t *b, size_t n) {
  uint8_t all[64];
  size_t m = 0;
  all[m++] = (uint8_t)seed;
  all[m++] = (uint8_t)(seed >> 8);
  all[m++] = (uint8_t)(seed >> 16);
  all[m++] = (uint8_t)(seed >> 24);
  memcpy(all + m, b, n);
  m += n;
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < m; i++) {
    h ^= all[i];
    h *= 0x01000193u;
  }
  return h;
}

static bool ref_keep(uint32_t seed, const uint8_t *b, size_t n, float pct) {
  volatile float scaled = pct * 163.84f; /* float32, as Go's float32 arithmetic */
  return (ref_fnv(seed, b, n) & 0x3fffu) < (uint32_t)scaled;
}

/* ---- deterministic trace ids ---- */
static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void trace_id(uint64_t seed, size_t k, uint8_t id[16]) {
  uint64_t s = seed * 1000003u + k;
  uint64_t a = splitmix(&s), b = splitmix(&s);
  memcpy(id, &a, 8);
  memcpy(id + 8, &b, 8);
}

static void hex(const uint8_t *b, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- JSON requests ---- */
typedef struct sbuf {
  char *p;
  size_t n, cap;
} sbuf;

static void sb_add(sbuf *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int need = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (s->n + (size_t)need + 1 > s->cap) {
    s->cap = (s->n + (size_t)need + 1) * 2;
    s->p = realloc(s->p, s->cap);
    assert_non_null(s->p);
  }
  va_start(ap, fmt);
  vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
  va_end(ap);
  s->n += (size_t)need;
}

/* `ntraces` traces of `per` spans each (span k of trace t gets span id
 * t*per+k+1+salt), spread over `res` resources of 2 scopes. */
static char *traces_json(uint64_t seed, size_t ntraces, size_t per, size_t res, unsigned salt) {
  sbuf s = {0};
  sb_add(&s, "{\"resourceSpans\":[");
  size_t total = ntraces * per, per_scope = (total + 2 * res - 1) / (2 * res), x = 0;
  for (size_t r = 0; r < res; r++) {
    sb_add(&s, "%s{\"resource\":{\"attributes\":[{\"key\":\"r\",\"value\":{\"intValue\":\"%zu\"}}]},\"scopeSpans\":[",
           r ? "," : "", r);
    for (size_t sc = 0; sc < 2; sc++) {
      sb_add(&s, "%s{\"scope\":{\"name\":\"s%zu\"},\"spans\":[", sc ? "," : "", sc);
      for (size_t k = 0; k < per_scope && x < total; k++, x++) {
        uint8_t id[16];
        char h[33];
        trace_id(seed, x % ntraces, id);
        hex(id, 16, h);
        sb_add(&s, "%s{\"traceId\":\"%s\",\"spanId\":\"%016zx\",\"name\":\"n\"}", k ? "," : "", h,
               x + 1 + salt);
      }
      sb_add(&s, "]}");
    }
    sb_add(&s, "]}");
  }
  sb_add(&s, "]}");
  return s.p;
}

static otlpd_batch *batch_of(otlpd_signal sig, const char *json, bool wire) {
  otlpd_payload *p = ef_payload(sig, json, wire, NULL);
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

typedef void (*span_fn)(const otlp_span *sp, void *ctx);
static size_t each_span(const otlpd_batch *b, span_fn fn, void *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_spans *rs = b->resources[i];
    size_t in_entry = 0;
    for (size_t j = 0; j < rs->n_scope_spans; j++)
      for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++, in_entry++)
        if (fn) fn(rs->scope_spans[j]->spans[k], ctx);
    assert_int_equal(in_entry, b->counts[i]);
    n += in_entry;
  }
  return n;
}

/* ---- processor harness ---- */
typedef struct capture {
  otlpd_consumer base;
  otlpd_batch *got[8];
  size_t n;
} capture;

static int capture_consume(otlpd_consumer *self, otlpd_batch *b) {
  capture *c = (capture *)self;
  assert_true(c->n < 8);
  otlpd_batch_ref(b);
  c->got[c->n++] = b;
  return OTLPD_OK;
}

static void *load(const char *yaml, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  void *cfg = calloc(1, FACTORY.config_size);
  otlpd_settings_defaults(FACTORY.settings, cfg);
  int rc = otlpd_settings_apply(FACTORY.settings, cfg, n, "processors::probabilistic_sampler", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = FACTORY.validate(cfg, "processors::probabilistic_sampler", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(FACTORY.settings, cfg);
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
  p->down.base.consume = capture_consume;
  p->host.counters = &p->counters;
  p->host.mutates_data = FACTORY.mutates_data;
  p->host.id = "probabilistic_sampler";
  otlpd_create_params cp = {.host = &p->host, .config = p->cfg, .signal = s};
  cp.next[s] = &p->down.base;
  assert_int_equal(FACTORY.create(&cp, &p->state), 0);
  p->in = FACTORY.consumer(p->state);
}

static void proc_stop(proc *p) {
  for (size_t i = 0; i < p->down.n; i++) otlpd_batch_unref(p->down.got[i]);
  FACTORY.destroy(p->state);
  otlpd_settings_free(FACTORY.settings, p->cfg);
  free(p->cfg);
}

static uint64_t ctr(const otlpd_counter *c) { return otlpd_counter_get(c); }

/* ---- tests ---- */

/* Computed with Python from the published algorithm:
 *   def fnv(seed, b):
 *     h = 2166136261
 *     for x in struct.pack('<I', seed) + b: h = ((h ^ x) * 16777619) & 0xffffffff
 *     return h
 *   fnv(seed, bytes.fromhex(trace_id)) */
static void test_fnv_vectors(void **state) {
  (void)state;
  static const struct { uint32_t seed; const char *id; uint32_t h; } v[] = {
      {0, "0102030405060708090a0b0c0d0e0f10", 0xdf241a25u},
      {0, "00000000000000000000000000000000", 0xb9fee455u},
      {0, "ffffffffffffffffffffffffffffffff", 0x291a1545u},
      {0, "4bf92f3577b34da6a3ce929d0e0e4736", 0x3420408du},
      {22, "0102030405060708090a0b0c0d0e0f10", 0xd863b443u},
      {22, "00000000000000000000000000000000", 0x7a3deec3u},
      {22, "5b8efff798038103d269b633813fc60c", 0xa2a64cc9u},
      {3735928559u, "0102030405060708090a0b0c0d0e0f10", 0x6bcb41abu},
      {3735928559u, "4bf92f3577b34da6a3ce929d0e0e4736", 0x5db650d3u},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    uint8_t id[16];
    for (size_t k = 0; k < 16; k++) sscanf(v[i].id + 2 * k, "%2hhx", &id[k]);
    assert_int_equal(psamp_fnv1a(v[i].seed, id, 16), v[i].h);
    assert_int_equal(ref_fnv(v[i].seed, id, 16), v[i].h);
  }
  /* fnv(7, b'user-42'), fnv(7, b'') */
  assert_int_equal(psamp_fnv1a(7, (const uint8_t *)"user-42", 7), 0x22fbe5a2u);
  assert_int_equal(psamp_fnv1a(7, NULL, 0), 0x5b1137e2u);
}

static void test_thresholds(void **state) {
  (void)state;
  /* int(f32(f32(p) * f32(163.84))): 25 -> 4096; 65.802 -> 10781 in float32
   * where float64 would give 10780 */
  assert_true(psamp_hash_threshold(25) == (uint64_t)(16384 - 4096) << 42);
  assert_true(psamp_hash_threshold(65.802) == (uint64_t)(16384 - 10781) << 42);
  assert_true(psamp_hash_threshold(0) == PSAMP_NEVER);
  assert_true(psamp_hash_threshold(0.001) == PSAMP_NEVER); /* rounds to no bucket */
  assert_true(psamp_hash_threshold(100) == PSAMP_ALWAYS);
  assert_true(psamp_hash_threshold(250) == PSAMP_ALWAYS); /* > 100 means 100, as otelcol */
  /* pkg/sampling ProbabilityToThresholdWithPrecision: 1/3 at 4 digits is
   * t-value "aaab" (0xaaab << 40); 1 is always; 0 is out of range */
  uint64_t th;
  assert_int_equal(psamp_prob_threshold(1.0 / 3, 4, &th), 0);
  assert_true(th == (uint64_t)0xaaab << 40);
  assert_true(psamp_prob_threshold(0.5, 4, &th) == 0 && th == (uint64_t)0x8 << 52);
  assert_true(psamp_prob_threshold(1, 4, &th) == 0 && th == 0);
  assert_int_equal(psamp_prob_threshold(0, 4, &th), PSAMP_ERANGE);
  /* 1 - 2^-52 needs 13 leading zero digits: 4 more do not fit */
  assert_int_equal(psamp_prob_threshold(1 - 0x1p-52, 4, &th), PSAMP_EUNDERFLOW);
}

/* The 56-bit construction decides as the published 14-bit rule does. */
static void test_randomness_matches_reference(void **state) {
  (void)state;
  static const float pcts[] = {0.01f, 1, 10, 25, 33.3f, 50, 65.802f, 99.99f, 100};
  static const uint32_t seeds[] = {0, 1, 22, 0xdeadbeefu};
  for (size_t si = 0; si < 4; si++)
    for (size_t pi = 0; pi < sizeof(pcts) / sizeof(pcts[0]); pi++) {
      uint64_t th = psamp_hash_threshold(pcts[pi]);
      for (size_t k = 0; k < 5000; k++) {
        uint8_t id[16];
        trace_id(si, k, id);
        bool mine = th <= psamp_randomness(seeds[si], id, 16);
        assert_int_equal(mine, ref_keep(seeds[si], id, 16, pcts[pi]));
      }
    }
}

typedef struct kept_ctx {
  uint32_t seed;
  float pct;
  size_t mismatches;
  uint8_t *trace_seen; /* per trace index: 1 kept */
  uint64_t idseed;
  size_t ntraces;
} kept_ctx;

static void check_kept(const otlp_span *sp, void *ctx) {
  kept_ctx *c = ctx;
  assert_int_equal(sp->trace_id.len, 16);
  c->mismatches += !ref_keep(c->seed, sp->trace_id.data, 16, c->pct);
}

/* 20,000 traces at 25 %: about a quarter kept, exactly the reference's. */
static void test_sample_25_percent(void **state) {
  (void)state;
  const size_t N = 20000;
  proc p;
  proc_start(&p, "sampling_percentage: 25\nhash_seed: 22\n", OTLPD_TRACES);
  char *json = traces_json(5, N, 1, 7, 0);
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, true);
  free(json);
  size_t expect = 0;
  for (size_t k = 0; k < N; k++) {
    uint8_t id[16];
    trace_id(5, k, id);
    expect += ref_keep(22, id, 16, 25);
  }
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_int_equal(p.down.n, 1);
  otlpd_batch *out = p.down.got[0];
  kept_ctx c = {.seed = 22, .pct = 25};
  size_t kept = each_span(out, check_kept, &c);
  assert_int_equal(c.mismatches, 0);
  assert_int_equal(kept, expect);
  assert_int_equal(out->items, kept);
  assert_in_range(kept, N * 23 / 100, N * 27 / 100);
  assert_int_equal(ctr(&p.counters.incoming[OTLPD_TRACES]), N);
  assert_int_equal(ctr(&p.counters.outgoing[OTLPD_TRACES]), kept);
  assert_int_equal(ctr(&p.counters.dropped[OTLPD_TRACES]), N - kept);
  /* the protobuf output says the same as the objects */
  otlpd_batch *back = ef_roundtrip_pb(out);
  assert_int_equal(each_span(back, NULL, NULL), kept);
  otlpd_batch_unref(back);
  /* the batch it was given (a fan-out's, shared) still holds everything */
  assert_int_equal(each_span(in, NULL, NULL), N);
  assert_int_equal(in->items, N);
  for (size_t i = 0; i < in->n; i++) assert_non_null(in->raw[i].p);
  back = ef_roundtrip_pb(in);
  assert_int_equal(each_span(back, NULL, NULL), N);
  otlpd_batch_unref(back);
  otlpd_batch_unref(in);
  proc_stop(&p);
}

/* per trace: 0 unseen, 1 kept, 2 dropped, 3 both (a defect) */
typedef struct trace_ctx {
  uint8_t *st;
  uint64_t idseed;
  size_t ntraces;
} trace_ctx;

static size_t trace_index(const trace_ctx *c, const uint8_t *id) {
  for (size_t k = 0; k < c->ntraces; k++) {
    uint8_t want[16];
    trace_id(c->idseed, k, want);
    if (!memcmp(want, id, 16)) return k;
  }
  fail_msg("unknown trace id");
  return 0;
}

static void mark_kept(const otlp_span *sp, void *ctx) {
  trace_ctx *c = ctx;
  c->st[trace_index(c, sp->trace_id.data)] |= 1;
}

static void mark_all(const otlp_span *sp, void *ctx) {
  trace_ctx *c = ctx;
  size_t k = trace_index(c, sp->trace_id.data);
  if (!(c->st[k] & 1)) c->st[k] |= 2;
}

/* Spans of one trace arriving in different batches, resources and scopes
 * share one decision, and every span of a kept trace is kept. */
static void test_whole_traces_across_batches(void **state) {
  (void)state;
  const size_t T = 300, PER = 3;
  proc p;
  proc_start(&p, "sampling_percentage: 40\nhash_seed: 9\n", OTLPD_TRACES);
  uint8_t st[300] = {0};
  trace_ctx c = {st, 11, T};
  size_t kept_spans = 0;
  for (unsigned b = 0; b < 3; b++) {
    char *json = traces_json(11, T, PER, 2 + b, b * 100000);
    otlpd_batch *in = batch_of(OTLPD_TRACES, json, b != 1);
    free(json);
    assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
    otlpd_batch_unref(in);
  }
  assert_int_equal(p.down.n, 3);
  for (size_t i = 0; i < 3; i++) kept_spans += each_span(p.down.got[i], mark_kept, &c);
  /* second pass: a trace never seen kept is marked dropped */
  for (unsigned b = 0; b < 3; b++) {
    char *json = traces_json(11, T, PER, 2 + b, b * 100000);
    otlpd_batch *all = batch_of(OTLPD_TRACES, json, false);
    free(json);
    each_span(all, mark_all, &c);
    otlpd_batch_unref(all);
  }
  size_t kept_traces = 0;
  for (size_t k = 0; k < T; k++) {
    assert_true(st[k] == 1 || st[k] == 2);
    kept_traces += st[k] == 1;
  }
  assert_int_equal(kept_spans, kept_traces * PER * 3); /* every span of a kept trace */
  assert_in_range(kept_traces, 1, T - 1);
  proc_stop(&p);
}

static void test_zero_and_hundred(void **state) {
  (void)state;
  char *json = traces_json(3, 500, 2, 3, 0);
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, true);
  free(json);

  proc p;
  proc_start(&p, "sampling_percentage: 0\n", OTLPD_TRACES);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK); /* sampled out is not refused */
  assert_int_equal(p.down.n, 0);
  assert_int_equal(ctr(&p.counters.dropped[OTLPD_TRACES]), 1000);
  assert_int_equal(ctr(&p.counters.outgoing[OTLPD_TRACES]), 0);
  proc_stop(&p);

  proc_start(&p, "sampling_percentage: 100\nhash_seed: 5\n", OTLPD_TRACES);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_int_equal(p.down.n, 1);
  assert_ptr_equal(p.down.got[0], in); /* passed on as it came: same wire bytes */
  for (size_t i = 0; i < in->n; i++) assert_non_null(in->raw[i].p);
  assert_int_equal(ctr(&p.counters.outgoing[OTLPD_TRACES]), 1000);
  assert_int_equal(ctr(&p.counters.dropped[OTLPD_TRACES]), 0);
  proc_stop(&p);
  otlpd_batch_unref(in);
}

/* An entry whose spans are all kept stays as it came (wire bytes), one
 * with none kept disappears, a mixed one is re-encoded. */
static void test_entries(void **state) {
  (void)state;
  /* seed 0, 25 %: bucket < 4096 keeps. 4bf9... bucket 141 (kept),
   * 0102... bucket 6693 (dropped), per the vectors above. */
  const char *K = "4bf92f3577b34da6a3ce929d0e0e4736", *D = "0102030405060708090a0b0c0d0e0f10";
  char json[2048];
  snprintf(json, sizeof(json),
           "{\"resourceSpans\":["
           "{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"%s\",\"spanId\":\"0000000000000001\"},"
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000002\"}]}]},"
           "{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"%s\",\"spanId\":\"0000000000000003\"}]}]},"
           "{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"%s\",\"spanId\":\"0000000000000004\"}]},"
           "{\"spans\":[{\"traceId\":\"%s\",\"spanId\":\"0000000000000005\"}]}]}]}",
           K, K, D, D, K);
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, true);
  proc p;
  proc_start(&p, "sampling_percentage: 25\nmode: hash_seed\n", OTLPD_TRACES);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got[0];
  assert_int_equal(out->n, 2);
  assert_int_equal(out->items, 3);
  assert_ptr_equal(out->resources[0], in->resources[0]); /* untouched */
  assert_true(out->raw[0].p == in->raw[0].p && out->raw[0].p);
  assert_null(out->raw[1].p); /* edited */
  const otlp_resource_spans *rs = out->resources[1];
  assert_int_equal(rs->n_scope_spans, 1); /* the emptied scope is gone */
  assert_int_equal(rs->scope_spans[0]->n_spans, 1);
  assert_int_equal(rs->scope_spans[0]->spans[0]->span_id.data[7], 5);
  /* the shared input still has both scopes */
  const otlp_resource_spans *orig = in->resources[2];
  assert_int_equal(orig->n_scope_spans, 2);
  assert_int_equal(orig->scope_spans[0]->n_spans, 1);
  assert_int_equal(in->items, 5);
  proc_stop(&p);
  otlpd_batch_unref(in);
}

static void test_span_priority_and_tracestate(void **state) {
  (void)state;
  const char *K = "4bf92f3577b34da6a3ce929d0e0e4736", *D = "0102030405060708090a0b0c0d0e0f10";
  char json[2048];
  snprintf(json, sizeof(json),
           "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000001\",\"attributes\":[{\"key\":\"sampling.priority\",\"value\":{\"intValue\":\"1\"}}]},"
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000002\",\"attributes\":[{\"key\":\"sampling.priority\",\"value\":{\"stringValue\":\"0\"}}]},"
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000003\",\"traceState\":\"vendor=x,ot=th:8\"},"
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000004\",\"traceState\":\"ot=p:8\"},"
           "{\"traceId\":\"%s\",\"spanId\":\"0000000000000005\",\"attributes\":[{\"key\":\"sampling.priority\",\"value\":{\"doubleValue\":2.5}}],\"traceState\":\"ot=rv:00000000000000\"}"
           "]}]}]}",
           D, K, K, K, D);
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, false);
  proc p;
  proc_start(&p, "sampling_percentage: 25\nmode: hash_seed\n", OTLPD_TRACES);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got[0];
  /* 1: priority 1 keeps a dropped trace; 2: priority "0" drops a kept one;
   * 3: an ot=th: threshold makes the hash mode refuse (dropped);
   * 4: other ot keys are fine (kept); 5: priority wins over rv: */
  const otlp_scope_spans *ss = ((otlp_resource_spans *)out->resources[0])->scope_spans[0];
  assert_int_equal(ss->n_spans, 3);
  assert_int_equal(ss->spans[0]->span_id.data[7], 1);
  assert_int_equal(ss->spans[1]->span_id.data[7], 4);
  assert_int_equal(ss->spans[2]->span_id.data[7], 5);
  proc_stop(&p);
  otlpd_batch_unref(in);
}

/* W3C / OTEP 235 tracestate rules of otelcol's hash_seed mode. */
static void test_tracestate(void **state) {
  (void)state;
  static const struct { const char *ts; bool refused; } v[] = {
      {"", false},
      {"vendor=x", false},
      {" vendor=x , other=y ,", false},           /* OWS and empty members */
      {"t1@sys=v,ot=p:8;x:abc", false},           /* multi-tenant key, other ot keys */
      {"ot=th:8", true},                          /* threshold in use */
      {"a=b,ot=rv:0123456789abcd", true},         /* randomness in use */
      {"ot=th:zz", true},                         /* malformed th */
      {"ot=p:8;", true},                          /* malformed ot list */
      {"ot=P:8", true},                           /* ot keys are lower case */
      {"Vendor=x", true},                         /* W3C keys are lower case */
      {"vendor=", true},                          /* empty value */
      {"vendor=a b ", false},                     /* trailing blank is OWS */
      {"vendor=x=y", true},                       /* = is not a value character */
      {"=x", true},
      {"vendor", true},
      {"toolongsystem@abcdefghijklmnopq=x", true}, /* system id > 14 */
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    if (psamp_tracestate_refused(v[i].ts) != v[i].refused) fail_msg("tracestate \"%s\"", v[i].ts);
  }
  char many[400] = "";
  for (int i = 0; i < 33; i++) sprintf(many + strlen(many), "%sk%d=v", i ? "," : "", i);
  assert_true(psamp_tracestate_refused(many)); /* more than 32 members */
  many[strlen(many) - strlen(",k32=v")] = 0;
  assert_false(psamp_tracestate_refused(many));
}

/* Proportional and equalizing modes against vectors generated by
 * tests/unit/gen_psamp_vectors.py from the published algorithm. */
enum { PROP, EQ };
static const struct {
  int mode, pct;
  const char *tid, *ts_in;
  int kept;
  const char *ts_out;
} otep_vectors[] = {
    {PROP, 25, "1774be8e137fcc283fb8ed63098309c4", "", 0, ""},
    {PROP, 25, "287e096fe23df9e44065c2ab05a8680e", "", 0, ""},
    {PROP, 25, "dec9ee010ffac52d1e1f279c0e10452c", "", 0, ""},
    {PROP, 25, "e7e7b8162a63f75c77c369cad57e9fc7", "vendor=x", 1, "ot=th:c,vendor=x"},
    {PROP, 25, "6edd54a7c6eac031505028952cfa6683", "vendor=x", 0, "vendor=x"},
    {PROP, 25, "eecd04b3cd40ad4570d17bcc4a07b74a", "vendor=x", 1, "ot=th:c,vendor=x"},
    {PROP, 25, "b6d3106ac3ea95a8238e51d7bac134d1", "ot=th:8", 0, "ot=th:8"},
    {PROP, 25, "1ae63c6715afe9148c3c912bb9dbffd4", "ot=th:8", 0, "ot=th:8"},
    {PROP, 25, "82a7a3a978b3ab225ea728fdd6e4045a", "ot=th:8", 0, "ot=th:8"},
    {PROP, 25, "fa1e0ed7770af3e4879b26d8c311c206", "ot=th:c", 0, "ot=th:c"},
    {PROP, 25, "441423a275b890361d7190fec8f2e152", "ot=th:c", 0, "ot=th:c"},
    {PROP, 25, "31f67b4717aba52264d258401430de71", "ot=th:c", 0, "ot=th:c"},
    {PROP, 25, "326cf88269ca69d58c3e8af4d8f8607a", "ot=th:f", 0, "ot=th:f"},
    {PROP, 25, "bd4d6fba561d5a11efaca89a5fe6f2a5", "ot=th:f", 0, "ot=th:f"},
    {PROP, 25, "ed3a224e3fb0b2aa1cb1132a57a686d0", "ot=th:f", 0, "ot=th:f"},
    {PROP, 25, "b232a6a00b55756b7a6e582007310acc", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 25, "678214e5e124ea1ef0636d31c8e3db73", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 25, "75e445859cdc38591cd9b153b88df875", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 25, "ec5d793fa3e24d8ab892ef8cdc8f5d4d", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 25, "a5895363bd318b6ac963047bdc4117af", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 25, "497cc595421c0e3e116c03d264adb633", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 25, "640799699f9cb635b9c4cf9990b0bbf7", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 25, "d117e19161174ee2f0fdf08db2aca7d0", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 25, "f6e8cbb1de6356564bc9699235629e38", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 25, "02eb51984034ea685999e75f4e40ff1a", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:e"},
    {PROP, 25, "df8783208ebf4bcc2fb1492064752adf", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:e"},
    {PROP, 25, "aca72b538feadfe50ebb12220e2cae7d", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:e"},
    {PROP, 10, "ded6c746773df757bb6c1c1ac87f916d", "", 0, ""},
    {PROP, 10, "2cc0fff68cc1a612d114207e4489d762", "", 0, ""},
    {PROP, 10, "4ead80d8eaef0445de2634e06c1f5a58", "", 0, ""},
    {PROP, 10, "d668e36fc9e6466ecd14c19adfa68db9", "vendor=x", 0, "vendor=x"},
    {PROP, 10, "0f4c676d8918fcaaf81d22095a21aef9", "vendor=x", 0, "vendor=x"},
    {PROP, 10, "12c80552fcc9021dad2b0bca3522e847", "vendor=x", 0, "vendor=x"},
    {PROP, 10, "c2de2f92a3fd3e2f91f1d3d80fd6fd36", "ot=th:8", 0, "ot=th:8"},
    {PROP, 10, "2d8e2e9fd48cbe2ff4dd846b6e8a87e2", "ot=th:8", 0, "ot=th:8"},
    {PROP, 10, "e2acf037c2463f10845edbf36b05892f", "ot=th:8", 0, "ot=th:8"},
    {PROP, 10, "a6a4eb487616ad2db380c3b496b22d18", "ot=th:c", 0, "ot=th:c"},
    {PROP, 10, "6daa02ee05302deca879787e53038b94", "ot=th:c", 0, "ot=th:c"},
    {PROP, 10, "20f8070628e7f791f3cacede78b82bb4", "ot=th:c", 0, "ot=th:c"},
    {PROP, 10, "bcf9426856208fa583bb8cc621e004ea", "ot=th:f", 0, "ot=th:f"},
    {PROP, 10, "9b854e56d81fc1c43926daa3b3b6639a", "ot=th:f", 0, "ot=th:f"},
    {PROP, 10, "e273f0232e0c4ebc7e2eb6b18863c937", "ot=th:f", 0, "ot=th:f"},
    {PROP, 10, "66c6fbf54910e23ea210c2f0d897db01", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 10, "e7154978c81f43bab5fcccfd46b7466f", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 10, "c602ff50c27ed9adbf7f3b671ca2b747", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 10, "a8f239d01f325ad13c04ebea69bac817", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 10, "706bc3100ebcf7f6b5e7e18e39f88d0d", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 10, "f55417fb28e00477f30b09e855d8c7f1", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 10, "d594198d06c3df51ee7db4ca538c166b", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 10, "8dfb9bf042284aee759ba02554cff97d", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 10, "8448f5de585f12be41850caad670e4c3", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {PROP, 10, "e91f4974d091ca50f4f1abda7e0b0590", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {PROP, 10, "913063af46f6d2ca1909cb389e4cbf2c", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {PROP, 10, "17b27473de1c0faa687cf619d2745988", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {PROP, 50, "0cabcebabcedca85d33a528727901013", "", 0, ""},
    {PROP, 50, "7559aaeba256af30901fd6bd55e7a2ed", "", 0, ""},
    {PROP, 50, "7018a2846cb37f009498c3f0959764a7", "", 1, "ot=th:8"},
    {PROP, 50, "d5d563595d8aa1653020c304dbc91b64", "vendor=x", 0, "vendor=x"},
    {PROP, 50, "3e97b0d4bf2337ad975ef5e83de85b04", "vendor=x", 0, "vendor=x"},
    {PROP, 50, "b284d2a1c425f18832f25cb353be1638", "vendor=x", 1, "ot=th:8,vendor=x"},
    {PROP, 50, "36177c3c4fea0f824dacea5c67afb15a", "ot=th:8", 0, "ot=th:8"},
    {PROP, 50, "2615bebeece353c2991089693de8ba35", "ot=th:8", 0, "ot=th:8"},
    {PROP, 50, "c4861fe9b1bf88f96512d489cf88cd47", "ot=th:8", 0, "ot=th:8"},
    {PROP, 50, "d48895bc5a86dba09e17eee8569f29bf", "ot=th:c", 0, "ot=th:c"},
    {PROP, 50, "6f335d12eeab0d335cb6d9465388789d", "ot=th:c", 0, "ot=th:c"},
    {PROP, 50, "e2b52d7915800faedbc7c1deb66837d7", "ot=th:c", 0, "ot=th:c"},
    {PROP, 50, "f20aacfd047c7fc1d8bb9f85746a8050", "ot=th:f", 0, "ot=th:f"},
    {PROP, 50, "1f8b818d63b73508df2e662072d65991", "ot=th:f", 0, "ot=th:f"},
    {PROP, 50, "3f7954ecd3dd5979840d3703702aea71", "ot=th:f", 0, "ot=th:f"},
    {PROP, 50, "d7ef9ca4d9627fea017023dc4f1df73a", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 50, "f9cb7a99d2046ac3e74659f14668f98a", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 50, "620ff088f5f1db10f725ba8cb1910e5c", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 50, "a81d5c35764b9080d585574b4cb27b58", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 50, "397fe7eb59ffd25a0a74f15a79872491", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 50, "3bf79f96534ff3c08c195e6d1b800d60", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 50, "541deb067cd10785096dedc4854b1516", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {PROP, 50, "9f2d3e9ec20489ab72597024db7272e6", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {PROP, 50, "c8f2e8a35afbc05868c15a48b3f09369", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {PROP, 50, "6ceb7af3916a452b2769aa77f5b441f1", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {PROP, 50, "4df3470de9fbc25ccd3d43f88e9a4c05", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {PROP, 50, "cc766fcbc14f394a4c0d5fc08050157d", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {PROP, 90, "9ce8f349e860e2aa529961eef7933451", "", 1, "ot=th:199a"},
    {PROP, 90, "917c28f527a3d58855a908dd2671691b", "", 1, "ot=th:199a"},
    {PROP, 90, "af82a9bddc44f9378189095bdf29b992", "", 1, "ot=th:199a"},
    {PROP, 90, "daf3bf8b4eb24fe815cdab02ba4c4385", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {PROP, 90, "9d4f15a10b820436278db796bafa6143", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {PROP, 90, "4ddc4be460895f3ca2cf1cb8064d77fc", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {PROP, 90, "044c6039f3b3629416bfb27d4bb013ee", "ot=th:8", 1, "ot=th:8ccd"},
    {PROP, 90, "1d937e137f9f30c98afe4b601d4b425e", "ot=th:8", 1, "ot=th:8ccd"},
    {PROP, 90, "31c621af9a3f42ab5ec1f5927fd23b51", "ot=th:8", 1, "ot=th:8ccd"},
    {PROP, 90, "4365058d4317624c1511343f7bba2248", "ot=th:c", 0, "ot=th:c"},
    {PROP, 90, "ff07bd8e48a354637662af0ed3fc0734", "ot=th:c", 0, "ot=th:c"},
    {PROP, 90, "977ae6b9b40d7af22180aeb045e739a0", "ot=th:c", 0, "ot=th:c"},
    {PROP, 90, "9f92850e07747e8fe6e0ceba25763a80", "ot=th:f", 0, "ot=th:f"},
    {PROP, 90, "2c5ae3df7dad8320ed1a1baccb6df0de", "ot=th:f", 0, "ot=th:f"},
    {PROP, 90, "60b9f281e3d2e7e42bffbf3c493233f5", "ot=th:f", 1, "ot=th:f19a"},
    {PROP, 90, "58e4482e22bb7f42f32de5c34e60dfde", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 90, "23b693ffb1d0b2bbcf3040559d36a5bb", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 90, "1d606bb240dae20a703309476132bbc7", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {PROP, 90, "512064b3ba0881ed030842627ca27632", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {PROP, 90, "bcfd99b606bf564cfbf078ab68148652", "a=1, ot=th:4 ,b=2", 1, "ot=th:5333,a=1,b=2"},
    {PROP, 90, "b021a61d6626fe27928304e76563c834", "a=1, ot=th:4 ,b=2", 1, "ot=th:5333,a=1,b=2"},
    {PROP, 90, "67ef46a40178e779f4491116e306104c", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {PROP, 90, "47170852b65a1e190d6887c13d943c0d", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {PROP, 90, "e58a3994efdbc617b5f072dbfe67fffe", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {PROP, 90, "8cf0f339996a68a0984e1e459db36430", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8ccd"},
    {PROP, 90, "30d1ac347646d17687719d219634e27f", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8ccd"},
    {PROP, 90, "52e2267cd314d6b3d623a7c33b2cb5e7", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8ccd"},
    {EQ, 25, "cd303f514aecb37d4769e67161ca3d01", "", 0, ""},
    {EQ, 25, "659bc6add8ed297fce5a1df23edaa3f6", "", 0, ""},
    {EQ, 25, "5a007eaabc9bb8b8eced8682aaa4bcf8", "", 1, "ot=th:c"},
    {EQ, 25, "1c3cbf598dfa6c44ac173b858ed40b22", "vendor=x", 0, "vendor=x"},
    {EQ, 25, "2cbca3739ce1d8bb107b379037b8278f", "vendor=x", 0, "vendor=x"},
    {EQ, 25, "6f8f8e86ec89d407e17c93f63441e396", "vendor=x", 0, "vendor=x"},
    {EQ, 25, "f2829fb7541f17737d3574e85c5bff5f", "ot=th:8", 0, "ot=th:8"},
    {EQ, 25, "e511d728e1e78c46e3b4d087f396c54f", "ot=th:8", 0, "ot=th:8"},
    {EQ, 25, "77e01d9498468eb151bdf344a773810d", "ot=th:8", 0, "ot=th:8"},
    {EQ, 25, "36c2ab31c4dfa5ddb2b0b4de4c0dc298", "ot=th:c", 0, "ot=th:c"},
    {EQ, 25, "8c3a1a20a629c134e01edb2339381e41", "ot=th:c", 0, "ot=th:c"},
    {EQ, 25, "b4df0a38a08ed706c6070e25b92b771c", "ot=th:c", 0, "ot=th:c"},
    {EQ, 25, "64b9d6ed134ac9dafb91559eb51ad25b", "ot=th:f", 0, "ot=th:f"},
    {EQ, 25, "1cb2e6d88ff4f149cfd80b607a6256fc", "ot=th:f", 0, "ot=th:f"},
    {EQ, 25, "69fe6a709783d343fc4ad8d74af9f219", "ot=th:f", 0, "ot=th:f"},
    {EQ, 25, "48b7efdd700cf75ac269a960ad92e6d5", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 25, "847cde46896dbe8045aa5d5e431cbd12", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 25, "7e3eefef511c8427e928b418676b1da0", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 25, "4468bbd4bc4bf168b041f05f10b18fd6", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 25, "7db4e24f7f776b3a64b87a8d9236807d", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 25, "1f6db6f205d0d8d6ba57837288d31a1f", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 25, "9753beea2c597af6b9dd4b18d015fee1", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 25, "8f8db23a890e72c7f3ec820acfacf304", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 25, "920485aaa16dd47b52db2ad4201c4495", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 25, "defed39efa05405aa5f5c56ae9941e5d", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {EQ, 25, "4ae7b0164a2b943b225c7e352d542cda", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {EQ, 25, "ee181df09588a0e8536a3e7ac7688efd", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:c"},
    {EQ, 10, "7ae8b8eda5d99ff8166a73d1fe821215", "", 0, ""},
    {EQ, 10, "eed49d1462e344d0538bf7f74b0e5832", "", 0, ""},
    {EQ, 10, "5c89b37535ca923271b4f1d0c7eb7547", "", 0, ""},
    {EQ, 10, "d5073bb497a031b6e7cf23f1d3f158eb", "vendor=x", 0, "vendor=x"},
    {EQ, 10, "feece06b62f5bde3f56dd0b25364fef6", "vendor=x", 0, "vendor=x"},
    {EQ, 10, "a6134fa928b9d9eefe951f3ef8f76db3", "vendor=x", 0, "vendor=x"},
    {EQ, 10, "0ead6b1754243df4ba78a3b7eb00502d", "ot=th:8", 0, "ot=th:8"},
    {EQ, 10, "903e3ee64c5586acf27ad2c8365aa6ec", "ot=th:8", 0, "ot=th:8"},
    {EQ, 10, "b4072ad38b22601648f2673f1d809154", "ot=th:8", 1, "ot=th:e666"},
    {EQ, 10, "05a1b2fb03a11843d295b9055d970233", "ot=th:c", 0, "ot=th:c"},
    {EQ, 10, "4728a5e74d3b4a9b8e5dadd3ffe921cf", "ot=th:c", 0, "ot=th:c"},
    {EQ, 10, "5273b8fb7272046d34ad816687cf8821", "ot=th:c", 0, "ot=th:c"},
    {EQ, 10, "240062ca0e206689cbdfe52a53abe10c", "ot=th:f", 0, "ot=th:f"},
    {EQ, 10, "7b326eb3a8fb551b6fcf866dbb81cfc0", "ot=th:f", 0, "ot=th:f"},
    {EQ, 10, "ef285ac7464e14f25f824c6c745fcdab", "ot=th:f", 0, "ot=th:f"},
    {EQ, 10, "3785c264d6349737eaaef5b067afdf6e", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 10, "970313159e090eeb31a820506e9c5ab6", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 10, "82e7ac782f6dfca91876904e0f61f584", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 10, "3a92dae31d176bc4ecc843d8c42ccb17", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 10, "58edbe451cdc5a354ee7f1db1834328b", "a=1, ot=th:4 ,b=2", 1, "ot=th:e666,a=1,b=2"},
    {EQ, 10, "4fd0963c4ab3195d56e5063cad7b59ae", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 10, "214c2cff147389c729685c8e57cd2755", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 10, "9fd42884e9d1040c3556178a8c86a0af", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 10, "beb0a3242e1b218a039045aa6fcf5a30", "ot=rv:b99db958c913cb", 0, "ot=rv:b99db958c913cb"},
    {EQ, 10, "d15e7ca1044a1233d9558bd9faeb716a", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 10, "2bac48a9106ffe045260ca5bae6ab101", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 10, "e3561bb0aeeef4cd26db4b5478b48e76", "ot=rv:e2863283c3da03;th:8", 0, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 50, "7c1958a54df9fd5db6e4b0238389ac67", "", 1, "ot=th:8"},
    {EQ, 50, "0ba12cbc46c24c16ef763cc50a4eee7c", "", 0, ""},
    {EQ, 50, "7c9d26fc7619aec200ac795a23608570", "", 1, "ot=th:8"},
    {EQ, 50, "c9c57b4ff3b33cd992052e9d2361316c", "vendor=x", 0, "vendor=x"},
    {EQ, 50, "1e9b81099ef0e8e4f480e58120ba851b", "vendor=x", 1, "ot=th:8,vendor=x"},
    {EQ, 50, "142ec2f7d2b0fed21e49a5210c86166b", "vendor=x", 0, "vendor=x"},
    {EQ, 50, "c069e89c0f26e5d37971f43ca759e422", "ot=th:8", 0, "ot=th:8"},
    {EQ, 50, "87b13fffd0bdf10e1788382a340ede3c", "ot=th:8", 1, "ot=th:8"},
    {EQ, 50, "0056f895020f0c2faead1ee4e96d1a71", "ot=th:8", 1, "ot=th:8"},
    {EQ, 50, "cd929be293af1ea3afd8ffdd6c698a6b", "ot=th:c", 1, "ot=th:c"},
    {EQ, 50, "a4487f68f34bb57cf28f013e7e05373f", "ot=th:c", 0, "ot=th:c"},
    {EQ, 50, "cd0e9b2668aade71e96bc4cd0de00621", "ot=th:c", 0, "ot=th:c"},
    {EQ, 50, "64e241e1fa6be4468b6d0d41b3e66916", "ot=th:f", 0, "ot=th:f"},
    {EQ, 50, "9cc438a2c7f49593b2d01f99d87766e8", "ot=th:f", 0, "ot=th:f"},
    {EQ, 50, "fb930f9d6c2927606e3932fe92068de8", "ot=th:f", 0, "ot=th:f"},
    {EQ, 50, "cc424209981a31f159473279d17b57d0", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 50, "527f30c1632bb39d7e866f86df7710db", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 50, "6c6f55265be23d320d5334907eb41dd8", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 50, "125e4023d185fcc9c43d9e246d1ec328", "a=1, ot=th:4 ,b=2", 0, "a=1, ot=th:4 ,b=2"},
    {EQ, 50, "d22a1b8b3c3f3a76def02796e5c4306a", "a=1, ot=th:4 ,b=2", 1, "ot=th:8,a=1,b=2"},
    {EQ, 50, "79fdcdf5a0a144f5e6992740a1539a89", "a=1, ot=th:4 ,b=2", 1, "ot=th:8,a=1,b=2"},
    {EQ, 50, "6a424d40c6402aae0edb0c80d64035b6", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {EQ, 50, "788e262e7d95a9a471e037c734f19d0b", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {EQ, 50, "01ff56fa6fd0caedcbcf9ce70543000a", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:8"},
    {EQ, 50, "658239f7daed0ef681674e721f0a0e02", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 50, "79fb94e216468b97c78937103036e832", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 50, "78ad55b27358c50d1bcdd8cd24695271", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 90, "692cb6ad37955a5fe4c7f88291045a84", "", 1, "ot=th:199a"},
    {EQ, 90, "3424d710540a0d1a7dd94808ab1dd5cb", "", 1, "ot=th:199a"},
    {EQ, 90, "64641df69a4141a81001c60ab95995cd", "", 0, ""},
    {EQ, 90, "f1b7397fa2a2f7cf78d50da6060a802a", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {EQ, 90, "fa54d12ca9b2e10fbf414de8b730aaa0", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {EQ, 90, "fee0a42ffefbd075e6ace5763d7747bf", "vendor=x", 1, "ot=th:199a,vendor=x"},
    {EQ, 90, "3678bdcaae2cc655b8835e2890273556", "ot=th:8", 1, "ot=th:8"},
    {EQ, 90, "68b200bc41c6a3732f2205b75fa17dbd", "ot=th:8", 0, "ot=th:8"},
    {EQ, 90, "c76731ef07f58e4f376d440d50fbf9f1", "ot=th:8", 0, "ot=th:8"},
    {EQ, 90, "4076b54f02e0dd6f27d045b444d0216e", "ot=th:c", 1, "ot=th:c"},
    {EQ, 90, "e8bf18a5ed89949504e7611e97c4dbe6", "ot=th:c", 1, "ot=th:c"},
    {EQ, 90, "4a7987fd1888529884e35bff93f9f7a1", "ot=th:c", 1, "ot=th:c"},
    {EQ, 90, "dd6114147861dd7d38b75d480ec7e4a4", "ot=th:f", 0, "ot=th:f"},
    {EQ, 90, "83e534e11be71dd1e2d6fa454c7166e3", "ot=th:f", 0, "ot=th:f"},
    {EQ, 90, "16ca0459193543b480c6db6ea6e877e2", "ot=th:f", 0, "ot=th:f"},
    {EQ, 90, "56151302ddf872c0d4dba707fa418eee", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 90, "320ac151cf8b6b132c63954674f82ec1", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 90, "e1f3a239f40d0768d0566e295ab506cd", "ot=th:e;p:3,vendor=x", 0, "ot=th:e;p:3,vendor=x"},
    {EQ, 90, "20f508b30459ce8357d4803cd88f0bcb", "a=1, ot=th:4 ,b=2", 1, "ot=th:4,a=1,b=2"},
    {EQ, 90, "36cb7d6d71eb519e149f30353dcd4c3d", "a=1, ot=th:4 ,b=2", 1, "ot=th:4,a=1,b=2"},
    {EQ, 90, "521c6ae924cbf8fc4b70d0f8223be95e", "a=1, ot=th:4 ,b=2", 1, "ot=th:4,a=1,b=2"},
    {EQ, 90, "df52bd98194950dd7924ed97a84a84d5", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {EQ, 90, "b0c75be9f1dbd7dfd4e1b7e130bbeed8", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {EQ, 90, "29c91ed6ae86d1a8e373883ba67ba9b9", "ot=rv:b99db958c913cb", 1, "ot=rv:b99db958c913cb;th:199a"},
    {EQ, 90, "25b86816b5287eb94cd83067ffdc9aec", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 90, "9bfd73972621a5013fdb84fcba1c7187", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
    {EQ, 90, "6d2d59ca435f36164d19d94a99286ac3", "ot=rv:e2863283c3da03;th:8", 1, "ot=rv:e2863283c3da03;th:8"},
};

static void test_otep235_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(otep_vectors) / sizeof(otep_vectors[0]); i++) {
    char yaml[128];
    snprintf(yaml, sizeof(yaml), "sampling_percentage: %d\nmode: %s\n", otep_vectors[i].pct,
             otep_vectors[i].mode == PROP ? "proportional" : "equalizing");
    otlpd_errors errs = {0};
    psamp_cfg *c = load(yaml, &errs);
    assert_non_null(c);
    psamp_rule r;
    psamp_rule_init(&r, c, OTLPD_TRACES);
    uint8_t id[16];
    for (size_t k = 0; k < 16; k++) sscanf(otep_vectors[i].tid + 2 * k, "%2hhx", &id[k]);
    otlp_span sp;
    opentelemetry__proto__trace__v1__span__init(&sp);
    sp.trace_id.data = id;
    sp.trace_id.len = 16;
    sp.trace_state = (char *)otep_vectors[i].ts_in;
    char out[PSAMP_TS_CAP];
    psamp_verdict v = psamp_span(&r, &sp, out, sizeof(out));
    const char *got = v == PSAMP_KEEP_EDIT ? out : otep_vectors[i].ts_in;
    if ((v != PSAMP_DROP) != otep_vectors[i].kept ||
        (v != PSAMP_DROP && strcmp(got, otep_vectors[i].ts_out)))
      fail_msg("row %zu: kept %d \"%s\", want %d \"%s\"", i, v != PSAMP_DROP, got, otep_vectors[i].kept,
               otep_vectors[i].ts_out);
    otlpd_settings_free(FACTORY.settings, c);
    free(c);
  }
}

/* Proportional mode through the processor: kept spans carry the new
 * threshold, the input (shared) keeps its tracestates; kept records get a
 * sampling.threshold attribute. */
static void test_proportional_writes_back(void **state) {
  (void)state;
  /* low 56 bits ff.. (kept at any rate) and 00.. (dropped below 100 %) */
  const char *json =
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
      "{\"traceId\":\"0102030405060708ffffffffffffffff\",\"spanId\":\"0000000000000001\",\"traceState\":\"v=1,ot=th:8\"},"
      "{\"traceId\":\"01020304050607080000000000000001\",\"spanId\":\"0000000000000002\"},"
      "{\"traceId\":\"0102030405060708ffffffffffffffff\",\"spanId\":\"0000000000000003\"}"
      "]}]}]}";
  otlpd_batch *in = batch_of(OTLPD_TRACES, json, true);
  proc p;
  proc_start(&p, "sampling_percentage: 25\nmode: proportional\n", OTLPD_TRACES);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  otlpd_batch *out = p.down.got[0];
  const otlp_scope_spans *ss = ((otlp_resource_spans *)out->resources[0])->scope_spans[0];
  assert_int_equal(ss->n_spans, 2);
  assert_string_equal(ss->spans[0]->trace_state, "ot=th:e,v=1"); /* 50 % x 25 % = 12.5 % */
  assert_string_equal(ss->spans[1]->trace_state, "ot=th:c");
  const otlp_scope_spans *orig = ((otlp_resource_spans *)in->resources[0])->scope_spans[0];
  assert_int_equal(orig->n_spans, 3);
  assert_string_equal(orig->spans[0]->trace_state, "v=1,ot=th:8");
  assert_string_equal(orig->spans[2]->trace_state, "");
  otlpd_batch *back = ef_roundtrip_pb(out); /* the edit reaches protobuf output */
  assert_string_equal(((otlp_resource_spans *)back->resources[0])->scope_spans[0]->spans[0]->trace_state,
                      "ot=th:e,v=1");
  otlpd_batch_unref(back);
  proc_stop(&p);
  otlpd_batch_unref(in);

  const char *logs =
      "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
      "{\"traceId\":\"0102030405060708ffffffffffffffff\",\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]},"
      "{\"traceId\":\"0102030405060708ffffffffffffffff\",\"attributes\":[{\"key\":\"sampling.threshold\",\"value\":{\"stringValue\":\"8\"}}]},"
      "{\"traceId\":\"01020304050607080000000000000001\"}"
      "]}]}]}";
  in = batch_of(OTLPD_LOGS, logs, true);
  proc_start(&p, "sampling_percentage: 25\nmode: equalizing\n", OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  const otlp_scope_logs *sl = ((otlp_resource_logs *)p.down.got[0]->resources[0])->scope_logs[0];
  assert_int_equal(sl->n_log_records, 2);
  assert_int_equal(sl->log_records[0]->n_attributes, 2);
  assert_string_equal(sl->log_records[0]->attributes[1]->key, "sampling.threshold");
  assert_string_equal(sl->log_records[0]->attributes[1]->value->string_value, "c");
  assert_int_equal(sl->log_records[1]->n_attributes, 1);
  assert_string_equal(sl->log_records[1]->attributes[0]->value->string_value, "c"); /* 8 -> c */
  const otlp_scope_logs *ol = ((otlp_resource_logs *)in->resources[0])->scope_logs[0];
  assert_int_equal(ol->n_log_records, 3);
  assert_int_equal(ol->log_records[0]->n_attributes, 1);
  assert_string_equal(ol->log_records[1]->attributes[0]->value->string_value, "8");
  proc_stop(&p);
  otlpd_batch_unref(in);
}

static otlpd_batch *logs_batch(size_t n, bool with_trace, bool with_attr) {
  sbuf s = {0};
  sb_add(&s, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[");
  for (size_t k = 0; k < n; k++) {
    uint8_t id[16];
    char h[33];
    trace_id(77, k, id);
    hex(id, 16, h);
    sb_add(&s, "%s{\"body\":{\"stringValue\":\"m\"}", k ? "," : "");
    if (with_trace) sb_add(&s, ",\"traceId\":\"%s\"", h);
    if (with_attr) sb_add(&s, ",\"attributes\":[{\"key\":\"rid\",\"value\":{\"stringValue\":\"req-%zu\"}}]", k);
    sb_add(&s, "}");
  }
  sb_add(&s, "]}]}]}");
  otlpd_batch *b = batch_of(OTLPD_LOGS, s.p, true);
  free(s.p);
  return b;
}

static size_t log_count(const otlpd_batch *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_logs *rl = b->resources[i];
    for (size_t j = 0; j < rl->n_scope_logs; j++) n += rl->scope_logs[j]->n_log_records;
  }
  return n;
}

static void test_logs_by_trace_id(void **state) {
  (void)state;
  const size_t N = 2000;
  otlpd_batch *in = logs_batch(N, true, true);
  proc p;
  proc_start(&p, "sampling_percentage: 30\nhash_seed: 123\n", OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  const otlp_scope_logs *sl = ((otlp_resource_logs *)p.down.got[0]->resources[0])->scope_logs[0];
  size_t expect = 0;
  for (size_t k = 0; k < N; k++) {
    uint8_t id[16];
    trace_id(77, k, id);
    expect += ref_keep(123, id, 16, 30);
  }
  assert_int_equal(sl->n_log_records, expect);
  for (size_t k = 0; k < sl->n_log_records; k++)
    assert_true(ref_keep(123, sl->log_records[k]->trace_id.data, 16, 30));
  assert_int_equal(log_count(in), N);
  proc_stop(&p);
  otlpd_batch_unref(in);
}

static void test_logs_by_attribute(void **state) {
  (void)state;
  const size_t N = 2000;
  otlpd_batch *in = logs_batch(N, true, true);
  proc p;
  proc_start(&p, "sampling_percentage: 30\nhash_seed: 123\nattribute_source: record\nfrom_attribute: rid\n",
             OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  const otlp_scope_logs *sl = ((otlp_resource_logs *)p.down.got[0]->resources[0])->scope_logs[0];
  size_t expect = 0;
  for (size_t k = 0; k < N; k++) {
    char rid[32];
    snprintf(rid, sizeof(rid), "req-%zu", k);
    expect += ref_keep(123, (const uint8_t *)rid, strlen(rid), 30);
  }
  assert_int_equal(sl->n_log_records, expect);
  for (size_t k = 0; k < sl->n_log_records; k++) {
    const char *rid = sl->log_records[k]->attributes[0]->value->string_value;
    assert_true(ref_keep(123, (const uint8_t *)rid, strlen(rid), 30));
  }
  proc_stop(&p);
  otlpd_batch_unref(in);

  /* records without the attribute: fail_closed (default) drops them,
   * fail_closed: false keeps them */
  in = logs_batch(10, true, false);
  proc_start(&p, "sampling_percentage: 30\nattribute_source: record\nfrom_attribute: rid\n", OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_int_equal(p.down.n, 0);
  assert_int_equal(ctr(&p.counters.dropped[OTLPD_LOGS]), 10);
  proc_stop(&p);
  proc_start(&p, "sampling_percentage: 30\nattribute_source: record\nfrom_attribute: rid\nfail_closed: false\n",
             OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  assert_ptr_equal(p.down.got[0], in);
  proc_stop(&p);
  otlpd_batch_unref(in);
}

/* sampling_priority: a double attribute is a minimum percentage for its
 * record (an int one is ignored, as otelcol reads it with Double()). */
static void test_logs_priority(void **state) {
  (void)state;
  /* seed 0 buckets: 0102... 6693 (dropped at 25 %) */
  const char *json =
      "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
      "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"attributes\":[{\"key\":\"prio\",\"value\":{\"doubleValue\":100}}]},"
      "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"attributes\":[{\"key\":\"prio\",\"value\":{\"intValue\":\"100\"}}]},"
      "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\"},"
      "{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"attributes\":[{\"key\":\"sampling.threshold\",\"value\":{\"stringValue\":\"8\"}}]}"
      "]}]}]}";
  otlpd_batch *in = batch_of(OTLPD_LOGS, json, false);
  proc p;
  proc_start(&p, "sampling_percentage: 25\nmode: hash_seed\nsampling_priority: prio\n", OTLPD_LOGS);
  assert_int_equal(otlpd_consume(p.in, in), OTLPD_OK);
  const otlp_scope_logs *sl = ((otlp_resource_logs *)p.down.got[0]->resources[0])->scope_logs[0];
  /* only the double priority keeps; a record already carrying a threshold
   * is refused by the hash mode (fail_closed) */
  assert_int_equal(sl->n_log_records, 1);
  assert_int_equal(sl->log_records[0]->attributes[0]->value->double_value, 100);
  proc_stop(&p);
  otlpd_batch_unref(in);
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

static void test_config(void **state) {
  (void)state;
  const char *P = "processors::probabilistic_sampler";
  char want[256];
  snprintf(want, sizeof(want), "%s::sampling_percentage: sampling rate is negative", P);
  assert_config_error("sampling_percentage: -1\n", want);
  assert_config_error("sampling_percentage: 1e999\n", "sampling_percentage");
  assert_config_error("sampling_percentage: 1e-20\n", "sampling rate is too small");
  snprintf(want, sizeof(want), "%s::mode: unsupported sampler mode \"fast\"", P);
  assert_config_error("mode: fast\n", want);
  assert_config_error("sampling_precision: 0\n", "::sampling_precision: invalid sampling precision: 0");
  assert_config_error("sampling_precision: 15\n", "::sampling_precision: 15 is out of range");
  snprintf(want, sizeof(want), "%s::from_attribute: only read with attribute_source: record", P);
  assert_config_error("mode: hash_seed\nfrom_attribute: id\n", want);
  assert_config_error("hash_seed: 7\nfrom_attribute: id\n", want); /* a seed means hash_seed mode */
  assert_config_error("attribute_source: record\n", "::from_attribute: missing");
  assert_config_error("attribute_source: span\n", "attribute_source");
  assert_config_error("hash_seed: -1\n", "hash_seed");
  assert_config_error("hash_seed: 4294967296\n", "hash_seed");

  otlpd_errors errs = {0};
  psamp_cfg *c = load("sampling_percentage: 150\n", &errs); /* > 100 means all, as otelcol */
  assert_non_null(c);
  assert_int_equal(c->sampling_precision, 4);
  assert_true(c->fail_closed);
  assert_int_equal(c->attribute_source, PSAMP_SOURCE_TRACE_ID);
  otlpd_settings_free(FACTORY.settings, c);
  free(c);
  assert_false(FACTORY.signals & OTLPD_SIGNAL_BIT(OTLPD_METRICS));
  assert_true(FACTORY.mutates_data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fnv_vectors),
      cmocka_unit_test(test_thresholds),
      cmocka_unit_test(test_randomness_matches_reference),
      cmocka_unit_test(test_sample_25_percent),
      cmocka_unit_test(test_whole_traces_across_batches),
      cmocka_unit_test(test_zero_and_hundred),
      cmocka_unit_test(test_entries),
      cmocka_unit_test(test_span_priority_and_tracestate),
      cmocka_unit_test(test_tracestate),
      cmocka_unit_test(test_otep235_vectors),
      cmocka_unit_test(test_proportional_writes_back),
      cmocka_unit_test(test_logs_by_trace_id),
      cmocka_unit_test(test_logs_by_attribute),
      cmocka_unit_test(test_logs_priority),
      cmocka_unit_test(test_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
