/* Server credentials for the gRPC receiver: insecure, TLS, or mutual TLS
 * (client_ca_file set). The PEM files are checked here with OpenSSL first
 * because gRPC core only says "cannot add port" for a bad certificate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc_security.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "grpc_server.h"

#define PEM_MAX (4 * 1024 * 1024)

static int read_pem(const char *path, char **out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -errno;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - len < 4096) {
      char *nb = cap + 4097 > PEM_MAX ? NULL : realloc(buf, cap + 4097);
      if (!nb) {
        rc = cap + 4097 > PEM_MAX ? -EFBIG : -ENOMEM;
        break;
      }
      buf = nb;
      cap += 4096;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    len += r;
    if (r == 0) {
      if (ferror(f)) rc = -EIO;
      break;
    }
  }
  fclose(f);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

/* An encrypted key must fail, not prompt on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) { return -1; }

static X509 *parse_cert(const char *pem) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  X509 *x = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
  BIO_free(b);
  return x;
}

static const char *check_pems(const char *cert, const char *key, const char *ca) {
  const char *why = NULL;
  X509 *x = parse_cert(cert);
  BIO *b = BIO_new_mem_buf(key, -1);
  EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
  BIO_free(b);
  if (!x)
    why = "cert_file holds no PEM certificate";
  else if (!k)
    why = "key_file holds no PEM private key (encrypted keys are not supported)";
  else if (X509_check_private_key(x, k) != 1)
    why = "key_file does not match the certificate in cert_file";
  if (!why && ca) {
    X509 *c = parse_cert(ca);
    if (!c) why = "client_ca_file holds no PEM certificate";
    X509_free(c);
  }
  EVP_PKEY_free(k);
  X509_free(x);
  ERR_clear_error(); /* the queue is per thread: leave nothing behind */
  return why;
}

/* gRPC core's ssl credentials cannot pin TLS versions (they negotiate 1.2
 * or 1.3); refuse a floor we cannot honour rather than serve weaker TLS. */
static int check_versions(const otlp_tls_cfg *t, const otlpd_logger *log) {
  if (t->min_version && strcmp(t->min_version, "1.2") && strcmp(t->min_version, "1.0") &&
      strcmp(t->min_version, "1.1")) {
    otlpd_error(log, "grpc tls min_version %s is not supported by the gRPC server (it accepts TLS 1.2 and 1.3)",
                t->min_version);
    return -ENOTSUP;
  }
  if (t->max_version && *t->max_version)
    otlpd_warn(log, "grpc tls max_version %s is not enforced by the gRPC server", t->max_version);
  return 0;
}

static int read_all(const otlp_tls_cfg *t, const otlpd_logger *log, char **cert, char **key, char **ca) {
  const char *path = t->cert_file;
  int rc = read_pem(path, cert);
  if (!rc) rc = read_pem(path = t->key_file, key);
  if (!rc && t->client_ca_file) rc = read_pem(path = t->client_ca_file, ca);
  if (rc) otlpd_error(log, "grpc tls: cannot read %s: %s", path, strerror(-rc));
  return rc;
}

int otlp_grpc_opt_credentials(const otlp_grpc_cfg *c, const otlpd_logger *log, grpc_server_credentials **out) {
  *out = NULL;
  if (!c->has_tls) {
    *out = grpc_insecure_server_credentials_create();
    return *out ? 0 : -ENOMEM;
  }
  const otlp_tls_cfg *t = &c->tls;
  if (!t->cert_file || !t->key_file) {
    otlpd_error(log, "grpc tls needs both cert_file and key_file");
    return -EINVAL;
  }
  int rc = check_versions(t, log);
  if (rc) return rc;
  char *cert = NULL, *key = NULL, *ca = NULL;
  const char *why = NULL;
  if ((rc = read_all(t, log, &cert, &key, &ca)) == 0 && (why = check_pems(cert, key, ca)) != NULL) {
    otlpd_error(log, "grpc tls: %s (cert_file %s, key_file %s)", why, t->cert_file, t->key_file);
    rc = -EINVAL;
  }
  if (!rc) {
    grpc_ssl_pem_key_cert_pair pair = {key, cert};
    *out = grpc_ssl_server_credentials_create_ex(
        ca, &pair, 1,
        ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
        NULL);
    if (!*out) rc = -ENOMEM;
  }
  free(cert);
  free(key);
  free(ca);
  return rc;
}
