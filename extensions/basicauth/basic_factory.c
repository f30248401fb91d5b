/* basicauth extension: lifecycle. Its state begins with the otlpd_auth
 * that receivers and exporters get through host->auth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basicauth.h"
#include "otlpd/buf.h"
#include "otlpd/bytes_text.h"

#define HTPASSWD_MAX ((size_t)4 * 1024 * 1024)

static void basic_destroy(void *state) {
  otlpd_basic *b = state;
  if (!b) return;
  otlpd_basic_users_free(&b->users);
  if (b->client_line) explicit_bzero(b->client_line, strlen(b->client_line));
  free(b->client_line);
  uv_mutex_destroy(&b->lock);
  free(b);
}

static int make_client_line(otlpd_basic *b) {
  const otlpd_basic_client_cfg *c = &b->cfg->client_auth;
  const char *pass = c->password ? c->password : "";
  size_t ul = strlen(c->username), pl = strlen(pass);
  char *plain = malloc(ul + pl + 2);
  otlpd_buf out = {0};
  int rc = plain ? 0 : -ENOMEM;
  if (rc == 0) {
    snprintf(plain, ul + pl + 2, "%s:%s", c->username, pass);
    rc = otlpd_buf_append(&out, "Authorization: Basic ", 21);
    if (rc == 0) rc = otlpd_base64_encode(&out, (const uint8_t *)plain, ul + pl + 1);
    if (rc == 0) rc = otlpd_buf_append(&out, "", 1);
    explicit_bzero(plain, ul + pl + 1);
  }
  free(plain);
  if (rc == 0) b->client_line = (char *)out.data;
  else otlpd_buf_free(&out);
  return rc;
}

static int read_file(otlpd_basic *b, const char *path) {
  FILE *f = fopen(path, "re");
  if (!f) return -errno;
  char *buf = malloc(HTPASSWD_MAX);
  size_t len = buf ? fread(buf, 1, HTPASSWD_MAX, f) : 0;
  int rc = !buf ? -ENOMEM : ferror(f) ? -EIO : 0;
  fclose(f);
  if (rc == 0) rc = otlpd_basic_users_parse(&b->users, buf, len);
  if (buf) explicit_bzero(buf, len);
  free(buf);
  return rc;
}

static int load_users(otlpd_basic *b) {
  const otlpd_basic_htpasswd_cfg *h = &b->cfg->htpasswd;
  int rc = 0;
  if (h->inline_ && *h->inline_) rc = otlpd_basic_users_parse(&b->users, h->inline_, strlen(h->inline_));
  if (rc == 0 && h->file && *h->file && (rc = read_file(b, h->file)) < 0)
    otlpd_error(&b->host->log, "htpasswd::file: cannot read %s: %s", h->file, strerror(-rc));
  for (size_t i = 0; rc == 0 && i < b->users.n; i++)
    if (!otlpd_basic_hash_supported(b->users.v[i].hash))
      otlpd_warn(&b->host->log, "htpasswd: user \"%s\" has an $apr1$ (MD5) hash, which otlpd cannot check: it "
                 "never authenticates (use bcrypt: htpasswd -B)", b->users.v[i].user);
  if (rc == 0 && b->users.n == 0) {
    otlpd_error(&b->host->log, "htpasswd: no user entries");
    rc = -ENODATA;
  }
  return rc;
}

static int basic_create(const otlpd_create_params *p, void **state) {
  otlpd_basic *b = calloc(1, sizeof(*b));
  if (!b) return -ENOMEM;
  b->cfg = p->config;
  b->host = p->host;
  if (uv_mutex_init(&b->lock) != 0) {
    free(b);
    return -ENOMEM;
  }
  otlpd_basic_init_auth(b);
  int rc = b->cfg->has_client ? make_client_line(b) : load_users(b);
  if (rc < 0) {
    basic_destroy(b);
    return rc;
  }
  if (!b->cfg->has_client) otlpd_info(&b->host->log, "%zu htpasswd user(s)", b->users.n);
  *state = b;
  return 0;
}

const otlpd_factory otlpd_extension_basicauth = {
    .type = "basicauth",
    .kind = OTLPD_EXTENSION,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlpd_basic_settings,
    .config_size = sizeof(otlpd_basic_cfg),
    .doc = "HTTP Basic authentication: htpasswd for receivers, client_auth for exporters",
    .validate = otlpd_basic_validate,
    .create = basic_create,
    .destroy = basic_destroy,
};
