/* bearertokenauth at work: checking a request's token, giving the header
 * an exporter sends, and picking up a rewritten token file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bearertokenauth.h"

static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* A stat per use: cheap next to a request, and it sees a file replaced by
 * rename (as Kubernetes secret volumes do) as well as rewritten in place. */
void otlpd_bta_refresh(otlpd_bta *b) {
  const char *path = b->cfg->filename;
  if (!path || !*path) return;
  struct stat st;
  if (stat(path, &st) != 0 || same_file(&st, &b->seen)) return;
  otlpd_bta_tokens t;
  int rc = otlpd_bta_tokens_read(path, &t);
  if (rc < 0) {
    if (!b->warned)
      otlpd_warn(&b->host->log, "filename: cannot re-read %s (%s); keeping the tokens read before", path,
                 strerror(-rc));
    b->warned = true;
    return;
  }
  otlpd_bta_tokens_free(&b->tokens);
  b->tokens = t;
  b->seen = st;
  b->warned = false;
  otlpd_info(&b->host->log, "filename: %s changed; %zu token(s) loaded", path, t.n);
}

static int authenticate(otlpd_auth *a, const otlpd_auth_src *src, char *subject, size_t n) {
  otlpd_bta *b = (otlpd_bta *)a;
  if (n) subject[0] = 0; /* a token names nobody */
  size_t len = 0;
  const char *v = src->header(src->ctx, b->header_lc, &len);
  if (!v) return -EACCES;
  const char *scheme = b->cfg->scheme ? b->cfg->scheme : "";
  size_t sl = strlen(scheme);
  if (sl) {
    if (len <= sl || memcmp(v, scheme, sl) != 0 || v[sl] != ' ') return -EACCES;
    v += sl + 1;
    len -= sl + 1;
  }
  bool ok = false;
  uv_mutex_lock(&b->lock);
  otlpd_bta_refresh(b);
  for (size_t i = 0; i < b->tokens.n; i++) /* no early exit: every token is compared */
    ok |= otlpd_auth_secret_eq(b->tokens.v[i], strlen(b->tokens.v[i]), v, len);
  uv_mutex_unlock(&b->lock);
  return ok ? 0 : -EACCES;
}

static int client_header(otlpd_auth *a, char *line, size_t n) {
  otlpd_bta *b = (otlpd_bta *)a;
  const char *scheme = b->cfg->scheme ? b->cfg->scheme : "";
  uv_mutex_lock(&b->lock);
  otlpd_bta_refresh(b);
  int w = b->tokens.n ? snprintf(line, n, "%s: %s%s%s", b->cfg->header, scheme, *scheme ? " " : "", b->tokens.v[0])
                      : -1;
  uv_mutex_unlock(&b->lock);
  if (w < 0) return -ENODATA;
  return (size_t)w < n ? 0 : -E2BIG;
}

void otlpd_bta_init_auth(otlpd_bta *b) {
  b->pub.type = "bearertokenauth";
  b->pub.authenticate = authenticate;
  b->pub.client_header = client_header;
  const char *scheme = b->cfg->scheme && *b->cfg->scheme ? b->cfg->scheme : "Bearer";
  snprintf(b->challenge, sizeof(b->challenge), "%s", scheme);
  b->pub.challenge = b->challenge;
  size_t i = 0;
  for (const char *h = b->cfg->header ? b->cfg->header : "Authorization"; *h && i + 1 < sizeof(b->header_lc); h++)
    b->header_lc[i++] = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
  b->header_lc[i] = 0;
}
