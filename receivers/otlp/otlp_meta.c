/* Client info of a request (peer address, auth subject, include_metadata
 * headers) in the request's own arena: no allocation of its own. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "otlp_receiver.h"

static char *lower_dup(otlpd_arena *a, const char *s, size_t n) {
  char *d = otlpd_arena_strndup(a, s, n);
  for (size_t i = 0; d && i < n; i++) d[i] = (char)tolower((unsigned char)d[i]);
  return d;
}

static int fill_meta(otlpd_client_info *ci, otlpd_arena *a, size_t nmeta,
                     void (*get)(void *ctx, size_t i, otlp_meta_kv *kv), void *ctx) {
  const char **keys = otlpd_arena_alloc(a, nmeta * sizeof(*keys));
  const char **values = otlpd_arena_alloc(a, nmeta * sizeof(*values));
  if (!keys || !values) return -1;
  size_t n = 0;
  for (size_t i = 0; i < nmeta; i++) {
    otlp_meta_kv kv;
    get(ctx, i, &kv);
    if (kv.kl == 0 || kv.k[0] == ':') continue;
    keys[n] = lower_dup(a, kv.k, kv.kl);
    values[n] = otlpd_arena_strndup(a, kv.v, kv.vl);
    if (!keys[n] || !values[n]) return -1;
    n++;
  }
  ci->keys = keys;
  ci->values = values;
  ci->nmeta = n;
  return 0;
}

const otlpd_client_info *otlp_client_info_build(otlpd_arena *a, const char *addr, const char *subject,
                                                size_t nmeta, void (*get)(void *ctx, size_t i, otlp_meta_kv *kv),
                                                void *ctx) {
  otlpd_arena_set_limit(a, 0); /* decoding is done; these few strings always fit */
  otlpd_client_info *ci = otlpd_arena_calloc(a, sizeof(*ci));
  if (!ci) return NULL;
  if (addr && *addr && !(ci->addr = otlpd_arena_strndup(a, addr, strlen(addr)))) return NULL;
  if (subject && *subject && !(ci->auth_subject = otlpd_arena_strndup(a, subject, strlen(subject)))) return NULL;
  if (nmeta && get && fill_meta(ci, a, nmeta, get, ctx) != 0) return NULL;
  return ci;
}

bool otlp_peer_ip_from_uri(const char *peer, char *out, size_t n) {
  if (!peer) return false;
  const char *p;
  size_t len;
  if (!strncmp(peer, "ipv4:", 5)) {
    p = peer + 5;
    const char *colon = strrchr(p, ':');
    len = colon ? (size_t)(colon - p) : strlen(p);
  } else if (!strncmp(peer, "ipv6:[", 6)) {
    p = peer + 6;
    const char *end = strchr(p, ']');
    if (!end) return false;
    len = (size_t)(end - p);
  } else {
    return false;
  }
  if (len == 0 || len >= n) return false;
  memcpy(out, p, len);
  out[len] = 0;
  /* gRPC percent-encodes an IPv6 zone ("%25eth0"); the address is enough */
  char *pct = strchr(out, '%');
  if (pct) *pct = 0;
  return true;
}
