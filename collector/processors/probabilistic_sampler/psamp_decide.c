/* The sampling decision, as otelcol-contrib's probabilisticsamplerprocessor
 * makes it in hash_seed mode. Sources (open-telemetry/opentelemetry-
 * collector-contrib):
 *  - processor/probabilisticsamplerprocessor/fnvhasher.go: FNV-1a 32 over
 *    the seed's 4 bytes (little-endian) then the trace id;
 *  - processor/probabilisticsamplerprocessor/sampler_mode.go:
 *    randomnessFromBytes (14-bit bucket -> 56-bit randomness), makeSampler
 *    (percentage -> reject threshold), randomnessFromSpan/LogRecord;
 *  - processor/probabilisticsamplerprocessor/tracesprocessor.go and
 *    logsprocessor.go: sampling.priority, fail_closed, priority thresholds;
 *  - pkg/sampling/probability.go, threshold.go: ShouldSample is T <= R.
 * Everything here is a pure function of the item and the rule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probabilistic_sampler.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag
#define HASH_BUCKETS 0x4000u /* 14 bits */
#define HASH_MASK (HASH_BUCKETS - 1)

uint32_t psamp_fnv1a(uint32_t seed, const uint8_t *b, size_t n) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 4; i++) h = (h ^ ((seed >> (8 * i)) & 0xffu)) * 16777619u;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

/* Top 14 bits: 0x3fff - bucket, so that "bucket < accepted buckets" reads
 * as the specification's T <= R; the 18 unused hash bits fill the rest. */
uint64_t psamp_randomness(uint32_t seed, const uint8_t *b, size_t n) {
  uint32_t h = psamp_fnv1a(seed, b, n);
  uint64_t bucket = h & HASH_MASK;
  uint64_t rprime = HASH_MASK - bucket;
  uint64_t unused18 = h >> 14;
  uint64_t mixed28 = unused18 ^ (unused18 << 10);
  return (rprime << 42) | (mixed28 << 14) | bucket;
}

/* otelcol computes uint32(pct * 0x4000/100.0) in float32 arithmetic,
 * truncating; we do the same so the boundary buckets agree. */
uint64_t psamp_hash_threshold(double percentage) {
  float pct = (float)percentage;
  if (pct > 100.0f) pct = 100.0f;
  if (!(pct > 0.0f)) return PSAMP_NEVER;
  float scaled_f = pct * 163.84f;
  uint32_t scaled = (uint32_t)scaled_f;
  if (scaled == 0) return PSAMP_NEVER;
  return (uint64_t)(HASH_BUCKETS - scaled) << 42;
}

bool psamp_prob_threshold(double prob, int prec, uint64_t *out) {
  const double max = (double)PSAMP_MAX_ADJUSTED;
  if (!(prob >= 1.0 / max && prob <= 1.0)) return false;
  uint64_t rscaled = PSAMP_MAX_ADJUSTED - (uint64_t)round(prob * max);
  if (prec == 0) {
    *out = rscaled;
    return true;
  }
  if (prob == 1.0) {
    *out = PSAMP_ALWAYS;
    return true;
  }
  for (double reject = 1 - prob; reject * 16 < 1; reject *= 16) prec++;
  if (prec > 14) return false; /* ErrPrecisionUnderflow */
  unsigned shift = 4u * (unsigned)(14 - prec);
  if (shift) {
    rscaled += (uint64_t)1 << (shift - 1);
    rscaled = (rscaled >> shift) << shift;
  }
  *out = rscaled;
  return true;
}

void psamp_rule_init(psamp_rule *r, const psamp_cfg *c, otlpd_signal s) {
  memset(r, 0, sizeof(*r));
  r->seed = (uint32_t)c->hash_seed;
  r->threshold = psamp_hash_threshold(c->sampling_percentage);
  r->precision = (int)c->sampling_precision;
  r->fail_closed = c->fail_closed;
  r->logs_by_trace_id = c->attribute_source == PSAMP_SOURCE_TRACE_ID;
  if (s == OTLPD_LOGS) {
    if (c->from_attribute && *c->from_attribute) r->from_attribute = c->from_attribute;
    if (c->sampling_priority && *c->sampling_priority) r->priority_attr = c->sampling_priority;
  }
}

static const otlp_any_value *attr(size_t n, otlp_key_value *const *kv, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i]->key && !strcmp(kv[i]->key, key)) return kv[i]->value;
  return NULL;
}

/* Trace ids are 16 bytes; a missing one hashes as 16 zero bytes, as
 * pdata's empty TraceID does. */
static uint64_t trace_randomness(uint32_t seed, ProtobufCBinaryData id) {
  uint8_t b[16] = {0};
  memcpy(b, id.data, id.len < 16 ? id.len : 16);
  return psamp_randomness(seed, b, sizeof(b));
}

/* ---- spans ---- */

typedef enum { PRIO_DEFER, PRIO_MUST, PRIO_NOT } span_prio;

static span_prio prio_of(double v) { return v == 0 ? PRIO_NOT : v > 0 ? PRIO_MUST : PRIO_DEFER; }

/* OpenTracing's sampling.priority span attribute (parseSpanSamplingPriority). */
static span_prio span_priority(const otlp_span *sp) {
  const otlp_any_value *v = attr(sp->n_attributes, sp->attributes, "sampling.priority");
  if (!v) return PRIO_DEFER;
  switch (v->value_case) {
  case ANY(INT_VALUE): return prio_of((double)v->int_value);
  case ANY(DOUBLE_VALUE): return prio_of(v->double_value);
  case ANY(STRING_VALUE): {
    const char *s = v->string_value;
    char *end;
    if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n') return PRIO_DEFER;
    double d = strtod(s, &end);
    return *end ? PRIO_DEFER : prio_of(d);
  }
  default: return PRIO_DEFER;
  }
}

bool psamp_keep_span(const psamp_rule *r, const otlp_span *sp) {
  span_prio prio = span_priority(sp);
  if (prio == PRIO_NOT) return false;
  uint64_t th = prio == PRIO_MUST ? PSAMP_ALWAYS : PSAMP_NEVER;
  if (prio == PRIO_DEFER && !psamp_tracestate_refused(sp->trace_state)) th = r->threshold;
  return th <= trace_randomness(r->seed, sp->trace_id);
}

/* ---- log records ---- */

/* pdata's Value.AsString for a double (ES6 number form): the fewest
 * digits that read back, plain decimal in [1e-6, 1e21), otherwise
 * exponent form without zero padding ("1.5e-7"). */
static void pdata_double_text(double d, char *buf, size_t len) {
  if (!isfinite(d)) {
    snprintf(buf, len, "%s", isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
    return;
  }
  char e[40];
  int digits = 1;
  for (; digits < 17; digits++) {
    snprintf(e, sizeof(e), "%.*e", digits - 1, d);
    if (strtod(e, NULL) == d) break;
  }
  snprintf(e, sizeof(e), "%.*e", digits - 1, d);
  char *x = strchr(e, 'e');
  double a = fabs(d);
  if (a == 0 || (a >= 1e-6 && a < 1e21)) {
    int decimals = digits - 1 - atoi(x + 1);
    snprintf(buf, len, "%.*f", decimals > 0 ? decimals : 0, d);
    return;
  }
  const char *exp = x + 2;
  while (exp[0] == '0' && exp[1]) exp++;
  char sign = x[1];
  *x = '\0';
  snprintf(buf, len, "%se%c%s", e, sign, exp);
}

/* Bytes of an attribute value as getBytesFromValue gives them; false for
 * maps and arrays (their JSON form is not reproduced). */
static bool value_bytes(const otlp_any_value *v, char *tmp, size_t tmplen, const uint8_t **b, size_t *n) {
  switch (v->value_case) {
  case ANY(STRING_VALUE): *b = (const uint8_t *)(v->string_value ? v->string_value : ""); break;
  case ANY(BYTES_VALUE): *b = v->bytes_value.data; *n = v->bytes_value.len; return true;
  case ANY(INT_VALUE): snprintf(tmp, tmplen, "%lld", (long long)v->int_value); *b = (const uint8_t *)tmp; break;
  case ANY(BOOL_VALUE): *b = (const uint8_t *)(v->bool_value ? "true" : "false"); break;
  case ANY(DOUBLE_VALUE): pdata_double_text(v->double_value, tmp, tmplen); *b = (const uint8_t *)tmp; break;
  case ANY(ARRAY_VALUE):
  case ANY(KVLIST_VALUE): return false;
  default: *b = (const uint8_t *)""; break;
  }
  *n = strlen((const char *)*b);
  return true;
}

/* logRecordToPriorityThreshold: only a double value counts (otelcol reads
 * the value with Double(), which is 0 for an int attribute). */
static uint64_t priority_threshold(const psamp_rule *r, const otlp_log_record *lr) {
  const otlp_any_value *v = attr(lr->n_attributes, lr->attributes, r->priority_attr);
  uint64_t th;
  if (v && v->value_case == ANY(DOUBLE_VALUE) && v->double_value != 0 &&
      psamp_prob_threshold(v->double_value / 100.0, r->precision, &th))
    return th;
  return PSAMP_NEVER;
}

/* 1..max hex digits (either case, as strconv.ParseUint base 16). */
static bool parse_hex(const char *s, size_t min, size_t max, uint64_t *v, size_t *len) {
  size_t n = strlen(s);
  if (n < min || n > max) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    x = x << 4 | (uint64_t)d;
  }
  *v = x;
  *len = n;
  return true;
}

static const char *str_attr(const otlp_log_record *lr, const char *key) {
  const otlp_any_value *v = attr(lr->n_attributes, lr->attributes, key);
  return v && v->value_case == ANY(STRING_VALUE) && v->string_value ? v->string_value : "";
}

static bool attr_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd) {
  if (!r->from_attribute) return false;
  const otlp_any_value *v = attr(lr->n_attributes, lr->attributes, r->from_attribute);
  char tmp[64];
  const uint8_t *b;
  size_t n = 0;
  if (!v || !value_bytes(v, tmp, sizeof(tmp), &b, &n)) return false;
  *rnd = psamp_randomness(r->seed, b, n);
  return true;
}

/* The hash_seed sampler (hashingSampler.randomnessFromLogRecord):
 * randomness from the hash, and records that already carry sampling
 * attributes are refused. */
static bool hash_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd) {
  bool have = false;
  if (r->logs_by_trace_id) {
    *rnd = trace_randomness(r->seed, lr->trace_id);
    have = true;
  } else {
    have = attr_randomness(r, lr, rnd);
  }
  return have && !*str_attr(lr, "sampling.threshold") && !*str_attr(lr, "sampling.randomness");
}

/* At 0 % otelcol uses its never-sampler, whose randomness is the OTEP 235
 * one (consistentTracestateCommon.randomnessFromLogRecord): an explicit
 * sampling.randomness, else the trace id's low 56 bits, else the hashed
 * attribute. It matters only for sampling_priority and fail_closed. */
static bool w3c_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd) {
  uint64_t th = 0, v;
  size_t n;
  const char *rv = str_attr(lr, "sampling.randomness"), *tv = str_attr(lr, "sampling.threshold");
  bool has_th = *tv != 0;
  if (has_th) {
    if (!parse_hex(tv, 1, 14, &v, &n)) return false;
    th = v << (4 * (14 - n));
  }
  if (*rv) {
    if (!parse_hex(rv, 14, 14, &v, &n)) return false;
    *rnd = v;
  } else {
    bool zero = true;
    for (size_t i = 0; i < lr->trace_id.len; i++) zero = zero && !lr->trace_id.data[i];
    if (!zero && lr->trace_id.len == 16) {
      *rnd = 0;
      for (size_t i = 9; i < 16; i++) *rnd = *rnd << 8 | lr->trace_id.data[i];
    } else if (!attr_randomness(r, lr, rnd)) {
      return false;
    }
  }
  return !has_th || th <= *rnd; /* an arriving threshold must be consistent */
}

bool psamp_keep_log(const psamp_rule *r, const otlp_log_record *lr) {
  uint64_t rnd = PSAMP_RND_MISSING, th;
  bool never = r->threshold == PSAMP_NEVER;
  bool ok = never ? w3c_randomness(r, lr, &rnd) : hash_randomness(r, lr, &rnd);
  if (!ok) th = r->fail_closed ? PSAMP_NEVER : PSAMP_ALWAYS;
  else th = r->threshold;
  if (r->priority_attr) {
    uint64_t pth = priority_threshold(r, lr);
    if (pth < th) th = pth;
  }
  return th <= rnd;
}
