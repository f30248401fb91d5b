/* k8s_attributes processor runtime (loop thread only).
 *
 * Per resource: find its pod (a hash lookup by IP, UID or name), and if
 * the pod has attributes the resource lacks, add them on a private copy
 * (otlpd_batch_edit + otlpd_batch_mut_resource), strings copied into the
 * entry's arena in one block: a pod deleted later never leaves a batch
 * pointing at freed memory. A batch nothing is added to goes downstream
 * as it came, wire bytes kept. */
#include <errno.h>
#include <stdlib.h>

#include "k8s_attributes.h"

typedef struct k8sattr_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  const k8sattr_cfg *cfg;
  otlpd_consumer *next;
  k8sattr_rules rules;
  k8sattr_table table;
  k8sattr_watch *watch[KR_NKINDS]; /* pods, and the side tables the rules need; none in passthrough mode */
  uint64_t wait_until;  /* wait_for_metadata: loop time until which data is refused */
} k8sattr_proc;

static otlp_resource *resource_of(otlpd_signal s, void *item) {
  switch (s) {
  case OTLPD_TRACES: return ((otlp_resource_spans *)item)->resource;
  case OTLPD_METRICS: return ((otlp_resource_metrics *)item)->resource;
  default: return ((otlp_resource_logs *)item)->resource;
  }
}

static const char *client_addr(const otlpd_batch *b, size_t i) {
  const otlpd_client_info *c = otlpd_payload_client(b->owners[i]);
  return c ? c->addr : NULL;
}

/* Whether data must wait for the first pod list (wait_for_metadata). */
static bool synced(const k8sattr_proc *kp) {
  for (int k = 0; k < KR_NKINDS; k++)
    if (kp->watch[k] && !k8sattr_watch_synced(kp->watch[k])) return false;
  return true;
}

static bool waiting(k8sattr_proc *kp) {
  if (!kp->wait_until || synced(kp)) return false;
  if (uv_now(kp->host->loop) < kp->wait_until) return true;
  otlpd_error(&kp->host->log, "wait_for_metadata: no complete metadata after the timeout; passing data on untagged");
  kp->wait_until = 0;
  return false;
}

static int k8sattr_consume(otlpd_consumer *self, otlpd_batch *in) {
  k8sattr_proc *kp = (k8sattr_proc *)self;
  if (waiting(kp)) return OTLPD_ERR_RETRY;
  otlpd_batch *mine = NULL;
  for (size_t i = 0; i < in->n; i++) {
    otlp_resource *r = resource_of(in->signal, in->resources[i]);
    size_t nkv = r ? r->n_attributes : 0;
    otlp_key_value **kv = r ? r->attributes : NULL;
    const char *conn = NULL;
    const k8sattr_pod *pod = k8sattr_associate(&kp->rules, &kp->table, nkv, kv, client_addr(in, i), &conn);
    if (!k8sattr_would_add(pod, conn, nkv, kv)) continue;
    if (!mine && !(mine = otlpd_batch_edit(kp->host, in))) return OTLPD_ERR_RETRY;
    void *item = otlpd_batch_mut_resource(mine, i);
    otlp_resource *mr = item ? resource_of(mine->signal, item) : NULL;
    if (!mr || k8sattr_add_attrs(mine, i, pod, conn, &mr->n_attributes, &mr->attributes)) {
      otlpd_batch_unref(mine); /* nothing kept: the sender retries */
      return OTLPD_ERR_RETRY;
    }
  }
  if (!mine) return otlpd_consume(kp->next, in);
  int rc = otlpd_consume(kp->next, mine);
  otlpd_batch_unref(mine);
  return rc;
}

static int k8sattr_admit(otlpd_consumer *self, const otlpd_batch *b) {
  k8sattr_proc *kp = (k8sattr_proc *)self;
  if (waiting(kp)) return OTLPD_ERR_RETRY;
  return otlpd_admit(kp->next, b);
}

static int create(const otlpd_create_params *p, void **state) {
  k8sattr_proc *kp = calloc(1, sizeof(*kp));
  if (!kp) return -ENOMEM;
  kp->base.consume = k8sattr_consume;
  kp->base.admit = k8sattr_admit;
  kp->host = p->host;
  kp->cfg = p->config;
  kp->next = p->next[p->signal];
  k8sattr_table_init(&kp->table, p->host->mem);
  int rc = k8sattr_rules_build(kp->cfg, &kp->rules);
  if (rc) {
    free(kp);
    return rc;
  }
  for (int k = 0; !kp->cfg->passthrough && k < KR_NKINDS; k++) {
    if (!k8sattr_rules_need(&kp->rules, (k8sattr_kind)k)) continue;
    if (!(kp->watch[k] = k8sattr_watch_new(p->host, kp->cfg, &kp->rules, &kp->table, (k8sattr_kind)k, &rc))) {
      for (int i = 0; i < k; i++) k8sattr_watch_free(kp->watch[i]);
      k8sattr_rules_free(&kp->rules);
      free(kp);
      return rc;
    }
  }
  *state = kp;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((k8sattr_proc *)state)->base; }

static int start(void *state) {
  k8sattr_proc *kp = state;
  if (!kp->watch[KR_POD]) return 0;
  if (kp->cfg->wait_for_metadata)
    kp->wait_until = uv_now(kp->host->loop) + (uint64_t)(kp->cfg->wait_for_metadata_timeout / OTLPD_NS_PER_MS) + 1;
  for (int k = 0; k < KR_NKINDS; k++) {
    int rc = kp->watch[k] ? k8sattr_watch_start(kp->watch[k]) : 0;
    if (rc) return rc;
  }
  return 0;
}

static void shutdown_(void *state) {
  k8sattr_proc *kp = state;
  kp->wait_until = 0; /* a drain must not wait for metadata */
  for (int k = 0; k < KR_NKINDS; k++)
    if (kp->watch[k]) k8sattr_watch_stop(kp->watch[k], NULL, NULL);
}

static void destroy(void *state) {
  k8sattr_proc *kp = state;
  for (int k = 0; k < KR_NKINDS; k++) k8sattr_watch_free(kp->watch[k]);
  k8sattr_table_free(&kp->table);
  k8sattr_rules_free(&kp->rules);
  free(kp);
}

#define K8SATTR_FACTORY(name)                                                                          \
  {                                                                                                    \
      .type = name,                                                                                    \
      .kind = OTLPD_PROCESSOR,                                                                         \
      .signals = OTLPD_ALL_SIGNALS,                                                                    \
      .settings = k8sattr_settings,                                                                    \
      .config_size = sizeof(k8sattr_cfg),                                                              \
      .doc = "adds the Kubernetes metadata of the pod data came from (otelcol's k8sattributes)",       \
      .mutates_data = true,                                                                            \
      .validate = k8sattr_validate,                                                                    \
      .create = create,                                                                                \
      .consumer = consumer,                                                                            \
      .start = start,                                                                                  \
      .shutdown = shutdown_,                                                                           \
      .destroy = destroy,                                                                              \
  }

const otlpd_factory otlpd_processor_k8s_attributes = K8SATTR_FACTORY("k8s_attributes");
/* otelcol-contrib's own spelling */
const otlpd_factory otlpd_processor_k8sattributes = K8SATTR_FACTORY("k8sattributes");
