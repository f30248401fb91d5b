/* bearertokenauth and basicauth: token files, htpasswd entries of every
 * supported hash kind, constant-time comparison, and authenticate() on
 * headers (right, wrong, missing; the cache of successes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <crypt.h>

#include "../../extensions/basicauth/basicauth.h"
#include "../../extensions/bearertokenauth/bearertokenauth.h"

extern const otlpd_factory otlpd_extension_bearertokenauth;
extern const otlpd_factory otlpd_extension_basicauth;

static void test_secret_eq(void **state) {
  (void)state;
  assert_true(otlpd_auth_secret_eq("abc", 3, "abc", 3));
  assert_false(otlpd_auth_secret_eq("abc", 3, "abd", 3));
  assert_false(otlpd_auth_secret_eq("abc", 3, "abcabc", 6)); /* a repeat of the secret is not it */
  assert_false(otlpd_auth_secret_eq("abc", 3, "ab", 2));
  assert_false(otlpd_auth_secret_eq("abc", 3, "", 0));
}

static void test_token_lines(void **state) {
  (void)state;
  const char *text = "  first-token   # comment\n\n\tsecond // more\r\nthird";
  otlpd_bta_tokens t;
  assert_int_equal(otlpd_bta_tokens_parse(text, strlen(text), &t), 0);
  assert_int_equal(t.n, 3);
  assert_string_equal(t.v[0], "first-token");
  assert_string_equal(t.v[1], "second");
  assert_string_equal(t.v[2], "third");
  otlpd_bta_tokens_free(&t);
  assert_int_equal(otlpd_bta_tokens_parse(" \n\n", 3, &t), -ENODATA);
}

static void test_hash_kinds(void **state) {
  (void)state;
  char salt[64];
  struct crypt_data cd;
  memset(&cd, 0, sizeof(cd));
  assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
  char bcrypt[128];
  snprintf(bcrypt, sizeof(bcrypt), "%s", crypt_r("pw", salt, &cd));
  assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
  char sha512[160];
  snprintf(sha512, sizeof(sha512), "%s", crypt_r("pw", salt, &cd));
  assert_non_null(crypt_gensalt_rn("$5$", 0, NULL, 0, salt, sizeof(salt)));
  char sha256[160];
  snprintf(sha256, sizeof(sha256), "%s", crypt_r("pw", salt, &cd));
  const char *kinds[] = {bcrypt, sha512, sha256, "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=" /* sha1("pw") */, "pw"};
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    assert_true(otlpd_basic_check(kinds[i], "pw", 2));
    assert_false(otlpd_basic_check(kinds[i], "pX", 2));
    assert_false(otlpd_basic_check(kinds[i], "pw2", 3));
    assert_false(otlpd_basic_check(kinds[i], "", 0));
  }
  assert_false(otlpd_basic_hash_supported("$apr1$abc$def"));
  assert_false(otlpd_basic_check("$apr1$abc$def", "$apr1$abc$def", 13)); /* never its own text */
  assert_false(otlpd_basic_check("{SHA}short", "pw", 2));
}

static void test_htpasswd_lines(void **state) {
  (void)state;
  otlpd_basic_users u = {NULL, 0};
  const char *text = "# comment\nalice:secret\r\n\nbad line\nbob:{SHA}x\nalice:other\n";
  assert_int_equal(otlpd_basic_users_parse(&u, text, strlen(text)), 0);
  assert_int_equal(u.n, 2);
  assert_string_equal(otlpd_basic_users_find(&u, "alice", 5)->hash, "secret"); /* the first entry wins */
  assert_null(otlpd_basic_users_find(&u, "carol", 5));
  otlpd_basic_users_free(&u);
}

/* ---- authenticate() through the factories, with one header ---- */
typedef struct one_header {
  const char *name, *value;
} one_header;

static const char *lookup(const void *ctx, const char *name, size_t *len) {
  const one_header *h = ctx;
  if (!h->value || strcmp(h->name, name)) return NULL;
  *len = strlen(h->value);
  return h->value;
}

static int check(otlpd_auth *a, const char *name, const char *value, char *subject) {
  one_header h = {name, value};
  otlpd_auth_src src = {lookup, &h};
  return a->authenticate(a, &src, subject, OTLPD_AUTH_SUBJECT_MAX);
}

static otlpd_host bare_host(otlpd_counters *c) {
  otlpd_host h;
  memset(&h, 0, sizeof(h));
  h.counters = c;
  h.id = "test";
  return h;
}

static void test_bearer_authenticate(void **state) {
  (void)state;
  otlpd_counters counters = {0};
  otlpd_host host = bare_host(&counters);
  char *tokens[] = {"t-one", "t-two"};
  otlpd_bta_cfg cfg = {.header = "X-Api-Key", .scheme = "", .tokens = {tokens, 2}};
  otlpd_create_params p = {.host = &host, .config = &cfg};
  void *st;
  assert_int_equal(otlpd_extension_bearertokenauth.create(&p, &st), 0);
  assert_int_equal(otlpd_extension_bearertokenauth.start(st), 0);
  otlpd_auth *a = st;
  char subject[OTLPD_AUTH_SUBJECT_MAX];
  assert_int_equal(check(a, "x-api-key", "t-two", subject), 0);
  assert_int_equal(check(a, "x-api-key", "t-one", subject), 0);
  assert_int_equal(check(a, "x-api-key", "t-three", subject), -EACCES);
  assert_int_equal(check(a, "authorization", "t-one", subject), -EACCES); /* other header */
  assert_int_equal(check(a, "x-api-key", NULL, subject), -EACCES);
  char line[OTLPD_AUTH_LINE_MAX];
  assert_int_equal(a->client_header(a, line, sizeof(line)), 0);
  assert_string_equal(line, "X-Api-Key: t-one");
  otlpd_extension_bearertokenauth.destroy(st);
}

static void test_basic_authenticate(void **state) {
  (void)state;
  otlpd_counters counters = {0};
  otlpd_host host = bare_host(&counters);
  otlpd_basic_cfg cfg = {.has_htpasswd = true, .htpasswd = {.inline_ = "ann:pw\nbo:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n"}};
  otlpd_create_params p = {.host = &host, .config = &cfg};
  void *st;
  assert_int_equal(otlpd_extension_basicauth.create(&p, &st), 0);
  otlpd_auth *a = st;
  char subject[OTLPD_AUTH_SUBJECT_MAX];
  assert_int_equal(check(a, "authorization", "Basic YW5uOnB3", subject), 0); /* ann:pw */
  assert_string_equal(subject, "ann");
  assert_int_equal(check(a, "authorization", "Basic YW5uOnB3", subject), 0); /* from the cache */
  assert_string_equal(subject, "ann");
  assert_int_equal(check(a, "authorization", "Basic Ym86cHc=", subject), 0); /* bo:pw */
  assert_string_equal(subject, "bo");
  assert_int_equal(check(a, "authorization", "Basic YW5uOnB4", subject), -EACCES); /* ann:px */
  assert_int_equal(check(a, "authorization", "Bearer YW5uOnB3", subject), -EACCES);
  assert_int_equal(check(a, "authorization", "Basic !!!!", subject), -EACCES);
  assert_int_equal(check(a, "authorization", NULL, subject), -EACCES);
  assert_null(a->client_header); /* a server-side extension sends nothing */
  otlpd_extension_basicauth.destroy(st);

  otlpd_basic_cfg ccfg = {.has_client = true, .client_auth = {.username = "ann", .password = "pw"}};
  p.config = &ccfg;
  assert_int_equal(otlpd_extension_basicauth.create(&p, &st), 0);
  a = st;
  char line[OTLPD_AUTH_LINE_MAX];
  assert_int_equal(a->client_header(a, line, sizeof(line)), 0);
  assert_string_equal(line, "Authorization: Basic YW5uOnB3");
  assert_null(a->authenticate);
  otlpd_extension_basicauth.destroy(st);
}

/* begin/finish: the cheap part decides what it can, the slow part (run
 * off the loop by the receivers) checks the hash and fills the cache. */
static int split_check(otlpd_auth *a, const char *value, char *subject) {
  one_header h = {"authorization", value};
  otlpd_auth_src src = {lookup, &h};
  void *work = NULL;
  int rc = a->begin(a, &src, subject, OTLPD_AUTH_SUBJECT_MAX, &work);
  if (rc != OTLPD_AUTH_SLOW) {
    assert_null(work);
    return rc;
  }
  assert_non_null(work);
  return a->finish(a, work, subject, OTLPD_AUTH_SUBJECT_MAX);
}

static void test_basic_split(void **state) {
  (void)state;
  otlpd_counters counters = {0};
  otlpd_host host = bare_host(&counters);
  otlpd_basic_cfg cfg = {.has_htpasswd = true, .htpasswd = {.inline_ = "ann:pw\n"}};
  otlpd_create_params p = {.host = &host, .config = &cfg};
  void *st;
  assert_int_equal(otlpd_extension_basicauth.create(&p, &st), 0);
  otlpd_auth *a = st;
  char subject[OTLPD_AUTH_SUBJECT_MAX];
  one_header h = {"authorization", "Basic YW5uOnB3"};
  otlpd_auth_src src = {lookup, &h};
  void *work = NULL;
  /* first time: the hash must be checked, off the caller's thread */
  assert_int_equal(a->begin(a, &src, subject, sizeof(subject), &work), OTLPD_AUTH_SLOW);
  a->abandon(a, work); /* dropped: nothing cached */
  assert_int_equal(a->begin(a, &src, subject, sizeof(subject), &work), OTLPD_AUTH_SLOW);
  assert_int_equal(a->finish(a, work, subject, sizeof(subject)), 0);
  assert_string_equal(subject, "ann");
  /* now cached: begin decides alone */
  work = NULL;
  assert_int_equal(a->begin(a, &src, subject, sizeof(subject), &work), 0);
  assert_null(work);
  assert_string_equal(subject, "ann");
  assert_int_equal(split_check(a, "Basic YW5uOnB4", subject), -EACCES); /* ann:px */
  assert_int_equal(split_check(a, "Basic YW5uOnB4", subject), -EACCES); /* failures are not cached */
  assert_int_equal(split_check(a, "Bearer YW5uOnB3", subject), -EACCES);
  assert_int_equal(split_check(a, "Basic", subject), -EACCES);
  assert_int_equal(split_check(a, NULL, subject), -EACCES);
  otlpd_extension_basicauth.destroy(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_secret_eq),
      cmocka_unit_test(test_token_lines),
      cmocka_unit_test(test_hash_kinds),
      cmocka_unit_test(test_htpasswd_lines),
      cmocka_unit_test(test_bearer_authenticate),
      cmocka_unit_test(test_basic_authenticate),
      cmocka_unit_test(test_basic_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
