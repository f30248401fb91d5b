/* CORS origin matching and the allowed-headers list. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_server.h"
#include "otlpd/buf.h"

/* Headers a browser exporter may send without them being configured
 * (otelcol allows the CORS-safelisted ones plus these). */
static const char *const always_allowed[] = {"Accept", "Content-Type", "Content-Encoding",
                                              "X-Requested-With", "Origin"};

/* Glob match where '*' matches any run of characters, case-insensitive.
 * Iterative with one backtrack point, so hostile patterns stay linear-ish. */
static bool glob_match(const char *pat, const char *s, size_t n) {
  const char *star = NULL;
  size_t i = 0, star_i = 0;
  while (i < n) {
    if (*pat == '*') {
      star = pat++;
      star_i = i;
    } else if (*pat && tolower((unsigned char)*pat) == tolower((unsigned char)s[i])) {
      pat++;
      i++;
    } else if (star) {
      pat = star + 1;
      i = ++star_i;
    } else {
      return false;
    }
  }
  while (*pat == '*') pat++;
  return *pat == '\0';
}

bool otlp_http_cors_origin_allowed(const otlpd_strings *allowed, const char *origin, size_t len) {
  if (!origin || len == 0) return false;
  for (size_t i = 0; i < allowed->n; i++) {
    const char *p = allowed->v[i];
    if (!p) continue;
    if (strcmp(p, "*") == 0) return true;
    if (glob_match(p, origin, len)) return true;
  }
  return false;
}

static bool listed(const char *const *v, size_t n, const char *h) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(v[i], h) == 0) return true;
  return false;
}

char *otlp_http_cors_allow_headers(const otlpd_strings *configured) {
  otlpd_buf b = {0};
  size_t n_always = sizeof(always_allowed) / sizeof(always_allowed[0]);
  int rc = 0;
  for (size_t i = 0; i < n_always && rc == 0; i++)
    rc = otlpd_buf_printf(&b, "%s%s", i ? ", " : "", always_allowed[i]);
  for (size_t i = 0; i < configured->n && rc == 0; i++) {
    const char *h = configured->v[i];
    if (!h || !*h || listed(always_allowed, n_always, h)) continue;
    rc = otlpd_buf_printf(&b, ", %s", h);
  }
  if (rc == 0) rc = otlpd_buf_append(&b, "", 1); /* NUL */
  if (rc) {
    otlpd_buf_free(&b);
    return NULL;
  }
  return (char *)b.data;
}
