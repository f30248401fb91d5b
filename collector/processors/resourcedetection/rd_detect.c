/* The detectors. Each adds what it finds to one ordered list; a key an
 * earlier detector set is kept (otelcol: the first detector wins). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "resourcedetection.h"

int rd_attrs_add(rd_attrs *a, const char *key, size_t klen, const char *value, size_t vlen) {
  for (size_t i = 0; i < a->n; i++)
    if (strlen(a->keys[i]) == klen && !memcmp(a->keys[i], key, klen)) return 0;
  char **k = realloc(a->keys, (a->n + 1) * sizeof(*k));
  if (k) a->keys = k;
  char **v = realloc(a->values, (a->n + 1) * sizeof(*v));
  if (v) a->values = v;
  if (!k || !v) return -ENOMEM;
  a->keys[a->n] = strndup(key, klen);
  a->values[a->n] = strndup(value, vlen);
  if (!a->keys[a->n] || !a->values[a->n]) {
    free(a->keys[a->n]);
    free(a->values[a->n]);
    return -ENOMEM;
  }
  a->n++;
  return 0;
}

void rd_attrs_free(rd_attrs *a) {
  for (size_t i = 0; i < a->n; i++) {
    free(a->keys[i]);
    free(a->values[i]);
  }
  free(a->keys);
  free(a->values);
  free(a->vals);
  memset(a, 0, sizeof(*a));
}

static void trim(const char **s, size_t *len) {
  while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
  while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decode len bytes of s into out (room for len + 1). */
static int pct_decode(const char *s, size_t len, char *out, size_t *outlen) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] != '%') {
      out[o++] = s[i];
      continue;
    }
    if (i + 2 >= len) return -EINVAL;
    int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0) return -EINVAL;
    out[o++] = (char)(hi * 16 + lo);
    i += 2;
  }
  out[o] = '\0';
  *outlen = o;
  return 0;
}

int rd_parse_env_attrs(const char *s, rd_attrs *out, char *err, size_t errlen) {
  rd_attrs tmp = {0};
  int rc = 0;
  const char *p = s;
  while (rc == 0 && *p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    const char *k = p, *v = eq ? eq + 1 : NULL;
    size_t klen = eq ? (size_t)(eq - p) : 0, vlen = eq ? len - klen - 1 : 0;
    if (eq) trim(&k, &klen), trim(&v, &vlen);
    if (!eq || !klen) {
      snprintf(err, errlen, "invalid pair \"%.*s\" (expected key=value)", (int)len, p);
      rc = -EINVAL;
      break;
    }
    char *dec = malloc(vlen + 1);
    size_t dlen = 0;
    if (!dec) rc = -ENOMEM;
    else if (pct_decode(v, vlen, dec, &dlen)) {
      snprintf(err, errlen, "invalid percent-encoding in the value of \"%.*s\"", (int)klen, k);
      rc = -EINVAL;
    } else {
      rc = rd_attrs_add(&tmp, k, klen, dec, dlen);
    }
    free(dec);
    p = end ? end + 1 : p + len;
  }
  for (size_t i = 0; rc == 0 && i < tmp.n; i++)
    rc = rd_attrs_add(out, tmp.keys[i], strlen(tmp.keys[i]), tmp.values[i], strlen(tmp.values[i]));
  rd_attrs_free(&tmp);
  return rc;
}

static int add_str(rd_attrs *a, const char *k, const char *v) { return rd_attrs_add(a, k, strlen(k), v, strlen(v)); }

static int detect_env(const rd_sources *src, const otlpd_logger *lg, rd_attrs *out) {
  const char *s = src->getenv(src->ctx, "OTEL_RESOURCE_ATTRIBUTES");
  char err[300];
  if (!s || !*s) return 0;
  int rc = rd_parse_env_attrs(s, out, err, sizeof(err));
  if (rc == -EINVAL) otlpd_warn(lg, "env detector: OTEL_RESOURCE_ATTRIBUTES ignored: %s", err);
  return rc == -ENOMEM ? rc : 0;
}

static int host_name(const rd_cfg *c, const rd_sources *src, char *buf, size_t len) {
  static char *const def[] = {"dns", "os"};
  char *const *v = c->system.hostname_sources.n ? c->system.hostname_sources.v : def;
  size_t n = c->system.hostname_sources.n ? c->system.hostname_sources.n : 2;
  char os[256];
  if (src->hostname(os, sizeof(os))) return -ENOENT;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(v[i], "os")) {
      snprintf(buf, len, "%s", os);
      return 0;
    }
    if (src->fqdn && src->fqdn(os, buf, len) == 0) return 0; /* dns, cname, lookup */
  }
  return -ENOENT;
}

static int machine_id(const rd_sources *src, char *buf, size_t len) {
  for (size_t i = 0; src->machine_id_paths && src->machine_id_paths[i]; i++) {
    FILE *f = fopen(src->machine_id_paths[i], "r");
    if (!f) continue;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r')) buf[--n] = '\0';
    if (n) return 0;
  }
  return -ENOENT;
}

static int detect_system(const rd_cfg *c, const rd_sources *src, const otlpd_logger *lg, rd_attrs *out) {
  char buf[256];
  int rc = 0;
  if (c->system.attrs.host_name.enabled) {
    if (host_name(c, src, buf, sizeof(buf)) == 0) rc = add_str(out, "host.name", buf);
    else otlpd_warn(lg, "system detector: no host name from any of the hostname_sources");
  }
  if (!rc && c->system.attrs.host_id.enabled) {
    if (machine_id(src, buf, sizeof(buf)) == 0) rc = add_str(out, "host.id", buf);
    else otlpd_warn(lg, "system detector: no machine id (host.id) in %s",
                    src->machine_id_paths && src->machine_id_paths[0] ? src->machine_id_paths[0] : "(none)");
  }
  if (!rc && c->system.attrs.os_type.enabled) {
    struct utsname u;
    const char *os = src->os_type;
    if (!os && uname(&u) == 0) {
      for (char *p = u.sysname; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      os = u.sysname;
    }
    if (os) rc = add_str(out, "os.type", os);
  }
  return rc;
}

static int detect_k8snode(const rd_cfg *c, const rd_sources *src, const otlpd_logger *lg, rd_attrs *out) {
  const char *var = c->k8snode.node_from_env_var;
  const char *node = src->getenv(src->ctx, var);
  if (node && *node) return add_str(out, "k8s.node.name", node);
  otlpd_warn(lg, "k8snode detector: environment variable %s is not set (set it from spec.nodeName)", var);
  return 0;
}

int rd_detect(const rd_cfg *c, const rd_sources *src, const otlpd_logger *lg, rd_attrs *out) {
  int rc = 0;
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; rc == 0 && i < c->detectors.n; i++) {
    const char *d = c->detectors.v[i];
    if (!strcmp(d, "env")) rc = detect_env(src, lg, out);
    else if (!strcmp(d, "system")) rc = detect_system(c, src, lg, out);
    else if (!strcmp(d, "k8snode")) rc = detect_k8snode(c, src, lg, out);
    /* platform detectors were reported at config time */
  }
  if (rc == 0 && !(out->vals = calloc(out->n ? out->n : 1, sizeof(*out->vals)))) rc = -ENOMEM;
  for (size_t i = 0; rc == 0 && i < out->n; i++) {
    out->vals[i].kind = OTLPD_VALUE_STRING;
    out->vals[i].s = out->values[i];
  }
  if (rc) rd_attrs_free(out);
  return rc;
}

/* ---- the real host ---- */

static const char *real_getenv(void *ctx, const char *name) {
  (void)ctx;
  return getenv(name);
}

static int real_hostname(char *buf, size_t len) {
  if (gethostname(buf, len) != 0) return -errno;
  buf[len - 1] = '\0';
  return 0;
}

/* The canonical name the resolver gives the host name (otelcol's dns). */
static int real_fqdn(const char *host, char *buf, size_t len) {
  struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC}, *res = NULL;
  if (getaddrinfo(host, NULL, &hints, &res) != 0) return -ENOENT;
  int rc = res && res->ai_canonname && *res->ai_canonname ? 0 : -ENOENT;
  if (rc == 0) snprintf(buf, len, "%s", res->ai_canonname);
  freeaddrinfo(res);
  return rc;
}

static const char *const machine_id_paths[] = {"/etc/machine-id", "/var/lib/dbus/machine-id", NULL};

const rd_sources rd_host_sources = {
    .getenv = real_getenv,
    .machine_id_paths = machine_id_paths,
    .hostname = real_hostname,
    .fqdn = real_fqdn,
};
