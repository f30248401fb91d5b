/* basicauth at work: checking "Authorization: Basic ..." against the
 * htpasswd entries (with a cache of successes) and the exporters' header. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "basicauth.h"
#include "otlpd/bytes_text.h"

#define CRED_MAX 1024 /* longest decoded user:password taken */

static bool cache_hit(otlpd_basic *b, const uint8_t *d, char *subject, size_t n) {
  bool hit = false;
  uv_mutex_lock(&b->lock);
  const otlpd_basic_cache_slot *s = &b->cache[d[0] % OTLPD_BASIC_CACHE_SLOTS];
  if (s->user && CRYPTO_memcmp(s->digest, d, sizeof(s->digest)) == 0) {
    snprintf(subject, n, "%s", b->users.v[s->user - 1].user);
    hit = true;
  }
  uv_mutex_unlock(&b->lock);
  return hit;
}

static void cache_put(otlpd_basic *b, const uint8_t *d, size_t user) {
  uv_mutex_lock(&b->lock);
  otlpd_basic_cache_slot *s = &b->cache[d[0] % OTLPD_BASIC_CACHE_SLOTS];
  memcpy(s->digest, d, sizeof(s->digest));
  s->user = (uint32_t)user + 1;
  uv_mutex_unlock(&b->lock);
}

/* The slow check, outside the lock (bcrypt takes milliseconds). */
static int verify(otlpd_basic *b, const char *b64, size_t len, char *subject, size_t n, size_t *user) {
  if (len > CRED_MAX / 3 * 4) return -EACCES;
  uint8_t cred[CRED_MAX + 3];
  long cl = otlpd_base64_decode(b64, len, cred);
  if (cl <= 0) return -EACCES;
  const char *colon = memchr(cred, ':', (size_t)cl);
  if (!colon) return -EACCES;
  size_t ul = (size_t)(colon - (const char *)cred);
  const otlpd_basic_entry *e = otlpd_basic_users_find(&b->users, (const char *)cred, ul);
  bool ok = e && otlpd_basic_check(e->hash, colon + 1, (size_t)cl - ul - 1);
  explicit_bzero(cred, sizeof(cred));
  if (!ok) return -EACCES;
  *user = (size_t)(e - b->users.v);
  snprintf(subject, n, "%s", e->user);
  return 0;
}

/* What finish() needs of a request whose credentials missed the cache:
 * the header's digest (the cache key) and its base64 credentials. */
typedef struct basic_work {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  size_t len;
  char b64[];
} basic_work;

/* The cheap part: header parsing and the cache. 0, -EACCES, or
 * OTLPD_AUTH_SLOW with the header value in v, len and its digest in d. */
static int lookup(otlpd_basic *b, const otlpd_auth_src *src, char *subject, size_t n, const char **v, size_t *len,
                  uint8_t *d) {
  if (n) subject[0] = 0;
  *len = 0;
  *v = src->header(src->ctx, "authorization", len);
  if (!*v || *len < 6 || strncasecmp(*v, "Basic ", 6) != 0) return -EACCES;
  if (*len - 6 > CRED_MAX / 3 * 4) return -EACCES; /* verify() would refuse it */
  SHA256((const unsigned char *)*v, *len, d);
  return cache_hit(b, d, subject, n) ? 0 : OTLPD_AUTH_SLOW;
}

static int authenticate(otlpd_auth *a, const otlpd_auth_src *src, char *subject, size_t n) {
  otlpd_basic *b = (otlpd_basic *)a;
  const char *v;
  size_t len, user;
  uint8_t d[SHA256_DIGEST_LENGTH];
  int rc = lookup(b, src, subject, n, &v, &len, d);
  if (rc != OTLPD_AUTH_SLOW) return rc;
  if (verify(b, v + 6, len - 6, subject, n, &user) != 0) return -EACCES;
  cache_put(b, d, user);
  return 0;
}

static int begin(otlpd_auth *a, const otlpd_auth_src *src, char *subject, size_t n, void **work) {
  const char *v;
  size_t len;
  uint8_t d[SHA256_DIGEST_LENGTH];
  int rc = lookup((otlpd_basic *)a, src, subject, n, &v, &len, d);
  if (rc != OTLPD_AUTH_SLOW) return rc;
  basic_work *w = malloc(sizeof(*w) + len - 6);
  if (!w) return -ENOMEM;
  memcpy(w->digest, d, sizeof(d));
  w->len = len - 6;
  memcpy(w->b64, v + 6, w->len);
  *work = w;
  return OTLPD_AUTH_SLOW;
}

static void abandon(otlpd_auth *a, void *work) {
  (void)a;
  basic_work *w = work;
  explicit_bzero(w->b64, w->len);
  free(w);
}

static int finish(otlpd_auth *a, void *work, char *subject, size_t n) {
  otlpd_basic *b = (otlpd_basic *)a;
  basic_work *w = work;
  size_t user;
  int rc = verify(b, w->b64, w->len, subject, n, &user);
  if (rc == 0) cache_put(b, w->digest, user);
  abandon(a, w);
  return rc;
}

static int client_header(otlpd_auth *a, char *line, size_t n) {
  otlpd_basic *b = (otlpd_basic *)a;
  int w = snprintf(line, n, "%s", b->client_line);
  return w >= 0 && (size_t)w < n ? 0 : -E2BIG;
}

void otlpd_basic_init_auth(otlpd_basic *b) {
  b->pub.type = "basicauth";
  b->pub.challenge = "Basic realm=\"otlpd\"";
  if (b->cfg->has_client) b->pub.client_header = client_header;
  else {
    b->pub.authenticate = authenticate;
    b->pub.begin = begin;
    b->pub.finish = finish;
    b->pub.abandon = abandon;
  }
}
