/* Turns the otelcol-style grpc settings into gRPC core's channel args
 * (the listener: grpc_listen.c, TLS: grpc_tls_ctx.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "grpc_server.h"

/* What gRPC core itself may hold (buffers, windows) across connections. */
#define OTLP_GRPC_MEMORY_QUOTA ((size_t)16 * 1024 * 1024)

static int64_t ns_to_ms(int64_t ns) {
  if (ns <= 0) return 0;
  int64_t ms = ns / OTLPD_NS_PER_MS;
  return ms ? ms : 1;
}

static void arg_int(grpc_arg *a, size_t *n, const char *key, int64_t v) {
  a[*n].type = GRPC_ARG_INTEGER;
  a[*n].key = (char *)key;
  a[*n].value.integer = v > INT_MAX ? INT_MAX : (int)v;
  (*n)++;
}

grpc_server *otlp_grpc_opt_server_create(const otlp_grpc_cfg *c) {
  grpc_arg a[16];
  size_t n = 0;
  const otlp_keepalive_server_cfg *sp = &c->keepalive.server_parameters;
  const otlp_keepalive_enforcement_cfg *ep = &c->keepalive.enforcement_policy;
  arg_int(a, &n, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, c->max_recv_msg_size_mib * 1024 * 1024);
  /* gRPC core defaults to SO_REUSEPORT, which would let a second daemon
   * silently share (and steal traffic from) our port. */
  arg_int(a, &n, GRPC_ARG_ALLOW_REUSEPORT, 0);
  /* gRPC grows each connection's HTTP/2 window by bandwidth probing and
   * buffers what arrives, so a flood of connections holds tens of MB inside
   * the library, beyond our memory accounting. A fixed window and a memory
   * quota for the library keep that bounded; clients are slowed by flow
   * control and refused by our accounting instead. */
  arg_int(a, &n, GRPC_ARG_HTTP2_BDP_PROBE, 0);
  /* gRPC core would inflate a whole compressed message before checking
   * its size; grpc_inflate.c does it with a bound instead. */
  arg_int(a, &n, GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  grpc_resource_quota *quota = grpc_resource_quota_create("otlpd-grpc");
  grpc_resource_quota_resize(quota, OTLP_GRPC_MEMORY_QUOTA);
  a[n].type = GRPC_ARG_POINTER;
  a[n].key = (char *)GRPC_ARG_RESOURCE_QUOTA;
  a[n].value.pointer.p = quota;
  a[n].value.pointer.vtable = grpc_resource_quota_arg_vtable();
  n++;
  if (c->max_concurrent_streams > 0) arg_int(a, &n, GRPC_ARG_MAX_CONCURRENT_STREAMS, c->max_concurrent_streams);
  if (sp->time > 0) arg_int(a, &n, GRPC_ARG_KEEPALIVE_TIME_MS, ns_to_ms(sp->time));
  if (sp->timeout > 0) arg_int(a, &n, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ns_to_ms(sp->timeout));
  if (sp->max_connection_idle > 0) arg_int(a, &n, GRPC_ARG_MAX_CONNECTION_IDLE_MS, ns_to_ms(sp->max_connection_idle));
  if (sp->max_connection_age > 0) arg_int(a, &n, GRPC_ARG_MAX_CONNECTION_AGE_MS, ns_to_ms(sp->max_connection_age));
  if (sp->max_connection_age_grace > 0)
    arg_int(a, &n, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, ns_to_ms(sp->max_connection_age_grace));
  if (ep->min_time > 0)
    arg_int(a, &n, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, ns_to_ms(ep->min_time));
  /* On a server this arg governs which client pings are tolerated with no
   * call open: the enforcement policy's permit_without_stream. */
  arg_int(a, &n, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, ep->permit_without_stream ? 1 : 0);
  grpc_channel_args args = {n, a};
  grpc_server *s = grpc_server_create(&args, NULL);
  grpc_resource_quota_unref(quota); /* the server holds its own reference */
  return s;
}
