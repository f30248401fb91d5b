/* Which spans otelcol's hash_seed mode refuses for their tracestate:
 * a W3C tracestate it cannot parse, or an `ot` entry that is malformed or
 * already carries rv: / th: (OTEP 235 sampling: "use proportional or
 * equalizing"). Rules from otelcol-contrib pkg/sampling/w3ctracestate.go
 * and oteltracestate.go (syntax and size limits). The consistent modes
 * read rv/th from it and write the new threshold back. */
#include <stdbool.h>
#include <stdio.h>
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

bool psamp_parse_hex(const char *s, size_t n, size_t min, size_t max, uint64_t *v) {
  if (n < min || n > max) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    x = x << 4 | (uint64_t)d;
  }
  *v = x;
  return true;
}

/* One `ot` list member: rv and th are parsed into t, others skipped. */
static bool ot_member(const char *k, size_t kn, const char *v, size_t vn, psamp_ts *t) {
  uint64_t x;
  if (kn == 2 && !strncmp(k, "rv", 2)) {
    if (!psamp_parse_hex(v, vn, 14, 14, &x)) return false;
    t->has_rv = true;
    t->rv = x;
  } else if (kn == 2 && !strncmp(k, "th", 2)) {
    if (!psamp_parse_hex(v, vn, 1, 14, &x)) return false;
    t->has_th = true;
    t->th = x << (4 * (14 - vn));
  }
  return true;
}

/* key:value(;key:value)*, key [a-z][a-z0-9]*, value [A-Za-z0-9._-]*.
 * each(k, kn, v, vn, ctx) sees every member; false stops. */
typedef bool (*ot_fn)(const char *k, size_t kn, const char *v, size_t vn, void *ctx);

static bool ot_scan(const char *v, size_t n, ot_fn each, void *ctx) {
  if (n > OT_MAX_LEN) return false;
  const char *p = v, *end = v + n;
  for (;;) {
    const char *k = p;
    if (p == end || !lc_alpha(*p)) return false;
    while (p < end && lc_alnum(*p)) p++;
    if (p == end || *p != ':') return false;
    size_t kn = (size_t)(p - k);
    const char *val = ++p;
    while (p < end && ot_value_char(*p)) p++;
    if (!each(k, kn, val, (size_t)(p - val), ctx)) return false;
    if (p == end) return true;
    if (*p != ';') return false;
    p++;
  }
}

static bool ot_parse_cb(const char *k, size_t kn, const char *v, size_t vn, void *ctx) {
  return ot_member(k, kn, v, vn, ctx);
}

/* Members of a W3C tracestate, trimmed, empty ones skipped. each(key,
 * kn, value, vn, ctx); false stops. */
typedef bool (*w3c_fn)(const char *k, size_t kn, const char *v, size_t vn, void *ctx);

static bool w3c_scan(const char *ts, w3c_fn each, void *ctx) {
  size_t len = strlen(ts), pairs = 0;
  if (len > W3C_MAX_LEN) return false;
  for (const char *m = ts; m;) {
    const char *comma = strchr(m, ',');
    const char *e = comma ? comma : ts + len;
    while (m < e && (*m == ' ' || *m == '\t')) m++;
    while (e > m && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (m < e) {
      const char *eq = memchr(m, '=', (size_t)(e - m));
      if (!eq || eq == m) return false;
      size_t kn = (size_t)(eq - m), vn = (size_t)(e - eq - 1);
      if (!valid_key(m, kn) || !valid_value(eq + 1, vn)) return false;
      if (++pairs > W3C_MAX_PAIRS) return false;
      if (!each(m, kn, eq + 1, vn, ctx)) return false;
    }
    m = comma ? comma + 1 : NULL;
  }
  return true;
}

static bool w3c_parse_cb(const char *k, size_t kn, const char *v, size_t vn, void *ctx) {
  if (kn == 2 && !strncmp(k, "ot", 2)) return ot_scan(v, vn, ot_parse_cb, ctx);
  return true;
}

bool psamp_ts_parse(const char *ts, psamp_ts *t) {
  memset(t, 0, sizeof(*t));
  return !ts || w3c_scan(ts, w3c_parse_cb, t);
}

bool psamp_tracestate_refused(const char *ts) {
  psamp_ts t;
  return !psamp_ts_parse(ts, &t) || t.has_rv || t.has_th;
}

/* ---- writing (W3CTraceState.Serialize): "ot=rv:..;th:..;<other ot
 * members>" first, then the other vendors' members in order. ---- */
typedef struct ts_out {
  char *buf;
  size_t cap, n;
  bool ok;
  int members; /* written at the current level */
} ts_out;

static void put(ts_out *o, const char *s, size_t n) {
  if (o->n + n >= o->cap) {
    o->ok = false;
    return;
  }
  memcpy(o->buf + o->n, s, n);
  o->n += n;
  o->buf[o->n] = 0;
}

static bool ot_extra_cb(const char *k, size_t kn, const char *v, size_t vn, void *ctx) {
  ts_out *o = ctx;
  if (kn == 2 && (!strncmp(k, "rv", 2) || !strncmp(k, "th", 2))) return true;
  if (o->members++) put(o, ";", 1);
  put(o, k, kn);
  put(o, ":", 1);
  put(o, v, vn);
  return true;
}

static bool ot_copy_cb(const char *k, size_t kn, const char *v, size_t vn, void *ctx) {
  if (kn == 2 && !strncmp(k, "ot", 2)) return ot_scan(v, vn, ot_extra_cb, ctx);
  return true;
}

static bool vendor_copy_cb(const char *k, size_t kn, const char *v, size_t vn, void *ctx) {
  ts_out *o = ctx;
  if (kn == 2 && !strncmp(k, "ot", 2)) return true;
  if (o->n) put(o, ",", 1);
  put(o, k, kn);
  put(o, "=", 1);
  put(o, v, vn);
  return true;
}

/* 14 hex digits, trailing zeros removed; "0" for always (Threshold.TValue). */
size_t psamp_tvalue(uint64_t th, char out[20]) {
  if (th == 0) {
    strcpy(out, "0");
    return 1;
  }
  snprintf(out, 20, "%014llx", (unsigned long long)th);
  size_t n = strlen(out);
  while (n > 1 && out[n - 1] == '0') out[--n] = 0;
  return n;
}

int psamp_ts_write(const char *orig, const psamp_ts *t, char *buf, size_t cap) {
  ts_out o = {buf, cap, 0, true, 0};
  buf[0] = 0;
  size_t mark = 0;
  put(&o, "ot=", 3);
  if (t->has_rv) {
    char rv[20];
    snprintf(rv, sizeof(rv), "%014llx", (unsigned long long)t->rv);
    put(&o, "rv:", 3);
    put(&o, rv, strlen(rv));
    o.members++;
  }
  if (t->has_th) {
    char tv[20];
    size_t n = psamp_tvalue(t->th, tv);
    if (o.members++) put(&o, ";", 1);
    put(&o, "th:", 3);
    put(&o, tv, n);
  }
  if (orig) w3c_scan(orig, ot_copy_cb, &o);
  if (!o.members) o.n = mark; /* no ot values: no ot member */
  buf[o.n] = 0;
  if (orig) w3c_scan(orig, vendor_copy_cb, &o);
  return o.ok ? (int)o.n : -1;
}
