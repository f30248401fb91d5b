/* The exporter's one gRPC channel: target from the endpoint, credentials
 * from tls, channel args from the other settings; and the three Export
 * methods registered on it. Runs on the loop at start (channel creation
 * does not connect: gRPC core connects on its own threads). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc_security.h>

#include "otlpgrpc.h"
#include "otlpd/auth.h"

static const char *const method_paths[OTLPD_SIGNAL_COUNT] = {
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

/* Our own retries (the exporter helper) replace gRPC's; a channel that
 * failed to connect tries again within this (gRPC's default grows to 2 min,
 * too long for a collector whose backend restarts). */
#define RECONNECT_INITIAL_MS 500
#define RECONNECT_MAX_MS 5000

#define PEM_MAX (4 * 1024 * 1024)

static int read_file(const char *path, char **out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -errno;
  char *buf = malloc(PEM_MAX + 1);
  size_t len = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
  int rc = !buf ? -ENOMEM : ferror(f) ? -EIO : len > PEM_MAX ? -EFBIG : 0;
  fclose(f);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[len] = 0;
  *out = buf;
  return 0;
}

typedef struct pems {
  char *ca, *cert, *key;
} pems;

static void pems_free(pems *p) {
  free(p->ca);
  free(p->cert);
  free(p->key);
}

static int pems_read(const otlpd_tls_client_cfg *t, const otlpd_logger *log, pems *p) {
  const char *path = NULL;
  int rc = 0;
  if (t->ca_file && *t->ca_file) rc = read_file(path = t->ca_file, &p->ca);
  if (!rc && t->cert_file && *t->cert_file) rc = read_file(path = t->cert_file, &p->cert);
  if (!rc && t->key_file && *t->key_file) rc = read_file(path = t->key_file, &p->key);
  if (rc) otlpd_error(log, "tls: cannot read %s: %s", path, strerror(-rc));
  return rc;
}

/* insecure_skip_verify: TLS without verifying the server (testing only). */
static grpc_channel_credentials *skip_verify_creds(const pems *p) {
  grpc_tls_credentials_options *o = grpc_tls_credentials_options_create();
  if (!o) return NULL;
  if (p->cert && p->key) {
    grpc_tls_identity_pairs *pairs = grpc_tls_identity_pairs_create();
    grpc_tls_identity_pairs_add_pair(pairs, p->key, p->cert);
    grpc_tls_certificate_provider *prov = grpc_tls_certificate_provider_static_data_create(NULL, pairs);
    grpc_tls_credentials_options_set_certificate_provider(o, prov);
    grpc_tls_credentials_options_watch_identity_key_cert_pairs(o);
    grpc_tls_certificate_provider_release(prov);
  }
  grpc_tls_credentials_options_set_verify_server_cert(o, 0);
  grpc_tls_credentials_options_set_check_call_host(o, 0);
  grpc_tls_certificate_verifier *v = grpc_tls_certificate_verifier_no_op_create();
  grpc_tls_credentials_options_set_certificate_verifier(o, v);
  grpc_tls_certificate_verifier_release(v);
  return grpc_tls_credentials_create(o);
}

static int credentials(const otlpgrpc_exporter *e, bool plaintext, grpc_channel_credentials **out) {
  const otlpd_tls_client_cfg *t = &e->cfg->tls;
  if (plaintext) {
    *out = grpc_insecure_credentials_create();
    return *out ? 0 : -ENOMEM;
  }
  pems p = {0};
  int rc = pems_read(t, &e->host->log, &p);
  if (rc) return rc;
  if (t->insecure_skip_verify) {
    *out = skip_verify_creds(&p);
  } else {
    grpc_ssl_pem_key_cert_pair pair = {p.key, p.cert};
    *out = grpc_ssl_credentials_create(p.ca, p.cert ? &pair : NULL, NULL, NULL);
  }
  pems_free(&p);
  return *out ? 0 : -ENOMEM;
}

static grpc_arg arg_int(const char *key, int v) {
  grpc_arg a = {.type = GRPC_ARG_INTEGER, .key = (char *)key};
  a.value.integer = v;
  return a;
}

static grpc_arg arg_str(const char *key, const char *v) {
  grpc_arg a = {.type = GRPC_ARG_STRING, .key = (char *)key};
  a.value.string = (char *)v;
  return a;
}

static int ms_int(int64_t ns) {
  int64_t ms = ns / OTLPD_NS_PER_MS;
  return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* The channel args live on the stack: gRPC copies them. */
static grpc_channel *create_channel(const otlpgrpc_exporter *e, const char *target,
                                    grpc_channel_credentials *creds) {
  const otlpgrpc_cfg *c = e->cfg;
  grpc_arg args[16];
  size_t n = 0;
  bool gzip = !c->compression || strcmp(c->compression, "gzip") == 0;
  args[n++] = arg_int(GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM,
                      gzip ? GRPC_COMPRESS_GZIP : GRPC_COMPRESS_NONE);
  args[n++] = arg_str(GRPC_ARG_PRIMARY_USER_AGENT_STRING, "otlpd/" OTLPD_VERSION);
  args[n++] = arg_int(GRPC_ARG_ENABLE_RETRIES, 0);
  args[n++] = arg_int(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, RECONNECT_INITIAL_MS);
  args[n++] = arg_int(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, RECONNECT_INITIAL_MS);
  args[n++] = arg_int(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, RECONNECT_MAX_MS);
  if (c->balancer_name && *c->balancer_name)
    args[n++] = arg_str(GRPC_ARG_LB_POLICY_NAME, c->balancer_name);
  if (c->keepalive.time > 0) args[n++] = arg_int(GRPC_ARG_KEEPALIVE_TIME_MS, ms_int(c->keepalive.time));
  if (c->keepalive.timeout > 0)
    args[n++] = arg_int(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms_int(c->keepalive.timeout));
  args[n++] = arg_int(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, c->keepalive.permit_without_stream);
  if (c->write_buffer_size > 0)
    args[n++] = arg_int(GRPC_ARG_HTTP2_WRITE_BUFFER_SIZE,
                        c->write_buffer_size > 0x7fffffff ? 0x7fffffff : (int)c->write_buffer_size);
  if (c->tls.server_name_override && *c->tls.server_name_override)
    args[n++] = arg_str(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, c->tls.server_name_override);
  if (c->authority && *c->authority) args[n++] = arg_str(GRPC_ARG_DEFAULT_AUTHORITY, c->authority);
  grpc_channel_args ca = {n, args};
  return grpc_channel_create(target, creds, &ca);
}

/* The auth extension's header as one more metadata entry. */
static int auth_metadata(otlpgrpc_exporter *e, grpc_metadata *md) {
  char *line = malloc(OTLPD_AUTH_LINE_MAX);
  const char *k, *v;
  int rc = line ? e->auth->client_header(e->auth, line, OTLPD_AUTH_LINE_MAX) : -ENOMEM;
  if (rc == 0) rc = otlpd_auth_split_line(line, &k, &v);
  if (rc == 0) {
    md->key = grpc_slice_from_copied_string(k);
    md->value = grpc_slice_from_copied_string(v);
  }
  if (line) explicit_bzero(line, OTLPD_AUTH_LINE_MAX);
  free(line);
  if (rc < 0) otlpd_error(&e->host->log, "auth::authenticator: no header to send: %s", strerror(-rc));
  return rc;
}

void otlpgrpc_auth_refresh(otlpgrpc_exporter *e) {
  if (!e->auth || e->n_md != e->cfg->headers.n + 1) return; /* the extension's entry is the last */
  char line[OTLPD_AUTH_LINE_MAX];
  const char *k, *v;
  if (e->auth->client_header(e->auth, line, sizeof(line)) == 0 && otlpd_auth_split_line(line, &k, &v) == 0) {
    grpc_metadata *m = &e->md[e->n_md - 1];
    size_t n = strlen(v);
    if (n != GRPC_SLICE_LENGTH(m->value) || memcmp(v, GRPC_SLICE_START_PTR(m->value), n) != 0) {
      grpc_slice_unref(m->value); /* calls in flight hold their own reference */
      m->value = grpc_slice_from_copied_buffer(v, n);
    }
  }
  explicit_bzero(line, sizeof(line));
}

/* Header metadata, built once: keys lower-case as HTTP/2 wants. */
static int build_metadata(otlpgrpc_exporter *e) {
  const otlpd_strmap *h = &e->cfg->headers;
  size_t n = h->n + (e->auth ? 1 : 0);
  if (!n) return 0;
  e->md = calloc(n, sizeof(*e->md));
  if (!e->md) return -ENOMEM;
  for (size_t i = 0; i < h->n; i++) {
    char *k = strdup(h->keys[i]);
    if (!k) return -ENOMEM;
    for (char *p = k; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    e->md[i].key = grpc_slice_from_copied_string(k);
    e->md[i].value = grpc_slice_from_copied_string(h->values[i] ? h->values[i] : "");
    e->n_md = i + 1;
    free(k);
  }
  if (e->auth) {
    int rc = auth_metadata(e, &e->md[h->n]);
    if (rc < 0) return rc;
    e->n_md = n;
  }
  return 0;
}

int otlpgrpc_channel_open(otlpgrpc_exporter *e) {
  bool plaintext;
  char *target = otlpgrpc_target(e->cfg, &plaintext);
  if (!target) return -ENOMEM;
  grpc_channel_credentials *creds = NULL;
  int rc = credentials(e, plaintext, &creds);
  if (!rc) {
    e->channel = create_channel(e, target, creds);
    grpc_channel_credentials_release(creds);
    if (!e->channel) rc = -ENOMEM;
  }
  for (int s = 0; !rc && s < OTLPD_SIGNAL_COUNT; s++)
    if (!(e->method[s] = grpc_channel_register_call(e->channel, method_paths[s], NULL, NULL))) rc = -ENOMEM;
  if (!rc) rc = build_metadata(e);
  if (!rc)
    otlpd_info(&e->host->log, "sending OTLP/gRPC to %s (%s%s)", target, plaintext ? "plaintext" : "tls",
               e->cfg->compression && strcmp(e->cfg->compression, "none") == 0 ? "" : ", gzip");
  free(target);
  return rc;
}

void otlpgrpc_channel_close(otlpgrpc_exporter *e) {
  for (size_t i = 0; i < e->n_md; i++) {
    grpc_slice_unref(e->md[i].key);
    grpc_slice_unref(e->md[i].value);
  }
  free(e->md);
  e->md = NULL;
  e->n_md = 0;
  if (e->channel) grpc_channel_destroy(e->channel);
  e->channel = NULL;
}
