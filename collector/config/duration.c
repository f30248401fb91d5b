/* Go-style durations ("1m30s", "1.5s", "200ms"), as otelcol configs use. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "otlpd/config.h"

typedef struct unit {
  const char *name;
  uint64_t ns;
} unit;

/* Longest names first so "ms" is not read as "m" followed by garbage. */
static const unit units[] = {
    {"ns", 1ull},
    {"us", 1000ull},
    {"\xc2\xb5s", 1000ull} /* µs */,
    {"\xce\xbcs", 1000ull} /* μs */,
    {"ms", 1000000ull},
    {"s", 1000000000ull},
    {"m", 60000000000ull},
    {"h", 3600000000000ull},
};

static const unit *match_unit(const char *p, size_t *len) {
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    size_t n = strlen(units[i].name);
    if (strncmp(p, units[i].name, n) == 0) {
      *len = n;
      return &units[i];
    }
  }
  return NULL;
}

static bool all_digits(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* Bare integers are nanoseconds, as mapstructure decodes ints into
 * time.Duration. */
static int parse_bare(const char *s, int64_t *ns) {
  uint64_t v = 0;
  for (; *s; s++) {
    if (v > (uint64_t)(INT64_MAX - (*s - '0')) / 10)
      return -EINVAL;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *ns = (int64_t)v;
  return 0;
}

/* One "<digits>[.<digits>]<unit>" term; adds its value to *total. */
static int parse_term(const char **pp, uint64_t *total) {
  const char *p = *pp;
  uint64_t whole = 0, frac = 0, scale = 1;
  bool digits = false;
  for (; *p >= '0' && *p <= '9'; p++, digits = true) {
    if (whole > (UINT64_MAX - 9) / 10)
      return -EINVAL;
    whole = whole * 10 + (uint64_t)(*p - '0');
  }
  if (*p == '.') {
    /* nanosecond precision needs at most 9 fractional digits */
    for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
      if (scale < 1000000000ull) {
        frac = frac * 10 + (uint64_t)(*p - '0');
        scale *= 10;
      }
  }
  size_t ulen;
  const unit *u = digits ? match_unit(p, &ulen) : NULL;
  if (!u)
    return -EINVAL;
  if (whole > (uint64_t)INT64_MAX / u->ns)
    return -EINVAL;
  /* units >= scale are exact multiples of it, so neither form loses digits */
  uint64_t v = whole * u->ns + (u->ns >= scale ? frac * (u->ns / scale) : frac * u->ns / scale);
  if (v > (uint64_t)INT64_MAX - *total)
    return -EINVAL;
  *total += v;
  *pp = p + ulen;
  return 0;
}

int otlpd_parse_duration(const char *s, int64_t *ns) {
  if (!s || !*s)
    return -EINVAL;
  if (all_digits(s))
    return parse_bare(s, ns);
  uint64_t total = 0;
  for (const char *p = s; *p;)
    if (parse_term(&p, &total) != 0)
      return -EINVAL;
  *ns = (int64_t)total;
  return 0;
}
