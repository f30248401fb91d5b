/* Time parsing for time_parser and the parsers' timestamp: sections:
 * strptime layouts (with %L/%f/%N fractions, which strptime lacks), Go
 * reference layouts (converted to strptime) and epoch numbers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filelog.h"

static int dig(char c) { return c >= '0' && c <= '9' ? c - '0' : -1; }

static int num(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (dig(s[i]) < 0) return -1;
    v = v * 10 + dig(s[i]);
  }
  *out = v;
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years,
 * so the leap day ends a year): timegm() costs a time-zone lookup per call,
 * and this runs for every container log line. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int fl_parse_rfc3339(const char *s, size_t n, uint64_t *ns) {
  int Y, M, D, h, m, sec;
  if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':')
    return -EINVAL;
  if (num(s, 4, &Y) || num(s + 5, 2, &M) || num(s + 8, 2, &D) || num(s + 11, 2, &h) || num(s + 14, 2, &m) ||
      num(s + 17, 2, &sec))
    return -EINVAL;
  size_t i = 19;
  uint64_t frac = 0;
  int fd = 0;
  if (i < n && s[i] == '.') {
    for (i++; i < n && dig(s[i]) >= 0; i++, fd++)
      if (fd < 9) frac = frac * 10 + (uint64_t)dig(s[i]);
    for (; fd < 9; fd++) frac *= 10;
  }
  long off = 0;
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) i++;
  else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (num(s + i + 1, 2, &oh) || num(s + i + 4, 2, &om)) return -EINVAL;
    off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else return -EINVAL;
  if (i != n || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -EINVAL;
  int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
  if (t < 0) return -EINVAL;
  *ns = ((uint64_t)(t - off)) * 1000000000ull + frac;
  return 0;
}

/* Go reference layout -> strptime layout (the common tokens). */
static int gotime_to_strptime(const char *g, char *out, size_t cap) {
  static const struct { const char *go, *c; } map[] = {
      {"2006", "%Y"}, {"January", "%B"}, {"Jan", "%b"}, {"Monday", "%A"}, {"Mon", "%a"}, {"MST", "%Z"},
      {"Z07:00", "%z"}, {"-07:00", "%z"}, {"-0700", "%z"}, {".000000000", ".%N"}, {".999999999", ".%N"},
      {".000000", ".%f"}, {".999999", ".%f"}, {".000", ".%L"}, {".999", ".%L"}, {"01", "%m"}, {"02", "%d"},
      {"_2", "%e"}, {"15", "%H"}, {"03", "%I"}, {"04", "%M"}, {"05", "%S"}, {"PM", "%p"}, {"06", "%y"}};
  size_t o = 0;
  while (*g) {
    size_t k;
    for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
      if (!strncmp(g, map[k].go, strlen(map[k].go))) break;
    const char *add = k < sizeof(map) / sizeof(map[0]) ? map[k].c : NULL;
    size_t adv = add ? strlen(map[k].go) : 1;
    char one[3] = {*g, 0, 0};
    if (!add) add = *g == '%' ? "%%" : one;
    if (o + strlen(add) + 1 > cap) return -EINVAL;
    memcpy(out + o, add, strlen(add));
    o += strlen(add);
    g += adv;
  }
  out[o] = 0;
  return 0;
}

int fl_time_spec_init(fl_time_spec *t, const char *parse_from, const char *layout, const char *layout_type,
                      char *why, size_t whylen) {
  memset(t, 0, sizeof(*t));
  if (fl_field_parse(parse_from ? parse_from : "attributes.time", &t->from) < 0) {
    snprintf(why, whylen, "parse_from \"%s\" is not a field (body, attributes.x, resource.x)", parse_from);
    return -EINVAL;
  }
  if (!layout || !*layout) {
    snprintf(why, whylen, "layout is required");
    fl_field_free(&t->from);
    return -EINVAL;
  }
  const char *lt = layout_type ? layout_type : "strptime";
  if (!strcmp(lt, "epoch")) {
    static const struct { const char *n; int u; } units[] = {
        {"s", 1}, {"ms", 1000}, {"us", 1000000}, {"ns", 1000000000}, {"s.ms", 1}, {"s.us", 1}, {"s.ns", 1}};
    for (size_t i = 0; i < 7; i++)
      if (!strcmp(layout, units[i].n)) { t->epoch = true; t->epoch_unit = units[i].u; }
    if (!t->epoch) {
      snprintf(why, whylen, "epoch layout \"%s\" (s, ms, us, ns, s.ms, s.us, s.ns)", layout);
      fl_field_free(&t->from);
      return -EINVAL;
    }
  } else if (!strcmp(lt, "gotime")) {
    char buf[256];
    if (gotime_to_strptime(layout, buf, sizeof(buf)) < 0 || !(t->layout = strdup(buf))) {
      snprintf(why, whylen, "layout too long");
      fl_field_free(&t->from);
      return -EINVAL;
    }
  } else if (!strcmp(lt, "strptime")) {
    if (!(t->layout = strdup(layout))) return -ENOMEM;
  } else {
    snprintf(why, whylen, "layout_type \"%s\" (strptime, gotime, epoch)", lt);
    fl_field_free(&t->from);
    return -EINVAL;
  }
  t->set = true;
  return 0;
}

void fl_time_spec_free(fl_time_spec *t) {
  fl_field_free(&t->from);
  free(t->layout);
  t->layout = NULL;
}

/* strptime with fraction directives: %L (3 digits), %f (6), %N (9). */
static int parse_layout(const char *layout, const char *s, uint64_t *ns) {
  struct tm tm = {0};
  uint64_t frac = 0;
  char seg[256];
  const char *l = layout;
  while (*l) {
    const char *f = l;
    while (*f && !(f[0] == '%' && (f[1] == 'L' || f[1] == 'f' || f[1] == 'N'))) f += (*f == '%' && f[1]) ? 2 : 1;
    size_t n = (size_t)(f - l);
    if (n >= sizeof(seg)) return -EINVAL;
    if (n) {
      memcpy(seg, l, n);
      seg[n] = 0;
      s = strptime(s, seg, &tm);
      if (!s) return -EINVAL;
    }
    if (!*f) break;
    int want = f[1] == 'L' ? 3 : f[1] == 'f' ? 6 : 9, got = 0;
    uint64_t v = 0;
    while (dig(*s) >= 0 && got < want) v = v * 10 + (uint64_t)dig(*s++), got++;
    if (!got) return -EINVAL;
    for (; got < 9; got++) v *= 10;
    frac = v;
    l = f + 2;
  }
  if (*s) return -EINVAL;
  long off = tm.tm_gmtoff;
  time_t t = timegm(&tm);
  *ns = (uint64_t)(t - off) * 1000000000ull + frac;
  return 0;
}

static int parse_epoch(const fl_time_spec *t, const otlp_any_value *v, uint64_t *ns) {
  double d;
  const char *s = fl_value_str(v);
  if (s) {
    char *end;
    d = strtod(s, &end);
    if (end == s || *end) return -EINVAL;
  } else if (v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE) {
    d = (double)v->int_value;
    if (t->epoch_unit > 1) { /* exact for integers */
      *ns = (uint64_t)v->int_value * (1000000000ull / (uint64_t)t->epoch_unit);
      return 0;
    }
  } else if (v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE) {
    d = v->double_value;
  } else return -EINVAL;
  if (d < 0) return -EINVAL;
  *ns = (uint64_t)(d / t->epoch_unit * 1e9);
  return 0;
}

int fl_time_apply(const fl_time_spec *t, fl_entry *e) {
  const otlp_any_value *v = fl_field_get(e, &t->from);
  if (!v) return -ENOENT;
  uint64_t ns;
  int rc;
  if (t->epoch) rc = parse_epoch(t, v, &ns);
  else {
    const char *s = fl_value_str(v);
    rc = s ? parse_layout(t->layout, s, &ns) : -EINVAL;
  }
  if (rc == 0) e->time_ns = ns;
  return rc;
}
