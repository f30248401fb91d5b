/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date, as a delay
 * in milliseconds. Recipients must accept all three date forms. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "otlpd/http_client.h"

/* A server asking for more than a day is treated as asking for a day:
 * callers cap the wait by their own max_elapsed_time anyway. */
#define MAX_DELAY_SEC (24 * 3600LL)

static int month_index(const char *m) {
  static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; i++)
    if (strcmp(m, names[i]) == 0) return i;
  return -1;
}

static int64_t parse_seconds(const char *s) {
  int64_t v = 0;
  if (!isdigit((unsigned char)*s)) return -1;
  for (; isdigit((unsigned char)*s); s++) {
    v = v * 10 + (*s - '0');
    if (v > MAX_DELAY_SEC) v = MAX_DELAY_SEC; /* also keeps it from overflowing */
  }
  while (*s == ' ' || *s == '\t') s++;
  return *s ? -1 : v;
}

/* Fills tm from IMF-fixdate, RFC 850 or asctime form. 0 or -1. */
static int parse_date(const char *s, struct tm *tm) {
  char wd[16], mon[4];
  int day, year, h, mi, sec, n = -1;
  memset(tm, 0, sizeof(*tm));
  /* Sun, 06 Nov 1994 08:49:37 GMT */
  if (sscanf(s, "%3[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &day, mon, &year, &h, &mi,
             &sec, &n) == 7 && n > 0 && s[n] == '\0') {
  /* Sunday, 06-Nov-94 08:49:37 GMT */
  } else if (n = -1, sscanf(s, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wd, &day,
                            mon, &year, &h, &mi, &sec, &n) == 7 && n > 0 && s[n] == '\0') {
    year += year < 70 ? 2000 : 1900;
  /* Sun Nov  6 08:49:37 1994 */
  } else if (n = -1, sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wd, mon, &day, &h,
                            &mi, &sec, &year, &n) == 7 && n > 0 && s[n] == '\0') {
  } else {
    return -1;
  }
  int m = month_index(mon);
  if (m < 0 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60 || year < 1970) return -1;
  if (h < 0 || mi < 0 || sec < 0) return -1;
  tm->tm_year = year - 1900;
  tm->tm_mon = m;
  tm->tm_mday = day;
  tm->tm_hour = h;
  tm->tm_min = mi;
  tm->tm_sec = sec;
  return 0;
}

int64_t otlpd_retry_after_ms(const char *value, int64_t now) {
  if (!value) return -1;
  while (*value == ' ' || *value == '\t') value++;
  if (isdigit((unsigned char)*value)) {
    int64_t s = parse_seconds(value);
    return s < 0 ? -1 : s * 1000;
  }
  struct tm tm;
  if (parse_date(value, &tm) < 0) return -1;
  int64_t at = (int64_t)timegm(&tm);
  if (at <= now) return 0;
  int64_t d = at - now;
  return (d > MAX_DELAY_SEC ? MAX_DELAY_SEC : d) * 1000;
}
