/* hash and convert on one AnyValue, byte for byte as otelcol's attraction:
 * SHA-256 over the string bytes, 8 little-endian bytes of an int or a
 * double's bits, one byte for a bool; other types hash to "". */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "attraction.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

static void put_le64(unsigned char *p, uint64_t x) {
  for (int k = 0; k < 8; k++) p[k] = (unsigned char)(x >> (8 * k));
}

static int set_string(otlpd_batch *b, size_t i, otlp_any_value *v, const char *s, size_t len) {
  char *c = otlpd_batch_strdup(b, i, s, len);
  if (!c) return -ENOMEM;
  v->value_case = ANY(STRING_VALUE);
  v->string_value = c;
  return 0;
}

int attraction_digest_init(attraction_digest *d) {
  d->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  d->ctx = EVP_MD_CTX_new();
  if (d->md && d->ctx) return 0;
  attraction_digest_free(d);
  return -ENOMEM;
}

void attraction_digest_free(attraction_digest *d) {
  EVP_MD_CTX_free(d->ctx);
  EVP_MD_free(d->md);
  d->ctx = NULL;
  d->md = NULL;
}

int attraction_value_hash(const attraction_digest *d, otlpd_batch *b, size_t i, otlp_any_value *v) {
  unsigned char buf[8], md[EVP_MAX_MD_SIZE];
  const unsigned char *in = buf;
  size_t len = 0;
  uint64_t bits;
  switch (v->value_case) {
  case ANY(STRING_VALUE):
    in = (const unsigned char *)(v->string_value ? v->string_value : "");
    len = strlen((const char *)in);
    break;
  case ANY(BOOL_VALUE): buf[0] = v->bool_value ? 1 : 0, len = 1; break;
  case ANY(INT_VALUE): put_le64(buf, (uint64_t)v->int_value), len = 8; break;
  case ANY(DOUBLE_VALUE):
    memcpy(&bits, &v->double_value, 8);
    put_le64(buf, bits), len = 8;
    break;
  default: break;
  }
  if (!len) return set_string(b, i, v, "", 0);
  unsigned int mdlen = 0;
  if (!EVP_DigestInit_ex2(d->ctx, d->md, NULL) || !EVP_DigestUpdate(d->ctx, in, len) ||
      !EVP_DigestFinal_ex(d->ctx, md, &mdlen))
    return -ENOMEM;
  static const char digits[] = "0123456789abcdef";
  char hex[2 * EVP_MAX_MD_SIZE];
  for (unsigned k = 0; k < mdlen; k++) {
    hex[2 * k] = digits[md[k] >> 4];
    hex[2 * k + 1] = digits[md[k] & 15];
  }
  return set_string(b, i, v, hex, 2 * mdlen);
}

/* Go's strconv.ParseInt(s, 10, 64) / ParseFloat(s, 64): the whole text. */
static bool parse_int(const char *s, int64_t *out) {
  if (!s || !*s || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9'))) return false;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end) return false;
  *out = x;
  return true;
}

static bool parse_double(const char *s, double *out) {
  if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n') return false;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (*end || (errno && !isinf(x))) return false;
  *out = x;
  return true;
}

bool attraction_value_converts(const otlp_any_value *v, attraction_conv to) {
  int64_t i;
  double d;
  switch (to) {
  case ATTRACTION_TO_INT:
    if (v->value_case == ANY(STRING_VALUE)) return parse_int(v->string_value, &i);
    return v->value_case == ANY(DOUBLE_VALUE) || v->value_case == ANY(BOOL_VALUE);
  case ATTRACTION_TO_DOUBLE:
    if (v->value_case == ANY(STRING_VALUE)) return parse_double(v->string_value, &d);
    return v->value_case == ANY(INT_VALUE) || v->value_case == ANY(BOOL_VALUE);
  default: /* to string: scalars only; lists, maps and bytes stay as they are */
    return v->value_case == ANY(INT_VALUE) || v->value_case == ANY(DOUBLE_VALUE) ||
           v->value_case == ANY(BOOL_VALUE);
  }
}

/* int64(f) in Go truncates; out of range it is undefined there, saturated here. */
static int64_t double_to_int(double d) {
  if (isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}

void attraction_format_double(double d, char *buf, size_t len) {
  if (isnan(d) || isinf(d)) {
    snprintf(buf, len, "%s", isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
    return;
  }
  char e[40];
  int p = 1;
  for (; p < 17; p++) { /* fewest significant digits that read back as d */
    snprintf(e, sizeof(e), "%.*e", p - 1, d);
    if (strtod(e, NULL) == d) break;
  }
  snprintf(e, sizeof(e), "%.*e", p - 1, d);
  double a = fabs(d);
  if (a == 0 || (a >= 1e-6 && a < 1e21)) { /* plain decimal, as ES6 / pdata */
    int exp10 = atoi(strchr(e, 'e') + 1);
    int decimals = p - 1 - exp10;
    snprintf(buf, len, "%.*f", decimals > 0 ? decimals : 0, d);
    return;
  }
  char *x = strchr(e, 'e'); /* "1.5e-07" -> "1.5e-7" */
  char sign = x[1];
  char *digits = x + 2;
  while (digits[0] == '0' && digits[1]) digits++;
  *x = '\0';
  snprintf(buf, len, "%se%c%s", e, sign, digits);
}

int attraction_value_convert(otlpd_batch *b, size_t i, otlp_any_value *v, attraction_conv to) {
  if (!attraction_value_converts(v, to)) return 0;
  char text[64];
  int64_t n = 0;
  double d = 0;
  switch (to) {
  case ATTRACTION_TO_INT:
    if (v->value_case == ANY(STRING_VALUE)) parse_int(v->string_value, &n);
    else if (v->value_case == ANY(DOUBLE_VALUE)) n = double_to_int(v->double_value);
    else n = v->bool_value ? 1 : 0;
    v->value_case = ANY(INT_VALUE);
    v->int_value = n;
    return 0;
  case ATTRACTION_TO_DOUBLE:
    if (v->value_case == ANY(STRING_VALUE)) parse_double(v->string_value, &d);
    else if (v->value_case == ANY(INT_VALUE)) d = (double)v->int_value;
    else d = v->bool_value ? 1 : 0;
    v->value_case = ANY(DOUBLE_VALUE);
    v->double_value = d;
    return 0;
  default:
    if (v->value_case == ANY(INT_VALUE)) snprintf(text, sizeof(text), "%" PRId64, v->int_value);
    else if (v->value_case == ANY(DOUBLE_VALUE)) attraction_format_double(v->double_value, text, sizeof(text));
    else snprintf(text, sizeof(text), "%s", v->bool_value ? "true" : "false");
    return set_string(b, i, v, text, strlen(text));
  }
}
