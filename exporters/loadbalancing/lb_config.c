/* loadbalancing exporter settings: otelcol-contrib's keys. protocol::otlp
 * is the otlp exporter's own table (its endpoint is each backend's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"
#include "otlpd/config.h"

static const char *const routing_keys[] = {"traceID", "service", "resource", "metric", NULL};

static const otlpd_setting protocol_settings[] = {
    OTLPD_S_SECTION(lb_protocol_cfg, "otlp", otlp, otlpgrpc_settings,
                    "the otlp exporter's settings for every backend (endpoint excepted)"),
    OTLPD_S_END,
};

static const otlpd_setting static_settings[] = {
    OTLPD_S_STRINGS(lb_static_cfg, "hostnames", hostnames,
                    "backends as host[:port] (port 4317 when absent)"),
    OTLPD_S_END,
};

static const otlpd_setting dns_settings[] = {
    OTLPD_S_STRING(lb_dns_cfg, "hostname", hostname, NULL,
                   "name whose A/AAAA records are the backends (a headless Service)"),
    OTLPD_S_STRING(lb_dns_cfg, "port", port, "4317", "port of every resolved address"),
    OTLPD_S_DURATION(lb_dns_cfg, "interval", interval, "5s", "time between resolutions"),
    OTLPD_S_DURATION(lb_dns_cfg, "timeout", timeout, "1s", "one resolution's time limit"),
    OTLPD_S_END,
};

static const otlpd_setting resolver_settings[] = {
    OTLPD_S_SECTION_P(lb_resolver_cfg, "static", st, has_static, static_settings,
                      "a fixed list of backends"),
    OTLPD_S_SECTION_P(lb_resolver_cfg, "dns", dns, has_dns, dns_settings,
                      "backends from a DNS name, re-resolved every interval"),
    OTLPD_S_IGNORED("k8s", "not supported: use dns with a headless Service"),
    OTLPD_S_IGNORED("aws_cloud_map", "not supported"),
    OTLPD_S_END,
};

const otlpd_setting lb_settings[] = {
    OTLPD_S_ENUM(lb_cfg, "routing_key", routing_key, "traceID", routing_keys,
                 "what picks the backend: traceID (spans, logs), service, resource, metric"),
    OTLPD_S_SECTION(lb_cfg, "protocol", protocol, protocol_settings,
                    "how backends are reached (only otlp)"),
    OTLPD_S_SECTION(lb_cfg, "resolver", resolver, resolver_settings,
                    "where the backend list comes from: static or dns"),
    OTLPD_S_IGNORED("routing_attributes", "not supported"),
    OTLPD_S_END,
};

char *lb_with_port(const char *ep) {
  const char *colon = strrchr(ep, ':');
  bool bracketed = ep[0] == '[';
  bool has_port = colon && (!bracketed || colon > strchr(ep, ']'));
  /* a bare IPv6 address has colons but no port */
  if (has_port && !bracketed && strchr(ep, ':') != colon) has_port = false;
  size_t n = strlen(ep) + 16;
  char *out = malloc(n);
  if (!out) return NULL;
  if (has_port)
    snprintf(out, n, "%s", ep);
  else if (!bracketed && strchr(ep, ':'))
    snprintf(out, n, "[%s]:4317", ep);
  else
    snprintf(out, n, "%s:4317", ep);
  return out;
}

static void check_protocol(const lb_cfg *c, const char *path, otlpd_errors *errs) {
  char sub[256];
  snprintf(sub, sizeof(sub), "%s::protocol::otlp", path);
  if (c->protocol.otlp.endpoint && *c->protocol.otlp.endpoint)
    otlpd_warnf(errs, "%s::endpoint: ignored; each backend's address comes from the resolver", sub);
  /* the otlp table's own checks, on a copy that names a backend */
  otlpgrpc_cfg probe = c->protocol.otlp;
  probe.endpoint = "backend:4317";
  otlpgrpc_validate(&probe, sub, errs);
}

static void check_resolver(const lb_cfg *c, const char *path, otlpd_errors *errs) {
  const lb_resolver_cfg *r = &c->resolver;
  if (r->has_static && r->has_dns)
    otlpd_errorf(errs, "%s::resolver: set one of static or dns, not both", path);
  else if (!r->has_static && !r->has_dns)
    otlpd_errorf(errs, "%s::resolver: set static::hostnames or dns::hostname (k8s and "
                 "aws_cloud_map are not supported: use dns with a headless Service)", path);
  if (r->has_static && r->st.hostnames.n == 0)
    otlpd_errorf(errs, "%s::resolver::static::hostnames: list at least one backend", path);
  for (size_t i = 0; r->has_static && i < r->st.hostnames.n; i++)
    if (!*r->st.hostnames.v[i])
      otlpd_errorf(errs, "%s::resolver::static::hostnames: an empty entry", path);
  if (r->has_dns) {
    if (!r->dns.hostname || !*r->dns.hostname)
      otlpd_errorf(errs, "%s::resolver::dns::hostname: must be set", path);
    char *end = NULL;
    long port = r->dns.port ? strtol(r->dns.port, &end, 10) : 0;
    if (!r->dns.port || !*r->dns.port || *end || port <= 0 || port > 65535)
      otlpd_errorf(errs, "%s::resolver::dns::port: \"%s\" is not a port number", path,
                   r->dns.port ? r->dns.port : "");
    if (r->dns.interval <= 0 || r->dns.timeout <= 0)
      otlpd_errorf(errs, "%s::resolver::dns: interval and timeout must be positive", path);
  }
}

int lb_validate(const void *config, const char *path, otlpd_errors *errs) {
  const lb_cfg *c = config;
  size_t before = errs->n;
  check_protocol(c, path, errs);
  check_resolver(c, path, errs);
  return errs->n > before ? -EINVAL : 0;
}
