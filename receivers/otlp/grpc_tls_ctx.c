/* ALPN of a gRPC TLS endpoint (the context itself: tls_ctx.c). TLS is terminated by otlpd
 * (grpc_tls_conn.c), not by gRPC core: gRPC core only takes accepted fds
 * for plaintext, and owning accept is what keeps the listener alive
 * through fd exhaustion. It also lets min_version/max_version apply as
 * they do on HTTP. ALPN must select "h2": gRPC clients require it. */
#include <openssl/ssl.h>

#include "grpc_server.h"

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

int otlp_grpc_tls_alpn(SSL_CTX *ctx) {
  SSL_CTX_set_alpn_select_cb(ctx, select_h2, NULL);
  return 0;
}
