/* from_context: otelcol reads client.Info from the request context; otlpd
 * keeps what the receiver knew in the payload's otlpd_client_info. */
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "attraction.h"

/* buf may be NULL (len 0): only whether the value exists. */
static bool put(char *buf, size_t len, const char *s) {
  if (buf && len) snprintf(buf, len, "%s", s);
  return true;
}

/* Every value of header `key` (case-insensitive, as client.Metadata.Get),
 * joined with ';' as otelcol does. */
static bool metadata(const otlpd_client_info *ci, const char *key, char *buf, size_t len) {
  size_t used = 0;
  bool found = false;
  for (size_t k = 0; ci && k < ci->nmeta; k++) {
    if (strcasecmp(ci->keys[k], key) != 0) continue;
    if (!buf || !len) return true;
    int w = snprintf(buf + used, len - used, "%s%s", found ? ";" : "", ci->values[k]);
    found = true;
    if (w < 0 || (size_t)w >= len - used) break; /* full: the value is cut at len - 1 bytes */
    used += (size_t)w;
  }
  return found;
}

bool attraction_context_value(const otlpd_client_info *ci, const char *key, char *buf, size_t len) {
  if (!ci) return false;
  if (strcmp(key, "client.address") == 0) return ci->addr && put(buf, len, ci->addr);
  if (strncmp(key, "metadata.", 9) == 0) return metadata(ci, key + 9, buf, len);
  if (strncmp(key, "auth.", 5) == 0) {
    /* otlpd keeps one authenticated identity: what authenticators call
     * subject (oidc), username (basicauth) or client_id. */
    const char *attr = key + 5;
    bool identity = !strcmp(attr, "subject") || !strcmp(attr, "username") || !strcmp(attr, "sub") ||
                    !strcmp(attr, "client_id");
    return identity && ci->auth_subject && put(buf, len, ci->auth_subject);
  }
  return metadata(ci, key, buf, len); /* otelcol's fallback for bare header names */
}
