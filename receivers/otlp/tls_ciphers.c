/* tls::cipher_suites for both receivers' OpenSSL contexts. otelcol takes
 * IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) for TLS 1.2 and
 * below; TLS 1.3 suites are not configurable there (Go), and not here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "otlp_receiver.h"

int otlp_tls_set_ciphers(SSL_CTX *ctx, const otlpd_strings *suites, const otlpd_logger *log, const char *who) {
  if (!suites->n) return 0;
  size_t cap = 1;
  for (size_t i = 0; i < suites->n; i++) cap += strlen(suites->v[i]) + 1;
  char *list = calloc(1, cap + 64 * suites->n);
  if (!list) return -ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < suites->n && !rc; i++) {
    const char *name = OPENSSL_cipher_name(suites->v[i]);
    if (!name || strcmp(name, "(NONE)") == 0) {
      otlpd_error(log, "%s tls: cipher_suites: unknown TLS 1.2 cipher suite \"%s\" (IANA names, e.g. "
                  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)", who, suites->v[i]);
      rc = -EINVAL;
      break;
    }
    if (list[0]) strcat(list, ":");
    strcat(list, name);
  }
  if (!rc && SSL_CTX_set_cipher_list(ctx, list) != 1) {
    otlpd_error(log, "%s tls: cipher_suites: none of them is usable", who);
    rc = -EINVAL;
  }
  ERR_clear_error();
  free(list);
  return rc;
}
