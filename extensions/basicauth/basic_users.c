/* htpasswd entries and password checks (pure, unit-tested). */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "basicauth.h"
#include "otlpd/bytes_text.h"

void otlpd_basic_users_free(otlpd_basic_users *u) {
  for (size_t i = 0; i < u->n; i++) {
    free(u->v[i].user);
    explicit_bzero(u->v[i].hash, strlen(u->v[i].hash));
    free(u->v[i].hash);
  }
  free(u->v);
  u->v = NULL;
  u->n = 0;
}

const otlpd_basic_entry *otlpd_basic_users_find(const otlpd_basic_users *u, const char *user, size_t len) {
  for (size_t i = 0; i < u->n; i++)
    if (strlen(u->v[i].user) == len && memcmp(u->v[i].user, user, len) == 0) return &u->v[i];
  return NULL;
}

static int add(otlpd_basic_users *u, const char *line, size_t n) {
  while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
  while (n && (*line == ' ' || *line == '\t')) line++, n--;
  if (n == 0 || *line == '#') return 0;
  const char *colon = memchr(line, ':', n);
  if (!colon || colon == line) return 0; /* not an entry */
  size_t ul = (size_t)(colon - line);
  if (otlpd_basic_users_find(u, line, ul)) return 0;
  otlpd_basic_entry *v = realloc(u->v, (u->n + 1) * sizeof(*v));
  if (!v) return -ENOMEM;
  u->v = v;
  char *user = strndup(line, ul), *hash = strndup(colon + 1, n - ul - 1);
  if (!user || !hash) {
    free(user);
    free(hash);
    return -ENOMEM;
  }
  v[u->n].user = user;
  v[u->n].hash = hash;
  u->n++;
  return 0;
}

int otlpd_basic_users_parse(otlpd_basic_users *u, const char *text, size_t len) {
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (add(u, text + i, end - i) != 0) return -ENOMEM;
    i = end + 1;
  }
  return 0;
}

static bool prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static bool crypt_style(const char *hash) {
  return prefix(hash, "$2a$") || prefix(hash, "$2b$") || prefix(hash, "$2y$") || prefix(hash, "$5$") ||
         prefix(hash, "$6$");
}

bool otlpd_basic_hash_supported(const char *hash) { return !prefix(hash, "$apr1$"); }

static bool check_crypt(const char *hash, const char *password, size_t plen) {
  char *pw = strndup(password, plen); /* crypt wants a C string */
  struct crypt_data *data = calloc(1, sizeof(*data));
  bool ok = false;
  if (pw && data && strlen(pw) == plen) {
    const char *out = crypt_rn(pw, hash, data, (int)sizeof(*data));
    size_t hl = strlen(hash);
    ok = out && out[0] != '*' && strlen(out) == hl && CRYPTO_memcmp(out, hash, hl) == 0;
  }
  if (pw) explicit_bzero(pw, plen);
  free(pw);
  if (data) explicit_bzero(data, sizeof(*data));
  free(data);
  return ok;
}

/* {SHA}: base64 of the password's SHA-1, as htpasswd -s writes. */
static bool check_sha(const char *b64, const char *password, size_t plen) {
  uint8_t want[SHA_DIGEST_LENGTH + 3], got[SHA_DIGEST_LENGTH];
  if (strlen(b64) != 28) return false; /* 20 bytes in base64; also bounds the decode */
  long n = otlpd_base64_decode(b64, strlen(b64), want);
  if (n != SHA_DIGEST_LENGTH) return false;
  SHA1((const unsigned char *)password, plen, got);
  return CRYPTO_memcmp(want, got, sizeof(got)) == 0;
}

bool otlpd_basic_check(const char *hash, const char *password, size_t plen) {
  if (crypt_style(hash)) return check_crypt(hash, password, plen);
  if (prefix(hash, "{SHA}")) return check_sha(hash + 5, password, plen);
  if (!otlpd_basic_hash_supported(hash)) return false;
  return otlpd_auth_secret_eq(hash, strlen(hash), password, plen);
}
