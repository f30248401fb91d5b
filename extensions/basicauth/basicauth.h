/* basicauth extension: HTTP Basic credentials checked against htpasswd
 * entries on receivers, or sent by exporters (client_auth). */
#ifndef OTLPD_BASICAUTH_H
#define OTLPD_BASICAUTH_H

#include <stdint.h>
#include <uv.h>

#include "otlpd/auth.h"
#include "otlpd/component.h"

typedef struct otlpd_basic_htpasswd_cfg {
  char *file;
  char *inline_;
} otlpd_basic_htpasswd_cfg;

typedef struct otlpd_basic_client_cfg {
  char *username;
  char *password;
} otlpd_basic_client_cfg;

typedef struct otlpd_basic_cfg {
  bool has_htpasswd, has_client;
  otlpd_basic_htpasswd_cfg htpasswd;
  otlpd_basic_client_cfg client_auth;
} otlpd_basic_cfg;

extern const otlpd_setting otlpd_basic_settings[];
int otlpd_basic_validate(const void *config, const char *path, struct otlpd_errors *errs);

/* htpasswd entries ("user:hash" lines; # comments and blank lines skipped). */
typedef struct otlpd_basic_entry {
  char *user;
  char *hash;
} otlpd_basic_entry;

typedef struct otlpd_basic_users {
  otlpd_basic_entry *v;
  size_t n;
} otlpd_basic_users;

/* Appends the entries of text; later duplicates of a user are ignored (so
 * what is parsed first wins). 0 or -ENOMEM. */
int otlpd_basic_users_parse(otlpd_basic_users *u, const char *text, size_t len);
void otlpd_basic_users_free(otlpd_basic_users *u);
const otlpd_basic_entry *otlpd_basic_users_find(const otlpd_basic_users *u, const char *user, size_t len);
/* Does password match an htpasswd hash: bcrypt ($2a$/$2b$/$2y$) and
 * SHA-crypt ($5$/$6$) through libxcrypt, {SHA}, or plain text. Any thread. */
bool otlpd_basic_check(const char *hash, const char *password, size_t plen);
/* Hash formats otlpd cannot check (so such entries never match): "$apr1$". */
bool otlpd_basic_hash_supported(const char *hash);

/* Successful credentials, by the SHA-256 of the whole header value, so a
 * client that sends the same credentials again does not pay bcrypt. */
#define OTLPD_BASIC_CACHE_SLOTS 64
typedef struct otlpd_basic_cache_slot {
  uint8_t digest[32];
  uint32_t user; /* index into users + 1; 0 = empty */
} otlpd_basic_cache_slot;

typedef struct otlpd_basic {
  otlpd_auth pub; /* first: handed out by host->auth */
  const otlpd_basic_cfg *cfg;
  const otlpd_host *host;
  otlpd_basic_users users; /* read-only once started */
  char *client_line;       /* "Authorization: Basic ..." */
  uv_mutex_t lock;         /* guards cache: loop and gRPC receiver thread */
  otlpd_basic_cache_slot cache[OTLPD_BASIC_CACHE_SLOTS];
} otlpd_basic;

void otlpd_basic_init_auth(otlpd_basic *b);

#endif
