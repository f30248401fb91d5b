/* Which spans otelcol's hash_seed mode refuses for their tracestate:
 * a W3C tracestate it cannot parse, or an `ot` entry that is malformed or
 * already carries rv: / th: (OTEP 235 sampling: "use proportional or
 * equalizing"). Rules from otelcol-contrib pkg/sampling/w3ctracestate.go
 * and oteltracestate.go (syntax and size limits). */
#include <stdbool.h>
#include <string.h>

#include "probabilistic_sampler.h"

#define W3C_MAX_LEN 1024
#define W3C_MAX_PAIRS 32
#define W3C_MAX_KEY 256
#define W3C_MAX_TENANT 241
#define W3C_MAX_SYSTEM 14
#define OT_MAX_LEN 256

static bool lc_alpha(char c) { return c >= 'a' && c <= 'z'; }
static bool lc_alnum(char c) { return lc_alpha(c) || (c >= '0' && c <= '9'); }
static bool key_char(char c) { return lc_alnum(c) || c == '_' || c == '-' || c == '*' || c == '/'; }
static bool nonblank(unsigned char c) {
  return (c >= 0x21 && c <= 0x2b) || (c >= 0x2d && c <= 0x3c) || (c >= 0x3e && c <= 0x7e);
}

static bool key_chars(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!key_char(s[i])) return false;
  return true;
}

/* simple-key or tenant@system, with the size limits. */
static bool valid_key(const char *k, size_t n) {
  if (n == 0 || n > W3C_MAX_KEY) return false;
  const char *at = memchr(k, '@', n);
  if (!at) return lc_alpha(k[0]) && key_chars(k + 1, n - 1);
  size_t tn = (size_t)(at - k), sn = n - tn - 1;
  if (tn == 0 || sn == 0 || tn > W3C_MAX_TENANT || sn > W3C_MAX_SYSTEM) return false;
  return lc_alnum(k[0]) && lc_alpha(at[1]) && key_chars(k + 1, tn - 1) && key_chars(at + 2, sn - 1);
}

static bool valid_value(const char *v, size_t n) {
  if (n == 0 || n > 256 || !nonblank((unsigned char)v[n - 1])) return false;
  for (size_t i = 0; i + 1 < n; i++)
    if (v[i] != ' ' && !nonblank((unsigned char)v[i])) return false;
  return true;
}

static bool ot_value_char(char c) {
  return lc_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
}

/* key:value(;key:value)*, key [a-z][a-z0-9]*; true when it is valid and
 * has neither rv nor th. */
static bool ot_acceptable(const char *v, size_t n) {
  if (n > OT_MAX_LEN) return false;
  const char *p = v, *end = v + n;
  for (;;) {
    const char *k = p;
    if (p == end || !lc_alpha(*p)) return false;
    while (p < end && lc_alnum(*p)) p++;
    if (p == end || *p != ':') return false;
    size_t klen = (size_t)(p - k);
    if (klen == 2 && (!strncmp(k, "rv", 2) || !strncmp(k, "th", 2))) return false;
    for (p++; p < end && ot_value_char(*p); p++) {}
    if (p == end) return true;
    if (*p != ';') return false;
    p++;
  }
}

bool psamp_tracestate_refused(const char *ts) {
  if (!ts || !*ts) return false;
  size_t len = strlen(ts), pairs = 0;
  if (len > W3C_MAX_LEN) return true;
  for (const char *m = ts; m;) {
    const char *comma = strchr(m, ',');
    const char *e = comma ? comma : ts + len;
    while (m < e && (*m == ' ' || *m == '\t')) m++;
    while (e > m && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (m < e) {
      const char *eq = memchr(m, '=', (size_t)(e - m));
      if (!eq || eq == m) return true;
      size_t kn = (size_t)(eq - m), vn = (size_t)(e - eq - 1);
      if (!valid_key(m, kn) || !valid_value(eq + 1, vn)) return true;
      if (++pairs > W3C_MAX_PAIRS) return true;
      if (kn == 2 && !strncmp(m, "ot", 2) && !ot_acceptable(eq + 1, vn)) return true;
    }
    m = comma ? comma + 1 : NULL;
  }
  return false;
}
