/* bearertokenauth settings: otelcol-contrib's keys and defaults. */
#include <errno.h>
#include <string.h>

#include "bearertokenauth.h"
#include "otlpd/config.h"

const otlpd_setting otlpd_bta_settings[] = {
    OTLPD_S_STRING(otlpd_bta_cfg, "header", header, "Authorization", "header (gRPC metadata key) carrying the token"),
    OTLPD_S_STRING(otlpd_bta_cfg, "scheme", scheme, "Bearer", "scheme before the token (\"\" = the token alone)"),
    OTLPD_S_STRING(otlpd_bta_cfg, "token", token, NULL, "the token (secret)"),
    OTLPD_S_STRINGS(otlpd_bta_cfg, "tokens", tokens, "several accepted tokens (servers); clients send the first"),
    OTLPD_S_STRING(otlpd_bta_cfg, "filename", filename, NULL,
                   "file of tokens, one per line (first word); re-read when it changes; wins over token"),
    OTLPD_S_END,
};

static bool set(const char *s) { return s && *s; }

int otlpd_bta_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlpd_bta_cfg *c = config;
  size_t before = errs->n;
  if (set(c->token) && c->tokens.n > 0)
    otlpd_errorf(errs, "%s: set token or tokens, not both", path);
  if (!set(c->token) && c->tokens.n == 0 && !set(c->filename))
    otlpd_errorf(errs, "%s: one of token, tokens or filename is required", path);
  for (size_t i = 0; i < c->tokens.n; i++)
    if (!set(c->tokens.v[i])) otlpd_errorf(errs, "%s::tokens: entry %zu is empty", path, i);
  if (!set(c->header) || strlen(c->header) >= 64 || strpbrk(c->header, " :\t\r\n"))
    otlpd_errorf(errs, "%s::header: must be a header name (no spaces or colons, under 64 bytes)", path);
  if (c->scheme && strpbrk(c->scheme, " \t\r\n"))
    otlpd_errorf(errs, "%s::scheme: must be one word", path);
  return errs->n > before ? -EINVAL : 0;
}
