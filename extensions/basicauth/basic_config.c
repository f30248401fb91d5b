/* basicauth settings: otelcol-contrib's keys. */
#include <errno.h>

#include "basicauth.h"
#include "otlpd/config.h"

static const otlpd_setting htpasswd_tbl[] = {
    OTLPD_S_STRING(otlpd_basic_htpasswd_cfg, "file", file, NULL, "htpasswd file (read at start)"),
    OTLPD_S_STRING(otlpd_basic_htpasswd_cfg, "inline", inline_, NULL,
                   "htpasswd lines in the config; its users win over the file's"),
    OTLPD_S_END,
};

static const otlpd_setting client_tbl[] = {
    OTLPD_S_STRING(otlpd_basic_client_cfg, "username", username, NULL, "user exporters send"),
    OTLPD_S_STRING(otlpd_basic_client_cfg, "password", password, NULL, "password exporters send (secret)"),
    OTLPD_S_END,
};

const otlpd_setting otlpd_basic_settings[] = {
    OTLPD_S_SECTION_P(otlpd_basic_cfg, "htpasswd", htpasswd, has_htpasswd, htpasswd_tbl,
                      "server side: the accepted users"),
    OTLPD_S_SECTION_P(otlpd_basic_cfg, "client_auth", client_auth, has_client, client_tbl,
                      "client side: the credentials exporters send"),
    OTLPD_S_END,
};

static bool set(const char *s) { return s && *s; }

int otlpd_basic_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlpd_basic_cfg *c = config;
  bool server = set(c->htpasswd.file) || set(c->htpasswd.inline_);
  bool client = c->has_client;
  size_t before = errs->n;
  if (server && client)
    otlpd_errorf(errs, "%s: set htpasswd (servers) or client_auth (exporters), not both: use two basicauth "
                 "extensions", path);
  else if (!server && !client)
    otlpd_errorf(errs, "%s: one of htpasswd::file, htpasswd::inline or client_auth is required", path);
  if (client && !set(c->client_auth.username))
    otlpd_errorf(errs, "%s::client_auth::username: is required", path);
  return errs->n > before ? -EINVAL : 0;
}
