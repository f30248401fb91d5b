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
  assert_config_error("from_attribute: id\n", want);
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
      cmocka_unit_test(test_logs_by_trace_id),
      cmocka_unit_test(test_logs_by_attribute),
      cmocka_unit_test(test_logs_priority),
      cmocka_unit_test(test_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
