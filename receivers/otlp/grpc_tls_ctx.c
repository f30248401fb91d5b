/* The TLS context of a gRPC TLS endpoint. TLS is terminated by otlpd
 * (grpc_tls_conn.c), not by gRPC core: gRPC core only takes accepted fds
 * for plaintext, and owning accept is what keeps the listener alive
 * through fd exhaustion. It also lets min_version/max_version apply as
 * they do on HTTP. ALPN must select "h2": gRPC clients require it. */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "grpc_server.h"

static int version(const char *v, int dflt) {
  if (!v || !*v) return dflt;
  if (strcmp(v, "1.0") == 0) return TLS1_VERSION;
  if (strcmp(v, "1.1") == 0) return TLS1_1_VERSION;
  if (strcmp(v, "1.2") == 0) return TLS1_2_VERSION;
  if (strcmp(v, "1.3") == 0) return TLS1_3_VERSION;
  return -1;
}

static int select_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                     unsigned int inlen, void *arg) {
  (void)ssl;
  (void)arg;
  static const unsigned char h2[] = {2, 'h', '2'};
  unsigned char *sel;
  if (SSL_select_next_proto(&sel, outlen, h2, sizeof(h2), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

static int fail(SSL_CTX *ctx, const otlpd_logger *log, const char *what, const char *file) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  otlpd_error(log, "grpc tls: %s %s%s%s", what, file ? file : "", buf[0] ? ": " : "", buf);
  SSL_CTX_free(ctx);
  return -EINVAL;
}

int otlp_grpc_tls_ctx(const otlp_tls_cfg *t, const otlpd_logger *log, SSL_CTX **out) {
  *out = NULL;
  if (!t->cert_file || !t->key_file) {
    otlpd_error(log, "grpc tls needs both cert_file and key_file");
    return -EINVAL;
  }
  int min = version(t->min_version, TLS1_2_VERSION), max = version(t->max_version, 0);
  if (min < 0 || max < 0) {
    otlpd_error(log, "grpc tls: min_version/max_version must be one of 1.0, 1.1, 1.2, 1.3");
    return -EINVAL;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return fail(ctx, log, "cannot create a TLS context", NULL);
  SSL_CTX_set_min_proto_version(ctx, min);
  if (max) SSL_CTX_set_max_proto_version(ctx, max);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1)
    return fail(ctx, log, "cannot load certificate (cert_file)", t->cert_file);
  if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1)
    return fail(ctx, log, "cannot load private key (key_file; encrypted keys are not supported)", t->key_file);
  if (SSL_CTX_check_private_key(ctx) != 1) return fail(ctx, log, "key_file does not match cert_file", t->key_file);
  if (t->client_ca_file) {
    if (SSL_CTX_load_verify_locations(ctx, t->client_ca_file, NULL) != 1)
      return fail(ctx, log, "cannot load client CA (client_ca_file)", t->client_ca_file);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  if (otlp_tls_set_ciphers(ctx, &t->cipher_suites, log, "grpc") != 0) {
    SSL_CTX_free(ctx);
    return -EINVAL;
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_h2, NULL);
  *out = ctx;
  return 0;
}
