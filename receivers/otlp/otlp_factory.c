/* otlp receiver lifecycle: one instance serves gRPC and/or HTTP. */
#include <errno.h>
#include <stdlib.h>

#include "otlp_receiver.h"
#include "otlpd/config.h"

static int create(const otlpd_create_params *p, void **state) {
  otlp_receiver *r = calloc(1, sizeof(*r));
  if (!r) return -ENOMEM;
  r->host = p->host;
  r->cfg = p->config;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    r->next[s] = p->next[s];
    r->shallow[s] = p->shallow_ok[s] && otlpd_request_descriptor_shallow((otlpd_signal)s);
    if (r->shallow[s])
      otlpd_debug(&r->host->log, "%s: protobuf decoded down to the scope level only (nothing downstream reads items)",
                  otlpd_signal_name((otlpd_signal)s));
  }
  int rc = otlp_auth_resolve(r);
  if (rc < 0) {
    free(r);
    return rc;
  }
  *state = r;
  return 0;
}

static int start(void *state) {
  otlp_receiver *r = state;
  int rc = 0;
  if (r->cfg->protocols.has_http && (rc = otlp_http_start(r)) < 0) return rc;
  if (r->cfg->protocols.has_grpc && (rc = otlp_grpc_start(r)) < 0) {
    /* The daemon only shuts down what started; close the HTTP side here so
     * its listener does not keep the loop alive. */
    if (r->http) otlp_http_shutdown(r);
    return rc;
  }
  return 0;
}

static void shutdown_(void *state) {
  otlp_receiver *r = state;
  if (r->http) otlp_http_shutdown(r);
  if (r->grpc) otlp_grpc_shutdown(r);
}

static void destroy(void *state) {
  otlp_receiver *r = state;
  if (!r) return;
  if (r->http) otlp_http_destroy(r);
  if (r->grpc) otlp_grpc_destroy(r);
  free(r);
}

const otlpd_factory otlpd_receiver_otlp = {
    .type = "otlp",
    .kind = OTLPD_RECEIVER,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlp_receiver_settings,
    .config_size = sizeof(otlp_receiver_cfg),
    .doc = "OTLP over gRPC (4317) and HTTP (4318; protobuf and JSON)",
    .validate = otlp_receiver_validate,
    .validate_refs = otlp_receiver_validate_refs,
    .create = create,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
