/* One TLS server context from tls::, the same for both receivers: built
 * at start and again on every reload, so a reloaded context has exactly
 * the options of the first. */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_server.h"

static int version(const char *v, int dflt) {
  if (!v || !*v) return dflt;
  if (strcmp(v, "1.0") == 0) return TLS1_VERSION;
  if (strcmp(v, "1.1") == 0) return TLS1_1_VERSION;
  if (strcmp(v, "1.2") == 0) return TLS1_2_VERSION;
  if (strcmp(v, "1.3") == 0) return TLS1_3_VERSION;
  return -1;
}

static int fail(SSL_CTX *ctx, const otlpd_logger *log, const char *who, const char *what, const char *file) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  otlpd_error(log, "%s tls: %s %s%s%s", who, what, file ? file : "", buf[0] ? ": " : "", buf);
  SSL_CTX_free(ctx);
  return -EINVAL;
}

int otlp_tls_ctx_build(const otlp_tls_cfg *t, const char *who, const otlpd_logger *log, otlp_tls_ctx_hook hook,
                       SSL_CTX **out) {
  *out = NULL;
  if (!t->cert_file || !t->key_file) {
    otlpd_error(log, "%s tls needs both cert_file and key_file", who);
    return -EINVAL;
  }
  int min = version(t->min_version, TLS1_2_VERSION), max = version(t->max_version, 0);
  if (min < 0 || max < 0) {
    otlpd_error(log, "%s tls: min_version/max_version must be one of 1.0, 1.1, 1.2, 1.3", who);
    return -EINVAL;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return fail(ctx, log, who, "cannot create a TLS context", NULL);
  SSL_CTX_set_min_proto_version(ctx, min);
  if (max) SSL_CTX_set_max_proto_version(ctx, max);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1)
    return fail(ctx, log, who, "cannot load certificate (cert_file)", t->cert_file);
  if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1)
    return fail(ctx, log, who, "cannot load private key (key_file; encrypted keys are not supported)", t->key_file);
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(ctx, log, who, "key_file does not match cert_file", t->key_file);
  if (t->client_ca_file) {
    if (SSL_CTX_load_verify_locations(ctx, t->client_ca_file, NULL) != 1)
      return fail(ctx, log, who, "cannot load client CA (client_ca_file)", t->client_ca_file);
    /* the CA names sent in the CertificateRequest help a client pick its certificate */
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(t->client_ca_file);
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    ERR_clear_error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  if (otlp_tls_set_ciphers(ctx, &t->cipher_suites, log, who) != 0) {
    SSL_CTX_free(ctx);
    return -EINVAL;
  }
  int rc = hook ? hook(ctx) : 0;
  if (rc < 0) {
    SSL_CTX_free(ctx);
    return rc;
  }
  *out = ctx;
  return 0;
}
