/* Where the backends come from. static: the configured list, once. dns:
 * the addresses a name resolves to (uv_getaddrinfo on libuv's threadpool;
 * the answer comes back on the loop), every `interval`; a failed or empty
 * answer keeps the current set, as otelcol does. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"

static int set_static(lb_exporter *e) {
  const otlpd_strings *h = &e->cfg->resolver.st.hostnames;
  int rc = lb_backends_set(e, h->v, h->n);
  e->resolutions++;
  return rc;
}

int lb_resolver_init(lb_exporter *e) {
  return e->cfg->resolver.has_static ? set_static(e) : 0;
}

static char **addresses(const struct addrinfo *ai, const char *port, size_t *n) {
  size_t cap = 0;
  for (const struct addrinfo *p = ai; p; p = p->ai_next) cap++;
  char **v = calloc(cap ? cap : 1, sizeof(char *));
  if (!v) return NULL;
  *n = 0;
  for (const struct addrinfo *p = ai; p; p = p->ai_next) {
    char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];
    const void *src = p->ai_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)p->ai_addr)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)p->ai_addr)->sin_addr;
    if (p->ai_family != AF_INET && p->ai_family != AF_INET6) continue;
    if (!inet_ntop(p->ai_family, src, ip, sizeof(ip))) continue;
    snprintf(buf, sizeof(buf), p->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", ip, port);
    if (!(v[*n] = strdup(buf))) break;
    (*n)++;
  }
  return v;
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  lb_exporter *e = req->data;
  free(req);
  if (!e) { /* the exporter stopped meanwhile */
    uv_freeaddrinfo(res);
    return;
  }
  e->dns_req = NULL;
  e->resolutions++;
  if (status < 0) {
    e->resolution_failures++;
    otlpd_warn(&e->host->log, "dns: cannot resolve %s (%s); keeping %zu backends",
               e->cfg->resolver.dns.hostname, uv_strerror(status), e->n_live);
    return;
  }
  size_t n = 0;
  char **v = addresses(res, e->cfg->resolver.dns.port, &n);
  uv_freeaddrinfo(res);
  if (!v) return;
  bool same = n == e->n_live;
  for (size_t i = 0; same && i < n; i++) {
    bool found = false;
    for (size_t j = 0; j < e->n_live && !found; j++) found = strcmp(v[i], e->live[j]->endpoint) == 0;
    same = found;
  }
  if (n && !same) {
    if (lb_backends_set(e, v, n) == 0) {
      e->backend_updates++;
      otlpd_info(&e->host->log, "dns: %s -> %zu backends", e->cfg->resolver.dns.hostname, e->n_live);
    }
  }
  free_strings(v, n);
}

static void resolve(uv_timer_t *t) {
  lb_exporter *e = t->data;
  if (e->dns_req) return; /* the previous lookup is still running */
  uv_getaddrinfo_t *req = malloc(sizeof(*req));
  if (!req) return;
  req->data = e;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  int rc = uv_getaddrinfo(e->host->loop, req, on_resolved, e->cfg->resolver.dns.hostname, NULL, &hints);
  if (rc < 0) {
    free(req);
    otlpd_warn(&e->host->log, "dns: cannot start a lookup (%s)", uv_strerror(rc));
    return;
  }
  e->dns_req = req;
}

int lb_resolver_start(lb_exporter *e) {
  if (!e->cfg->resolver.has_dns) return 0;
  uint64_t every = (uint64_t)(e->cfg->resolver.dns.interval / 1000000);
  uv_timer_init(e->host->loop, &e->dns_timer);
  e->dns_timer.data = e;
  e->dns_timer_init = true;
  uv_timer_start(&e->dns_timer, resolve, 0, every ? every : 1);
  return 0;
}

void lb_resolver_stop(lb_exporter *e) {
  if (e->dns_req) {
    e->dns_req->data = NULL; /* its callback only frees */
    uv_cancel((uv_req_t *)e->dns_req);
    e->dns_req = NULL;
  }
  if (e->dns_timer_init && !uv_is_closing((uv_handle_t *)&e->dns_timer))
    uv_close((uv_handle_t *)&e->dns_timer, NULL);
}
