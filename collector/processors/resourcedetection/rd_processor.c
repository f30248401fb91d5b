/* resourcedetection runtime (loop thread only). Detection runs once in
 * start(); then each resource gets the detected attributes (override:
 * replacing values; otherwise only keys it lacks). A resource that
 * already says all of it is passed on untouched, wire bytes kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resourcedetection.h"

#define ANY(tag) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##tag

typedef struct rd_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  const rd_cfg *cfg;
  const rd_sources *src;
  otlpd_consumer *next;
  rd_attrs detected;
  attraction actions; /* one upsert (override) or insert per detected key */
} rd_proc;

static otlp_resource *resource_of(otlpd_signal s, void *item) {
  switch (s) {
  case OTLPD_TRACES: return ((otlp_resource_spans *)item)->resource;
  case OTLPD_METRICS: return ((otlp_resource_metrics *)item)->resource;
  default: return ((otlp_resource_logs *)item)->resource;
  }
}

static bool changes(const rd_proc *rp, const otlp_resource *r) {
  for (size_t d = 0; d < rp->detected.n; d++) {
    const otlp_key_value *have = NULL;
    for (size_t k = 0; r && k < r->n_attributes && !have; k++)
      if (r->attributes[k]->key && !strcmp(r->attributes[k]->key, rp->detected.keys[d])) have = r->attributes[k];
    if (!have) return true;
    if (!rp->cfg->override) continue;
    const otlp_any_value *v = have->value;
    if (!v || v->value_case != ANY(STRING_VALUE) || strcmp(v->string_value ? v->string_value : "",
                                                          rp->detected.values[d]))
      return true;
  }
  return false;
}

static int edit_entry(const rd_proc *rp, otlpd_batch *b, size_t i) {
  void *item = otlpd_batch_mut_resource(b, i);
  if (!item) return -ENOMEM;
  otlp_resource *r = resource_of(b->signal, item); /* private, never NULL */
  return attraction_apply(&rp->actions, NULL, b, i, &r->n_attributes, &r->attributes);
}

static int rd_consume(otlpd_consumer *self, otlpd_batch *in) {
  rd_proc *rp = (rd_proc *)self;
  otlpd_batch *mine = NULL;
  for (size_t i = 0; i < in->n; i++) {
    if (!changes(rp, resource_of(in->signal, in->resources[i]))) continue;
    if (!mine && !(mine = otlpd_batch_edit(rp->host, in))) return OTLPD_ERR_RETRY;
    if (edit_entry(rp, mine, i)) {
      otlpd_batch_unref(mine);
      return OTLPD_ERR_RETRY;
    }
  }
  if (!mine) return otlpd_consume(rp->next, in);
  int rc = otlpd_consume(rp->next, mine);
  otlpd_batch_unref(mine);
  return rc;
}

static int rd_admit(otlpd_consumer *self, const otlpd_batch *b) { return otlpd_admit(((rd_proc *)self)->next, b); }

/* Detection and the actions that apply it; exposed for tests through
 * rd_processor_start_with. */
int rd_processor_start_with(void *state, const rd_sources *src) {
  rd_proc *rp = state;
  int rc = rd_detect(rp->cfg, src, &rp->host->log, &rp->detected);
  if (rc) return rc;
  if (!(rp->actions.a = calloc(rp->detected.n ? rp->detected.n : 1, sizeof(*rp->actions.a)))) return -ENOMEM;
  rp->actions.n = rp->detected.n;
  for (size_t d = 0; d < rp->detected.n; d++) {
    attraction_action *a = &rp->actions.a[d];
    a->kind = rp->cfg->override ? ATTRACTION_UPSERT : ATTRACTION_INSERT;
    a->key = rp->detected.keys[d];
    a->value = &rp->detected.vals[d];
  }
  for (size_t d = 0; d < rp->detected.n; d++)
    otlpd_info(&rp->host->log, "detected %s=%s", rp->detected.keys[d], rp->detected.values[d]);
  return 0;
}

static int start(void *state) { return rd_processor_start_with(state, ((rd_proc *)state)->src); }

static int create(const otlpd_create_params *p, void **state) {
  rd_proc *rp = calloc(1, sizeof(*rp));
  if (!rp) return -ENOMEM;
  rp->base.consume = rd_consume;
  rp->base.admit = rd_admit;
  rp->host = p->host;
  rp->cfg = p->config;
  rp->src = &rd_host_sources;
  rp->next = p->next[p->signal];
  *state = rp;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((rd_proc *)state)->base; }

static void destroy(void *state) {
  rd_proc *rp = state;
  attraction_free(&rp->actions);
  rd_attrs_free(&rp->detected);
  free(rp);
}

const otlpd_factory otlpd_processor_resourcedetection = {
    .type = "resourcedetection",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = rd_settings,
    .config_size = sizeof(rd_cfg),
    .doc = "adds the host's attributes (env, system, k8snode detectors) to every resource "
           "(otelcol's resourcedetection processor)",
    .mutates_data = true,
    .validate = rd_validate,
    .create = create,
    .consumer = consumer,
    .start = start,
    .destroy = destroy,
};
