/* bearertokenauth extension: lifecycle. Its state begins with the
 * otlpd_auth that receivers and exporters get through host->auth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bearertokenauth.h"

void otlpd_bta_init_auth(otlpd_bta *b);

static int copy_tokens(const otlpd_bta_cfg *c, otlpd_bta_tokens *t) {
  size_t n = c->tokens.n ? c->tokens.n : 1;
  t->v = calloc(n, sizeof(*t->v));
  if (!t->v) return -ENOMEM;
  for (size_t i = 0; i < n; i++) {
    t->v[i] = strdup(c->tokens.n ? c->tokens.v[i] : c->token);
    if (!t->v[i]) return -ENOMEM;
    t->n++;
  }
  return 0;
}

static void bta_destroy(void *state) {
  otlpd_bta *b = state;
  if (!b) return;
  otlpd_bta_tokens_free(&b->tokens);
  uv_mutex_destroy(&b->lock);
  free(b);
}

static int bta_create(const otlpd_create_params *p, void **state) {
  otlpd_bta *b = calloc(1, sizeof(*b));
  if (!b) return -ENOMEM;
  b->cfg = p->config;
  b->host = p->host;
  if (uv_mutex_init(&b->lock) != 0) {
    free(b);
    return -ENOMEM;
  }
  otlpd_bta_init_auth(b);
  bool from_file = b->cfg->filename && *b->cfg->filename;
  int rc = from_file ? 0 : copy_tokens(b->cfg, &b->tokens);
  if (rc < 0) {
    bta_destroy(b);
    return rc;
  }
  *state = b;
  return 0;
}

/* The token file must be readable at start, as otelcol's; later failures
 * keep the tokens read before. */
static int bta_start(void *state) {
  otlpd_bta *b = state;
  const char *path = b->cfg->filename;
  if (!path || !*path) return 0;
  if (b->cfg->token && *b->cfg->token)
    otlpd_warn(&b->host->log, "token is ignored: filename is set (as in otelcol)");
  int rc = otlpd_bta_tokens_read(path, &b->tokens);
  if (rc < 0 || stat(path, &b->seen) != 0) {
    otlpd_error(&b->host->log, "filename: cannot read tokens from %s: %s", path,
                rc == -ENODATA ? "no token in it" : strerror(rc < 0 ? -rc : errno));
    return rc < 0 ? rc : -errno;
  }
  otlpd_info(&b->host->log, "%zu token(s) from %s", b->tokens.n, path);
  return 0;
}

const otlpd_factory otlpd_extension_bearertokenauth = {
    .type = "bearertokenauth",
    .kind = OTLPD_EXTENSION,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlpd_bta_settings,
    .config_size = sizeof(otlpd_bta_cfg),
    .doc = "bearer token authentication for receivers (auth::authenticator) and exporters",
    .validate = otlpd_bta_validate,
    .create = bta_create,
    .start = bta_start,
    .destroy = bta_destroy,
};
