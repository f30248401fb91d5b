/* loadbalancing exporter: routes each span (by trace id), service, resource
 * or metric to one of a set of OTLP/gRPC backends chosen on otelcol's
 * consistent hash ring, so that every span of a trace reaches the same
 * gateway (tail sampling there sees whole traces).
 *
 * Files of this folder:
 *   lb_config.c    settings table (protocol::otlp is the otlp exporter's table)
 *   lb_ring.c      the hash ring (otelcol's positions, so mixed fleets agree)
 *   lb_route.c     one batch -> one batch per backend (shallow copies)
 *   lb_backends.c  the backend set: one otlp exporter instance per endpoint
 *   lb_resolve.c   static and DNS resolvers
 *   lb_exporter.c  factory, consumer, lifecycle
 *
 * Everything runs on the loop; each backend is an otlp exporter instance
 * with its own queue, retries and gRPC thread (exporters/otlp/). */
#ifndef OTLPD_LB_H
#define OTLPD_LB_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/component.h"
#include "../otlp/otlpgrpc.h"

typedef enum {
  LB_KEY_TRACE_ID = 0,
  LB_KEY_SERVICE,
  LB_KEY_RESOURCE,
  LB_KEY_METRIC,
} lb_routing_key;

typedef struct lb_static_cfg {
  otlpd_strings hostnames;
} lb_static_cfg;

typedef struct lb_dns_cfg {
  char *hostname;
  char *port;
  int64_t interval; /* ns */
  int64_t timeout;  /* ns */
} lb_dns_cfg;

typedef struct lb_resolver_cfg {
  lb_static_cfg st;
  bool has_static;
  lb_dns_cfg dns;
  bool has_dns;
  bool has_k8s, has_cloudmap;
} lb_resolver_cfg;

typedef struct lb_protocol_cfg {
  otlpgrpc_cfg otlp;
} lb_protocol_cfg;

typedef struct lb_cfg {
  int routing_key; /* lb_routing_key */
  lb_protocol_cfg protocol;
  lb_resolver_cfg resolver;
} lb_cfg;

extern const otlpd_setting lb_settings[];
int lb_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
/* "4317" appended when the endpoint names no port (otelcol's endpointWithPort). */
char *lb_with_port(const char *endpoint);

/* ---- the ring (lb_ring.c) ---- */
typedef struct lb_ring_item {
  uint32_t pos;
  uint32_t backend; /* index into the endpoint list the ring was built from */
} lb_ring_item;

typedef struct lb_ring {
  lb_ring_item *items;
  size_t n;
} lb_ring;

/* Positions for endpoints[0..n) in that order (callers sort them, as
 * otelcol's resolvers do); a position taken already stays with the first
 * endpoint. 0 or -ENOMEM. */
int lb_ring_build(lb_ring *r, const char *const *endpoints, size_t n);
void lb_ring_free(lb_ring *r);
/* The backend index for a routing key's bytes; r must not be empty. */
uint32_t lb_ring_pick(const lb_ring *r, const void *key, size_t len);

/* ---- routing (lb_route.c) ---- */
typedef struct lb_router {
  int key;          /* lb_routing_key */
  uint32_t rr;      /* round robin for log records without a trace id */
  uint32_t *picks;  /* one backend per item of the resource being routed (reused) */
  size_t cap;
} lb_router;

/* Split `in` into out[0..nb) (NULL where a backend gets nothing) by the
 * router's key on ring r. 0 or -ENOMEM (then out is all NULL). */
int lb_route(lb_router *rt, const lb_ring *r, size_t nb, const otlpd_batch *in, otlpd_batch **out);

/* ---- backends (lb_backends.c) ---- */
typedef struct lb_backend {
  char *endpoint;     /* as resolved: the ring's name for it */
  otlpgrpc_cfg cfg;   /* protocol::otlp with this endpoint (strings shared) */
  otlpd_host host;    /* the exporter's own host: id, counters */
  otlpd_counters counters;
  char *id;
  void *state;        /* the otlp exporter instance */
  otlpd_consumer *consumer;
  bool started, retired;
} lb_backend;

typedef struct lb_exporter {
  otlpd_consumer base;
  const otlpd_host *host;
  const lb_cfg *cfg;
  unsigned signals;
  lb_router router;
  /* the live set, sorted by endpoint, and its ring */
  lb_backend **live;
  size_t n_live;
  lb_ring ring;
  /* backends a resolver dropped: draining, freed at destroy */
  lb_backend **retired;
  size_t n_retired;
  bool running;

  uv_timer_t gauges;  /* folds the backends' queue gauges into ours */
  bool gauges_init;

  /* DNS resolver */
  uv_timer_t dns_timer;
  bool dns_timer_init;
  uv_getaddrinfo_t *dns_req; /* in flight; its callback frees it */
  uint64_t resolutions, resolution_failures, backend_updates;
  otlpd_batch **scratch; /* n_live routed batches per consume */
} lb_exporter;

/* Replace the live set with `endpoints` (any order; duplicates dropped):
 * new ones are created (and started when the exporter runs), dropped ones
 * retire (drain). 0 or negative errno; on error the old set stays. */
int lb_backends_set(lb_exporter *e, char **endpoints, size_t n);
/* Start every live backend. */
int lb_backends_start(lb_exporter *e);
void lb_backends_shutdown(lb_exporter *e);
void lb_backends_free(lb_exporter *e);
void lb_counters_fold(lb_exporter *e);

/* ---- resolvers (lb_resolve.c) ---- */
int lb_resolver_init(lb_exporter *e);  /* static: the set; dns: nothing yet */
int lb_resolver_start(lb_exporter *e); /* dns: first lookup and its timer */
void lb_resolver_stop(lb_exporter *e);

#endif
