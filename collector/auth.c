/* Helpers shared by authenticator extensions and the components naming
 * them (include/otlpd/auth.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/auth.h"
#include "otlpd/component.h"
#include "otlpd/config.h"

/* The loop runs over the presented value's length only, so its time says
 * nothing about the secret's length or content. */
bool otlpd_auth_secret_eq(const char *secret, size_t slen, const char *given, size_t glen) {
  volatile unsigned char diff = (unsigned char)(slen != glen);
  if (slen == 0) return glen == 0;
  for (size_t i = 0; i < glen; i++) diff |= (unsigned char)(secret[i % slen] ^ given[i]);
  return diff == 0;
}

int otlpd_auth_split_line(char *line, const char **key, const char **value) {
  char *colon = strchr(line, ':');
  if (!colon || colon == line) return -EINVAL;
  *colon = 0;
  for (char *p = line; *p; p++) *p = (char)tolower((unsigned char)*p);
  char *v = colon + 1;
  while (*v == ' ' || *v == '\t') v++;
  *key = line;
  *value = v;
  return 0;
}

int otlpd_auth_validate_ref(const char *id, const char *path, const char *key, const otlpd_config *cfg,
                            otlpd_errors *errs) {
  if (!id || !*id) return 0;
  const otlpd_component_cfg *ext = NULL;
  for (size_t i = 0; i < cfg->n_components && !ext; i++)
    if (cfg->components[i].kind == OTLPD_EXTENSION && !strcmp(cfg->components[i].id, id)) ext = &cfg->components[i];
  if (!ext || !ext->factory || !otlpd_auth_type(ext->factory->type)) {
    otlpd_errorf(errs, "%s::%s: \"%s\" is not an authenticator extension (bearertokenauth, basicauth) defined "
                 "under extensions", path, key, id);
    return -EINVAL;
  }
  if (!ext->signals_used) {
    otlpd_errorf(errs, "%s::%s: extension \"%s\" is not enabled (list it in service::extensions)", path, key, id);
    return -EINVAL;
  }
  return 0;
}

int otlpd_auth_client_resolve(const otlpd_host *h, const char *id, otlpd_auth **out) {
  *out = NULL;
  if (!id || !*id) return 0;
  otlpd_auth *a = h->auth ? h->auth(h, id) : NULL;
  if (!a || !a->client_header) {
    otlpd_error(&h->log, "auth::authenticator: \"%s\" %s", id,
                a ? "cannot authenticate clients (a basicauth extension needs client_auth)"
                  : "is not an enabled authenticator extension");
    return -EINVAL;
  }
  *out = a;
  return 0;
}

int otlpd_auth_client_line(const otlpd_host *h, otlpd_auth *a, char **out) {
  char *line = malloc(OTLPD_AUTH_LINE_MAX);
  int rc = line ? a->client_header(a, line, OTLPD_AUTH_LINE_MAX) : -ENOMEM;
  if (rc < 0) {
    otlpd_error(&h->log, "auth::authenticator: no header to send: %s", strerror(-rc));
    free(line);
    return rc;
  }
  *out = line;
  return 0;
}

void otlpd_auth_client_refresh(otlpd_auth *a, char *line) {
  char now[OTLPD_AUTH_LINE_MAX];
  if (a->client_header(a, now, sizeof(now)) == 0 && strcmp(now, line) != 0) memcpy(line, now, strlen(now) + 1);
  explicit_bzero(now, sizeof(now));
}
