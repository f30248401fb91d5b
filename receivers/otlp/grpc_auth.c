/* OTLP/gRPC: auth::authenticator checked on a call's initial metadata
 * before its message is received, and the client info of a call. gRPC
 * thread, except the slow-check hand-off (loop, then threadpool). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <grpc/support/alloc.h>

#include "grpc_server.h"

/* gRPC core hands metadata keys lower-cased, as HTTP/2 requires. */
static const char *find_md(const void *ctx, const char *name, size_t *len) {
  const grpc_metadata_array *md = ctx;
  size_t nl = strlen(name);
  for (size_t i = 0; i < md->count; i++) {
    const grpc_slice *k = &md->metadata[i].key;
    if (GRPC_SLICE_LENGTH(*k) == nl && memcmp(GRPC_SLICE_START_PTR(*k), name, nl) == 0) {
      *len = GRPC_SLICE_LENGTH(md->metadata[i].value);
      return (const char *)GRPC_SLICE_START_PTR(md->metadata[i].value);
    }
  }
  return NULL;
}

/* The client's IP: otlpd accepts gRPC connections itself and hands gRPC
 * core the fd, so the call's peer is "fd:N" and the address comes from the
 * listener's table (grpc_peer.c). */
static bool peer_ip(otlp_grpc_rpc *rpc, char *ip, size_t n) {
  char *peer = grpc_call_get_peer(rpc->call);
  bool known = otlp_grpc_peer_ip(rpc->g, peer, ip, n) == 0 || otlp_peer_ip_from_uri(peer, ip, n);
  gpr_free(peer);
  return known;
}

int otlp_grpc_rpc_authenticate(otlp_grpc_rpc *rpc) {
  rpc->subject[0] = 0;
  otlp_receiver *r = rpc->g->r;
  if (!r->auth.ext[OTLP_TRANSPORT_GRPC]) return 0;
  otlpd_auth_src src = {find_md, &rpc->metadata};
  char ip[64];
  int rc = otlp_auth_begin(r, OTLP_TRANSPORT_GRPC, &src, peer_ip(rpc, ip, sizeof(ip)) ? ip : "unknown", rpc->subject,
                           sizeof(rpc->subject), &rpc->auth_work);
  if (rc == 0) return 0;
  if (rc == OTLPD_AUTH_SLOW) return 2;
  rpc->subject[0] = 0;
  otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAUTHENTICATED, "missing or wrong credentials", 0);
  return 1;
}

/* Threadpool: the check is done; the call goes on or is answered. */
static void on_checked(otlp_auth_job *j) {
  otlp_grpc_rpc *rpc = j->user;
  if (j->rc != 0) {
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAUTHENTICATED, "missing or wrong credentials", 0);
    return;
  }
  snprintf(rpc->subject, sizeof(rpc->subject), "%s", j->subject);
  otlp_grpc_rpc_receive(rpc);
}

void otlp_grpc_rpc_auth_queue(otlp_grpc_rpc *rpc) {
  void *work = rpc->auth_work;
  rpc->auth_work = NULL;
  char ip[64];
  int rc = otlp_auth_queue(rpc->g->r, OTLP_TRANSPORT_GRPC, work, peer_ip(rpc, ip, sizeof(ip)) ? ip : "unknown",
                           on_checked, NULL, rpc);
  if (rc != 0)
    otlp_grpc_rpc_reply(rpc, GRPC_STATUS_UNAVAILABLE,
                        rc == -EBUSY ? "too many credential checks in progress; retry later" : "out of memory", 0);
}

void otlp_grpc_rpc_auth_drop(otlp_grpc_rpc *rpc) {
  otlp_auth_abandon(rpc->g->r, OTLP_TRANSPORT_GRPC, rpc->auth_work);
  rpc->auth_work = NULL;
}

static void md_kv(void *ctx, size_t i, otlp_meta_kv *kv) {
  const grpc_metadata *m = &((const grpc_metadata_array *)ctx)->metadata[i];
  kv->k = (const char *)GRPC_SLICE_START_PTR(m->key);
  kv->kl = GRPC_SLICE_LENGTH(m->key);
  kv->v = (const char *)GRPC_SLICE_START_PTR(m->value);
  kv->vl = GRPC_SLICE_LENGTH(m->value);
}

void otlp_grpc_rpc_client_info(otlp_grpc_rpc *rpc, const char *subject) {
  char ip[64];
  bool known = peer_ip(rpc, ip, sizeof(ip));
  size_t nmeta = rpc->g->r->cfg->protocols.grpc.include_metadata ? rpc->metadata.count : 0;
  rpc->client = otlp_client_info_build(rpc->arena, known ? ip : NULL, subject, nmeta, md_kv, &rpc->metadata);
}
