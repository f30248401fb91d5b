/* Reading spans and log records as otelcol's pdata does: attributes,
 * sampling.priority, trace ids, attribute values as bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probabilistic_sampler.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

const otlp_any_value *psamp_attr(size_t n, otlp_key_value *const *kv, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (kv[i]->key && !strcmp(kv[i]->key, key)) return kv[i]->value;
  return NULL;
}

const char *psamp_str_attr(const otlp_log_record *lr, const char *key) {
  const otlp_any_value *v = psamp_attr(lr->n_attributes, lr->attributes, key);
  return v && v->value_case == ANY(STRING_VALUE) && v->string_value ? v->string_value : "";
}

/* Trace ids are 16 bytes; a missing one hashes as 16 zero bytes, as
 * pdata's empty TraceID does. */
uint64_t psamp_trace_hash(uint32_t seed, ProtobufCBinaryData id) {
  uint8_t b[16] = {0};
  memcpy(b, id.data, id.len < 16 ? id.len : 16);
  return psamp_randomness(seed, b, sizeof(b));
}

bool psamp_trace_random56(ProtobufCBinaryData id, uint64_t *rnd) {
  bool zero = true;
  for (size_t i = 0; i < id.len; i++) zero = zero && !id.data[i];
  if (zero || id.len != 16) return false;
  uint64_t x = 0;
  for (size_t i = 9; i < 16; i++) x = x << 8 | id.data[i];
  *rnd = x;
  return true;
}

static psamp_prio prio_of(double v) {
  return v == 0 ? PSAMP_PRIO_NOT : v > 0 ? PSAMP_PRIO_MUST : PSAMP_PRIO_DEFER;
}

/* OpenTracing's sampling.priority span attribute (parseSpanSamplingPriority). */
psamp_prio psamp_span_priority(const otlp_span *sp) {
  const otlp_any_value *v = psamp_attr(sp->n_attributes, sp->attributes, "sampling.priority");
  if (!v) return PSAMP_PRIO_DEFER;
  switch (v->value_case) {
  case ANY(INT_VALUE): return prio_of((double)v->int_value);
  case ANY(DOUBLE_VALUE): return prio_of(v->double_value);
  case ANY(STRING_VALUE): {
    const char *s = v->string_value;
    char *end;
    if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n') return PSAMP_PRIO_DEFER;
    double d = strtod(s, &end);
    return *end ? PSAMP_PRIO_DEFER : prio_of(d);
  }
  default: return PSAMP_PRIO_DEFER;
  }
}

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
  case ANY(INT_VALUE):
    snprintf(tmp, tmplen, "%lld", (long long)v->int_value);
    *b = (const uint8_t *)tmp;
    break;
  case ANY(BOOL_VALUE): *b = (const uint8_t *)(v->bool_value ? "true" : "false"); break;
  case ANY(DOUBLE_VALUE):
    pdata_double_text(v->double_value, tmp, tmplen);
    *b = (const uint8_t *)tmp;
    break;
  case ANY(ARRAY_VALUE):
  case ANY(KVLIST_VALUE): return false;
  default: *b = (const uint8_t *)""; break;
  }
  *n = strlen((const char *)*b);
  return true;
}

bool psamp_attr_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd) {
  if (!r->from_attribute) return false;
  const otlp_any_value *v = psamp_attr(lr->n_attributes, lr->attributes, r->from_attribute);
  char tmp[64];
  const uint8_t *b;
  size_t n = 0;
  if (!v || !value_bytes(v, tmp, sizeof(tmp), &b, &n)) return false;
  *rnd = psamp_randomness(r->seed, b, n);
  return true;
}

/* logRecordToPriorityThreshold: only a double value counts (otelcol reads
 * the value with Double(), which is 0 for an int attribute). */
uint64_t psamp_priority_threshold(const psamp_rule *r, const otlp_log_record *lr) {
  const otlp_any_value *v = psamp_attr(lr->n_attributes, lr->attributes, r->priority_attr);
  uint64_t th;
  if (v && v->value_case == ANY(DOUBLE_VALUE) && v->double_value != 0 &&
      psamp_prob_threshold(v->double_value / 100.0, r->precision, &th) == 0)
    return th;
  return PSAMP_NEVER;
}
