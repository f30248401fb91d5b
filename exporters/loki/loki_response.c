/* What Loki's answer to a push means (pkg/distributor, Loki's HTTP API):
 * 204 pushed; 429 rate limited and 5xx unavailable: retry; 400 some
 * entries were invalid (out of order, too old, line too long, per-stream
 * rate limit) and the others were written, so a retry cannot help;
 * 401/403/404 and the rest: permanent. */
#include <stdlib.h>
#include <string.h>

#include "loki.h"

loki_verdict loki_status_verdict(long status) {
  if (status >= 200 && status < 300) return LOKI_ACCEPTED;
  if (status == 429 || (status >= 500 && status < 600)) return LOKI_RETRYABLE;
  if (status == 400) return LOKI_REJECTED;
  return LOKI_PERMANENT;
}

/* Loki ends a 400 listing refused entries with "total ignored: N out of M". */
size_t loki_ignored_count(const char *body, size_t len, size_t entries) {
  static const char key[] = "total ignored: ";
  const size_t kl = sizeof(key) - 1;
  for (size_t i = 0; body && i + kl < len; i++) {
    if (memcmp(body + i, key, kl) != 0) continue;
    size_t n = 0, j = i + kl;
    if (j >= len || body[j] < '0' || body[j] > '9') break;
    for (; j < len && body[j] >= '0' && body[j] <= '9'; j++) n = n * 10 + (size_t)(body[j] - '0');
    return n < entries ? n : entries;
  }
  return entries;
}
