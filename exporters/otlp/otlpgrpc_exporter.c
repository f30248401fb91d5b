/* otlp (gRPC) exporter lifecycle: one channel, one completion queue and
 * its thread, one sender (queue + retries) whose consumer the pipelines
 * feed. Also registered as otelcol's newer name otlp_grpc. */
#include <stdlib.h>
#include <string.h>

#include "otlpgrpc.h"
#include "otlpd/auth.h"

void otlpgrpc_exporter_free(otlpgrpc_exporter *e) {
  if (e->sender) otlpd_sender_free(e->sender);
  otlpgrpc_channel_close(e);
  if (e->cq) grpc_completion_queue_destroy(e->cq);
  if (e->pollcq) grpc_completion_queue_destroy(e->pollcq);
  if (e->grpc_inited) grpc_shutdown();
  free(e);
}

static int create(const otlpd_create_params *p, void **state) {
  const otlpgrpc_cfg *cfg = p->config;
  otlpgrpc_exporter *e = calloc(1, sizeof(*e));
  if (!e) return -ENOMEM;
  e->host = p->host;
  e->cfg = cfg;
  if (otlpd_auth_client_resolve(p->host, cfg->auth.authenticator, &e->auth) < 0) {
    free(e);
    return -EINVAL;
  }
  int rc = otlpd_sender_create(p->host, &cfg->helper, &otlpgrpc_sender_ops, e, p->signals, &e->sender);
  if (rc < 0) {
    free(e);
    return rc;
  }
  *state = e;
  return 0;
}

static otlpd_consumer *consumer(void *state) {
  return otlpd_sender_consumer(((otlpgrpc_exporter *)state)->sender);
}

static int start(void *state) {
  otlpgrpc_exporter *e = state;
  grpc_init();
  e->grpc_inited = true;
  int rc = otlpgrpc_channel_open(e);
  if (rc) {
    otlpd_error(&e->host->log, "cannot open the gRPC channel to %s", e->cfg->endpoint);
    return rc;
  }
  if ((rc = otlpgrpc_thread_start(e)) != 0) {
    otlpd_error(&e->host->log, "cannot start the gRPC completion queue and its thread");
    return rc < 0 ? rc : -rc;
  }
  /* opens the persistent queue when sending_queue::storage is set */
  return otlpd_sender_start(e->sender);
}

static int validate_refs(const void *config, const char *path, const struct otlpd_config *c,
                         struct otlpd_errors *errs) {
  const otlpgrpc_cfg *cfg = config;
  int rc = otlpd_exphelper_validate_refs(&cfg->helper, path, c, errs);
  if (otlpd_auth_validate_ref(cfg->auth.authenticator, path, "auth::authenticator", c, errs) != 0) rc = -EINVAL;
  return rc;
}

/* Nothing is in flight any more: end the completion-queue thread. */
static void drained(void *arg) {
  otlpgrpc_exporter *e = arg;
  otlpgrpc_thread_stop(e);
  otlpgrpc_thread_unref(e);
}

static void shutdown_(void *state) {
  otlpgrpc_exporter *e = state;
  otlpd_sender_shutdown(e->sender, drained, e, otlpd_sender_drain_ms(e->host));
}

static void destroy(void *state) {
  otlpgrpc_exporter *e = state;
  /* Only when the daemon did not see the drain through: calls still in
   * flight are cancelled so the thread can end. */
  otlpgrpc_cancel_all(e);
  if (otlpgrpc_thread_release(e)) otlpgrpc_exporter_free(e);
}

#define OTLPGRPC_FACTORY(type_)                                                                   \
  {                                                                                               \
    .type = type_, .kind = OTLPD_EXPORTER, .signals = OTLPD_ALL_SIGNALS,                          \
    .settings = otlpgrpc_settings, .config_size = sizeof(otlpgrpc_cfg),                           \
    .doc = "OTLP over gRPC to a collector or backend; queue and retries",                         \
    .validate = otlpgrpc_validate, .validate_refs = validate_refs, .create = create,              \
    .wire_only = otlpd_wire_only_always,                                                          \
    .consumer = consumer, .start = start,                                                         \
    .shutdown = shutdown_, .destroy = destroy,                                                    \
  }

const otlpd_factory otlpd_exporter_otlp = OTLPGRPC_FACTORY("otlp");
/* otelcol's newer name for the same exporter. */
const otlpd_factory otlpd_exporter_otlp_grpc = OTLPGRPC_FACTORY("otlp_grpc");
