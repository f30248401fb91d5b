/* tail_sampling: policies one by one, otelcol's decision rule, the
 * probabilistic policy against vectors computed from the published
 * algorithm (gen_tsamp_vectors.py), and the trace id ring set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../collector/processors/tail_sampling/tail_sampling.h"

/* ---- a hand-built trace ---- */
#define MAXS 8
typedef struct fx {
  otlp_trace_request req;
  otlp_resource_spans rs, *rsp[1];
  otlp_resource res;
  otlp_scope_spans ss, *ssp[1];
  otlp_span sp[MAXS], *spp[MAXS];
  otlp_key_value kv[MAXS], *kvp[MAXS];
  otlp_any_value av[MAXS];
  otlp_key_value rkv, *rkvp[1];
  otlp_any_value rav;
  uint8_t id[16];
  tsamp_trace_view v;
} fx;

static void fx_init(fx *f, size_t n) {
  memset(f, 0, sizeof(*f));
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&f->req);
  opentelemetry__proto__trace__v1__resource_spans__init(&f->rs);
  opentelemetry__proto__resource__v1__resource__init(&f->res);
  opentelemetry__proto__trace__v1__scope_spans__init(&f->ss);
  for (size_t i = 0; i < n; i++) {
    opentelemetry__proto__trace__v1__span__init(&f->sp[i]);
    f->sp[i].start_time_unix_nano = 1000000000ull;
    f->sp[i].end_time_unix_nano = 1000000000ull + 10000000ull; /* 10 ms */
    f->spp[i] = &f->sp[i];
  }
  f->ss.n_spans = n;
  f->ss.spans = f->spp;
  f->ssp[0] = &f->ss;
  f->rs.n_scope_spans = 1;
  f->rs.scope_spans = f->ssp;
  f->rs.resource = &f->res;
  f->rsp[0] = &f->rs;
  f->req.n_resource_spans = 1;
  f->req.resource_spans = f->rsp;
  f->v = (tsamp_trace_view){.req = &f->req, .id = f->id, .spans = n, .now_sec = 100};
}

#define VC(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x
static otlp_any_value *span_attr(fx *f, size_t i, const char *key) {
  opentelemetry__proto__common__v1__key_value__init(&f->kv[i]);
  opentelemetry__proto__common__v1__any_value__init(&f->av[i]);
  f->kv[i].key = (char *)key;
  f->kv[i].value = &f->av[i];
  f->kvp[i] = &f->kv[i];
  f->sp[i].n_attributes = 1;
  f->sp[i].attributes = &f->kvp[i];
  return &f->av[i];
}

static otlp_any_value *res_attr(fx *f, const char *key) {
  opentelemetry__proto__common__v1__key_value__init(&f->rkv);
  opentelemetry__proto__common__v1__any_value__init(&f->rav);
  f->rkv.key = (char *)key;
  f->rkv.value = &f->rav;
  f->rkvp[0] = &f->rkv;
  f->res.n_attributes = 1;
  f->res.attributes = f->rkvp;
  return &f->rav;
}

static tsamp_decision eval(tsamp_policy_cfg *c, fx *f) {
  tsamp_policy p;
  char err[128];
  assert_int_equal(tsamp_policy_init(&p, c, err, sizeof(err)), 0);
  tsamp_decision d = tsamp_policy_eval(&p, &f->v);
  tsamp_policy_fini(&p);
  return d;
}

static char *strs_a[] = {"ERROR"};

static void test_always(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 1);
  tsamp_policy_cfg c = {.type = "always_sample"};
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
}

static void test_status_code(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 3);
  tsamp_policy_cfg c = {.type = "status_code"};
  c.status_code.status_codes = (otlpd_strings){strs_a, 1};
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  Opentelemetry__Proto__Trace__V1__Status s = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
  s.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
  f.sp[2].status = &s;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  char *bad[] = {"FATAL"};
  c.status_code.status_codes = (otlpd_strings){bad, 1};
  tsamp_policy p;
  char err[128];
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), -EINVAL);
  assert_non_null(strstr(err, "FATAL"));
}

static void test_latency(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 2);
  /* trace: earliest start to latest end = 1500 ms, over two spans */
  f.sp[0].start_time_unix_nano = 1000000000ull;
  f.sp[0].end_time_unix_nano = 1100000000ull;
  f.sp[1].start_time_unix_nano = 2000000000ull;
  f.sp[1].end_time_unix_nano = 2500000000ull;
  tsamp_policy_cfg c = {.type = "latency"};
  c.latency.threshold_ms = 1500;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.latency.threshold_ms = 1501;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.latency.threshold_ms = 1000; /* upper bound: (threshold, upper] */
  c.latency.upper_threshold_ms = 1500;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.latency.upper_threshold_ms = 1499;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.latency.threshold_ms = 1500;
  c.latency.upper_threshold_ms = 2000;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
}

static void test_string_attribute(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 2);
  otlp_any_value *v = span_attr(&f, 1, "http.route");
  v->value_case = VC(STRING_VALUE);
  v->string_value = "/api/checkout";
  char *vals[] = {"/api/cart", "/api/checkout"};
  tsamp_policy_cfg c = {.type = "string_attribute"};
  c.string_attribute.key = "http.route";
  c.string_attribute.values = (otlpd_strings){vals, 2};
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.string_attribute.invert_match = true;
  assert_int_equal(eval(&c, &f), TSAMP_INVERT_NOT_SAMPLED);
  v->string_value = "/health";
  assert_int_equal(eval(&c, &f), TSAMP_INVERT_SAMPLED);
  c.string_attribute.invert_match = false;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  /* regex, unanchored as Go's MatchString */
  char *re[] = {"^/api/.*out$"};
  c.string_attribute.values = (otlpd_strings){re, 1};
  c.string_attribute.enabled_regex_matching = true;
  v->string_value = "/api/checkout";
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  v->string_value = "/api/cart";
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  /* the resource's attributes count too */
  otlp_any_value *r = res_attr(&f, "http.route");
  r->value_case = VC(STRING_VALUE);
  r->string_value = "/api/logout";
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  /* a bad regex is a config error */
  char *bad[] = {"(unclosed"};
  c.string_attribute.values = (otlpd_strings){bad, 1};
  tsamp_policy p;
  char err[160];
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), -EINVAL);
}

static void test_numeric_attribute(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 1);
  otlp_any_value *v = span_attr(&f, 0, "http.status_code");
  v->value_case = VC(INT_VALUE);
  v->int_value = 503;
  tsamp_policy_cfg c = {.type = "numeric_attribute"};
  c.numeric_attribute.key = "http.status_code";
  c.numeric_attribute.min_value = (otlpd_value){.kind = OTLPD_VALUE_INT, .i = 500};
  c.numeric_attribute.max_value = (otlpd_value){.kind = OTLPD_VALUE_INT, .i = 599};
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  v->int_value = 404;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.numeric_attribute.invert_match = true;
  assert_int_equal(eval(&c, &f), TSAMP_INVERT_SAMPLED);
  c.numeric_attribute.invert_match = false;
  c.numeric_attribute.max_value.kind = OTLPD_VALUE_NONE; /* min only */
  v->int_value = 100000;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  v->value_case = VC(STRING_VALUE); /* not an int: no match */
  v->string_value = "503";
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
}

static void test_boolean_attribute(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 1);
  otlp_any_value *v = span_attr(&f, 0, "debug");
  v->value_case = VC(BOOL_VALUE);
  v->bool_value = 1;
  tsamp_policy_cfg c = {.type = "boolean_attribute"};
  c.boolean_attribute.key = "debug";
  c.boolean_attribute.value = true;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.boolean_attribute.value = false;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.boolean_attribute.invert_match = true;
  assert_int_equal(eval(&c, &f), TSAMP_INVERT_SAMPLED);
}

static void test_span_count(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 4);
  tsamp_policy_cfg c = {.type = "span_count"};
  c.span_count.min_spans = 4;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.span_count.min_spans = 5;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.span_count.min_spans = 2;
  c.span_count.max_spans = 3;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.span_count.max_spans = 4;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
}

static void test_trace_state(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 2);
  char *vals[] = {"value1", "value2"};
  tsamp_policy_cfg c = {.type = "trace_state"};
  c.trace_state.key = "key2";
  c.trace_state.values = (otlpd_strings){vals, 2};
  f.sp[1].trace_state = "key1=value9,key2=value2";
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  f.sp[1].trace_state = "key1=value2,key22=value2";
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  f.sp[1].trace_state = "key2=value";
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
}

static void test_rate_limiting(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 4);
  tsamp_policy_cfg c = {.type = "rate_limiting"};
  c.rate_limiting.spans_per_second = 10;
  tsamp_policy p;
  char err[64];
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), 0);
  /* 4 + 4 fit in a second's 10, the third trace does not */
  assert_int_equal(tsamp_policy_eval(&p, &f.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(&p, &f.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(&p, &f.v), TSAMP_NOT_SAMPLED);
  f.v.now_sec++; /* a new second */
  assert_int_equal(tsamp_policy_eval(&p, &f.v), TSAMP_SAMPLED);
  tsamp_policy_fini(&p);
}

/* and: every sub-policy must keep the trace; drop: when every sub-policy
 * keeps it, the trace is dropped, and that wins over other policies. */
static void test_and_drop(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 2);
  tsamp_policy_cfg subs[2] = {{.type = "status_code"}, {.type = "span_count"}};
  subs[0].status_code.status_codes = (otlpd_strings){strs_a, 1};
  subs[1].span_count.min_spans = 2;
  tsamp_policy_cfg and_ = {.type = "and"}, drop = {.type = "drop"};
  and_.and_.subs = (otlpd_sections){subs, 2};
  drop.drop.subs = (otlpd_sections){subs, 2};
  /* no error span: the first sub-policy does not keep it */
  assert_int_equal(eval(&and_, &f), TSAMP_NOT_SAMPLED);
  assert_int_equal(eval(&drop, &f), TSAMP_NOT_SAMPLED);
  Opentelemetry__Proto__Trace__V1__Status s = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
  s.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
  f.sp[1].status = &s;
  assert_int_equal(eval(&and_, &f), TSAMP_SAMPLED);
  assert_int_equal(eval(&drop, &f), TSAMP_DROPPED);
  /* with always_sample next to it, the drop still wins */
  tsamp_decision all[2] = {TSAMP_SAMPLED, eval(&drop, &f)};
  assert_false(tsamp_final(all, 2));
  /* an inverted miss ends `and` too */
  tsamp_policy_cfg inv[2] = {{.type = "always_sample"}, {.type = "string_attribute"}};
  inv[1].string_attribute.key = "k";
  char *v[] = {"x"};
  inv[1].string_attribute.values = (otlpd_strings){v, 1};
  inv[1].string_attribute.invert_match = true;
  otlp_any_value *a = span_attr(&f, 0, "k");
  a->value_case = VC(STRING_VALUE);
  a->string_value = "x";
  and_.and_.subs = (otlpd_sections){inv, 2};
  assert_int_equal(eval(&and_, &f), TSAMP_NOT_SAMPLED);
  /* no sub-policies, or nested ones, are refused */
  tsamp_policy p;
  char err[128];
  and_.and_.subs = (otlpd_sections){NULL, 0};
  assert_int_equal(tsamp_policy_init(&p, &and_, err, sizeof(err)), -EINVAL);
  tsamp_policy_cfg nested[1] = {{.type = "and"}};
  drop.drop.subs = (otlpd_sections){nested, 1};
  assert_int_equal(tsamp_policy_init(&p, &drop, err, sizeof(err)), -EINVAL);
}

static void test_final_rule(void **st) {
  (void)st;
  tsamp_decision a[] = {TSAMP_SAMPLED, TSAMP_DROPPED};
  assert_false(tsamp_final(a, 2)); /* any drop wins */
  tsamp_decision b[] = {TSAMP_NOT_SAMPLED, TSAMP_SAMPLED, TSAMP_INVERT_NOT_SAMPLED};
  assert_true(tsamp_final(b, 3)); /* a sampled beats an inverted no */
  tsamp_decision c[] = {TSAMP_INVERT_SAMPLED, TSAMP_INVERT_NOT_SAMPLED};
  assert_false(tsamp_final(c, 2));
  tsamp_decision d[] = {TSAMP_NOT_SAMPLED, TSAMP_INVERT_SAMPLED};
  assert_true(tsamp_final(d, 2));
  tsamp_decision e[] = {TSAMP_NOT_SAMPLED, TSAMP_NOT_SAMPLED};
  assert_false(tsamp_final(e, 2));
  assert_false(tsamp_final(e, 0));
}

/* ---- probabilistic: vectors from gen_tsamp_vectors.py ---- */
typedef struct vec {
  const char *salt;
  double pct;
  const char *id;
  uint64_t hash, threshold;
  bool sampled;
} vec;
static const vec vectors[] = {
    {"", 25.0, "92086d7b93033476d07dd247a7cf2908", 0xaed212c1c3d87c40ULL, 0x3fffffffffffffffULL, false},
    {"", 25.0, "857d53133ff3f3beff5c0b6bdc239a5a", 0x0272f16ddf6cb78eULL, 0x3fffffffffffffffULL, true},
    {"", 25.0, "616b48d3ac43742caf4da95c2274c4dc", 0x1dea87d3ef6f739eULL, 0x3fffffffffffffffULL, true},
    {"", 25.0, "fb3df8709d600b95013c2231f0e84d89", 0xa80fd44b4e8c849aULL, 0x3fffffffffffffffULL, false},
    {"", 25.0, "5dc5e53d50aa8c736f7810a79553d880", 0x63d251585afc6274ULL, 0x3fffffffffffffffULL, false},
    {"", 25.0, "28d739f8693d09087f4dd19ba81288ec", 0x119f0355b74dccecULL, 0x3fffffffffffffffULL, true},
    {"", 50.0, "da14266291f25fe999261cf6c6c51871", 0x7a9664521e156133ULL, 0x7fffffffffffffffULL, true},
    {"", 50.0, "2afbce30f2596ef86a723eae46249e85", 0x47e0c3e99b263ee4ULL, 0x7fffffffffffffffULL, true},
    {"", 50.0, "2ddd1e44744d2aa9a6f1d22cc72d7ac5", 0x5eca2d0bc56b09adULL, 0x7fffffffffffffffULL, true},
    {"", 50.0, "58536f39018bb60b54e5513e14437267", 0xb534564d8a8831d1ULL, 0x7fffffffffffffffULL, false},
    {"", 50.0, "952863ebde7eace43dbc86fee945857b", 0x0800d55eb5bd7cbdULL, 0x7fffffffffffffffULL, true},
    {"", 50.0, "9a7f102a7dac76e566226b8a95598963", 0xa59f15117b9f8b93ULL, 0x7fffffffffffffffULL, false},
    {"my-salt", 10.0, "7db32a8f7019f7f96ad409df00708910", 0x0875718cd4b594adULL, 0x19999999999999ffULL, true},
    {"my-salt", 10.0, "0c5917261b9b74d5fecc7c2375dc6fc6", 0x566705c31f14ba26ULL, 0x19999999999999ffULL, false},
    {"my-salt", 10.0, "80ec7257b942e5c9b2756c54a685e885", 0xb35c1d2c198d55c3ULL, 0x19999999999999ffULL, false},
    {"my-salt", 10.0, "27bd3c529e08af32a4e79693d4a07a06", 0x7c94d3eb3abe34e9ULL, 0x19999999999999ffULL, false},
    {"my-salt", 10.0, "ce1df64b6fd9db3fb74ae3160b98e98c", 0x7405265d8e26b194ULL, 0x19999999999999ffULL, false},
    {"my-salt", 10.0, "c4fbf61bfbd14929ab7a245c9866ebc9", 0x518f9309b41e8945ULL, 0x19999999999999ffULL, false},
    {"x", 33.3, "31fc592e1497316d35fc18afff4ee3f6", 0x54b82cad414b78e6ULL, 0x553f7ced91686fffULL, true},
    {"x", 33.3, "76dcbec0b1d385b86c72aabe8e354498", 0x8e85e9462d8a42b9ULL, 0x553f7ced91686fffULL, false},
    {"x", 33.3, "5d1da0c8a001356c9c68df61dfcfa633", 0x41917e666741feaeULL, 0x553f7ced91686fffULL, true},
    {"x", 33.3, "11c56ccc16d20e59415c746cc231a0bf", 0x11aa60664fbfb12dULL, 0x553f7ced91686fffULL, true},
    {"x", 33.3, "4877b14b817f81e8436771a35759b946", 0x268dbdf7169d3856ULL, 0x553f7ced91686fffULL, true},
    {"x", 33.3, "7be772da7a967a15b08ab85dcdb867e9", 0x7ff728b47fd96934ULL, 0x553f7ced91686fffULL, false},
    {"", 100.0, "cb2bf69afe6ab8901098d8bbd64e0497", 0x5ef4fbaaf604960fULL, 0xffffffffffffffffULL, true},
    {"", 100.0, "53a65212bd659c5f489b2f3d2b4e188e", 0x5b068c422abffdf9ULL, 0xffffffffffffffffULL, true},
    {"", 100.0, "cad1ef0d3891be12f36b319192fb70ea", 0xaceafebb727e9eaeULL, 0xffffffffffffffffULL, true},
    {"", 100.0, "f9cdde9704643356d9e3933085eecf90", 0xaa13f3a3aa35f09aULL, 0xffffffffffffffffULL, true},
    {"", 100.0, "c3c5f4d553de0ca8b1940c09905ddcef", 0x66a8d594c73d0ae3ULL, 0xffffffffffffffffULL, true},
    {"", 100.0, "655399a32bc5281e9bcadd58ff2a07b9", 0x0a9fe54c42b4b906ULL, 0xffffffffffffffffULL, true},
    {"", 0.5, "eb8982ce5916657093e1590f25ecdd71", 0xa38bb4b73f66d754ULL, 0x0147ae147ae147afULL, false},
    {"", 0.5, "b4789c73b871fc9a2c5ad26cd2d357f4", 0x489ce2770b07f8fdULL, 0x0147ae147ae147afULL, false},
    {"", 0.5, "8f83756331186ea4270aeedc2fa3a230", 0x58ba5936834d39cfULL, 0x0147ae147ae147afULL, false},
    {"", 0.5, "916df9e8cbe65c8f60f50c9a0d2a4ff4", 0x0b2af906d138bc2fULL, 0x0147ae147ae147afULL, false},
    {"", 0.5, "f3390c942d19a2905cd62f4df2d90a65", 0xc14b85db6a951097ULL, 0x0147ae147ae147afULL, false},
    {"", 0.5, "99c36d1358c2317d292b67cfc0f677f0", 0xecbed80ac3a9af26ULL, 0x0147ae147ae147afULL, false},
};

static void hex16(const char *s, uint8_t *out) {
  for (int i = 0; i < 16; i++) {
    unsigned b;
    sscanf(s + 2 * i, "%2x", &b);
    out[i] = (uint8_t)b;
  }
}

static void test_probabilistic_vectors(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
    const vec *t = &vectors[i];
    fx f;
    fx_init(&f, 1);
    hex16(t->id, f.id);
    const char *salt = *t->salt ? t->salt : "default-hash-seed";
    assert_true(tsamp_fnv64a(salt, f.id, 16) == t->hash);
    assert_true(tsamp_prob_threshold(t->pct) == t->threshold);
    tsamp_policy_cfg c = {.type = "probabilistic"};
    c.probabilistic.hash_salt = (char *)t->salt;
    c.probabilistic.sampling_percentage = t->pct;
    assert_int_equal(eval(&c, &f), t->sampled ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED);
  }
}

/* 20,000 traces at 25 % keep 25 % +- 2 points. */
static void test_probabilistic_rate(void **st) {
  (void)st;
  tsamp_policy_cfg c = {.type = "probabilistic"};
  c.probabilistic.sampling_percentage = 25;
  tsamp_policy p;
  char err[64];
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), 0);
  fx f;
  fx_init(&f, 1);
  uint64_t x = 88172645463325252ull, kept = 0;
  for (int i = 0; i < 20000; i++) {
    for (int b = 0; b < 16; b += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      memcpy(f.id + b, &x, 8);
    }
    kept += tsamp_policy_eval(&p, &f.v) == TSAMP_SAMPLED;
  }
  assert_in_range(kept, 4600, 5400);
  tsamp_policy_fini(&p);
}

/* ---- the ring set ---- */
static void test_ottl_condition(void **st) {
  (void)st;
  fx f;
  fx_init(&f, 2);
  f.sp[1].name = "GET /x";
  char *span_c[] = {"name == \"POST\"", "IsMatch(name, \"^GET\")"};
  tsamp_policy_cfg c = {.type = "ottl_condition"};
  c.ottl_condition.span = (otlpd_strings){span_c, 2};
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  c.ottl_condition.span.n = 1;
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  /* span events */
  Opentelemetry__Proto__Trace__V1__Span__Event ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT, *evp[1] = {&ev};
  ev.name = "exception";
  f.sp[0].n_events = 1;
  f.sp[0].events = evp;
  char *ev_c[] = {"name == \"exception\" and span.name == \"GET /x\"", "name == \"exception\""};
  c.ottl_condition.span.n = 0;
  c.ottl_condition.spanevent = (otlpd_strings){ev_c, 1};
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED); /* the event is on the other span */
  c.ottl_condition.spanevent = (otlpd_strings){ev_c + 1, 1};
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  /* error_mode: an error stops the policy (propagate) or is skipped */
  char *err_c[] = {"Len(attributes[\"nope\"]) > 0", "name == \"GET /x\""};
  c.ottl_condition.spanevent.n = 0;
  c.ottl_condition.span = (otlpd_strings){err_c, 2};
  assert_int_equal(eval(&c, &f), TSAMP_NOT_SAMPLED);
  c.ottl_condition.error_mode = 1;
  assert_int_equal(eval(&c, &f), TSAMP_SAMPLED);
  /* config errors name the condition and the column */
  char *bad[] = {"name = \"x\""};
  c.ottl_condition.span = (otlpd_strings){bad, 1};
  tsamp_policy p;
  char err[256];
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), -EINVAL);
  assert_non_null(strstr(err, "span[0]: \"name = \"x\"\": column 6"));
  c.ottl_condition.span.n = 0;
  assert_int_equal(tsamp_policy_init(&p, &c, err, sizeof(err)), -EINVAL);
}

static void test_idset(void **st) {
  (void)st;
  tsamp_idset s;
  assert_int_equal(tsamp_idset_init(&s, 100), 0);
  uint8_t id[16] = {0};
  for (uint32_t i = 0; i < 100; i++) {
    memcpy(id, &i, 4);
    id[15] = (uint8_t)i;
    assert_int_equal(tsamp_idset_find(&s, id), -1);
    assert_int_equal(tsamp_idset_push(&s, id), i);
  }
  assert_true(tsamp_idset_full(&s));
  /* pop half, push more (the ring wraps), and everything is still found */
  for (int k = 0; k < 50; k++) tsamp_idset_pop(&s);
  for (uint32_t i = 100; i < 150; i++) {
    memcpy(id, &i, 4);
    id[15] = (uint8_t)i;
    tsamp_idset_push(&s, id);
  }
  for (uint32_t i = 0; i < 150; i++) {
    memcpy(id, &i, 4);
    id[15] = (uint8_t)i;
    long pos = tsamp_idset_find(&s, id);
    if (i < 50) assert_int_equal(pos, -1);
    else assert_int_equal(pos, (long)(i % 100));
  }
  /* remember: bounded, forgets the oldest */
  tsamp_idset c;
  assert_int_equal(tsamp_idset_init(&c, 3), 0);
  for (uint8_t i = 1; i <= 5; i++) {
    id[0] = i;
    tsamp_idset_remember(&c, id);
  }
  id[0] = 2;
  assert_int_equal(tsamp_idset_find(&c, id), -1);
  id[0] = 3;
  assert_true(tsamp_idset_find(&c, id) >= 0);
  tsamp_idset_free(&c);
  tsamp_idset_free(&s);
}

/* Ids made of ASCII counters (as some clients and the bench make them)
 * must spread over the index: the longest run of occupied slots stays
 * short (it was the whole table with a hash that ignored their bytes). */
static void test_idset_ascii_ids(void **st) {
  (void)st;
  tsamp_idset s;
  assert_int_equal(tsamp_idset_init(&s, 50000), 0);
  char id[17];
  for (unsigned i = 0; i < 50000; i++) {
    snprintf(id, sizeof id, "%08x%08x", 1 + i / 100, i % 100);
    tsamp_idset_push(&s, (const uint8_t *)id);
  }
  size_t run = 0, longest = 0;
  for (size_t i = 0; i <= s.mask; i++) {
    run = s.slots[i] ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  assert_true(longest < 200);
  for (unsigned i = 0; i < 50000; i += 997) {
    snprintf(id, sizeof id, "%08x%08x", 1 + i / 100, i % 100);
    assert_int_equal(tsamp_idset_find(&s, (const uint8_t *)id), (long)i);
  }
  tsamp_idset_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_always),           cmocka_unit_test(test_status_code),
      cmocka_unit_test(test_latency),          cmocka_unit_test(test_string_attribute),
      cmocka_unit_test(test_numeric_attribute), cmocka_unit_test(test_boolean_attribute),
      cmocka_unit_test(test_span_count),       cmocka_unit_test(test_trace_state),
      cmocka_unit_test(test_rate_limiting),    cmocka_unit_test(test_and_drop),
      cmocka_unit_test(test_final_rule),
      cmocka_unit_test(test_probabilistic_vectors), cmocka_unit_test(test_probabilistic_rate),
      cmocka_unit_test(test_ottl_condition),
      cmocka_unit_test(test_idset),
      cmocka_unit_test(test_idset_ascii_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
