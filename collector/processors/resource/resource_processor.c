/* resource processor runtime (loop thread only).
 *
 * A batch whose resources no action would change goes downstream as it
 * came (wire bytes kept). Otherwise the processor makes its own batch
 * (otlpd_batch_edit) and edits only the entries that change, each on a
 * private copy: the batch it was given, and every other pipeline's view
 * of the same data, stay as they were. */
#include <errno.h>
#include <stdlib.h>

#include "resource_processor.h"

typedef struct resource_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  attraction actions;
} resource_proc;

static otlp_resource **resource_slot(otlpd_signal s, void *item) {
  switch (s) {
  case OTLPD_TRACES: return &((otlp_resource_spans *)item)->resource;
  case OTLPD_METRICS: return &((otlp_resource_metrics *)item)->resource;
  default: return &((otlp_resource_logs *)item)->resource;
  }
}

static bool changes(const resource_proc *rp, const otlpd_batch *in, size_t i) {
  otlp_resource *r = *resource_slot(in->signal, in->resources[i]);
  return attraction_changes(&rp->actions, otlpd_payload_client(in->owners[i]), r ? r->n_attributes : 0,
                            r ? r->attributes : NULL);
}

/* Edit entry i of the editable batch b. 0 or -ENOMEM. */
static int edit_entry(const resource_proc *rp, otlpd_batch *b, size_t i) {
  void *item = otlpd_batch_mut_resource(b, i);
  if (!item) return -ENOMEM;
  otlp_resource *r = *resource_slot(b->signal, item); /* private, never NULL */
  return attraction_apply(&rp->actions, otlpd_payload_client(b->owners[i]), b, i, &r->n_attributes,
                          &r->attributes);
}

static int resource_consume(otlpd_consumer *self, otlpd_batch *in) {
  resource_proc *rp = (resource_proc *)self;
  otlpd_batch *mine = NULL;
  for (size_t i = 0; i < in->n; i++) {
    if (!changes(rp, in, i)) continue;
    if (!mine && !(mine = otlpd_batch_edit(rp->host, in))) return OTLPD_ERR_RETRY;
    if (edit_entry(rp, mine, i)) {
      otlpd_batch_unref(mine); /* nothing kept: the sender retries */
      return OTLPD_ERR_RETRY;
    }
  }
  if (!mine) return otlpd_consume(rp->next, in);
  int rc = otlpd_consume(rp->next, mine);
  otlpd_batch_unref(mine);
  return rc;
}

/* Edits never refuse except for memory, so admission is downstream's. */
static int resource_admit(otlpd_consumer *self, const otlpd_batch *b) {
  return otlpd_admit(((resource_proc *)self)->next, b);
}

static int create(const otlpd_create_params *p, void **state) {
  resource_proc *rp = calloc(1, sizeof(*rp));
  if (!rp) return -ENOMEM;
  rp->base.consume = resource_consume;
  rp->base.admit = resource_admit;
  rp->host = p->host;
  rp->signal = p->signal;
  rp->next = p->next[p->signal];
  int rc = attraction_build(&rp->actions, &((const resource_cfg *)p->config)->attributes);
  if (rc) {
    free(rp);
    return rc;
  }
  *state = rp;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((resource_proc *)state)->base; }

static void destroy(void *state) {
  resource_proc *rp = state;
  attraction_free(&rp->actions);
  free(rp);
}

const otlpd_factory otlpd_processor_resource = {
    .type = "resource",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = resource_settings,
    .config_size = sizeof(resource_cfg),
    .doc = "inserts, updates, deletes, hashes, extracts or converts resource attributes (otelcol's resource processor)",
    .mutates_data = true,
    .validate = resource_validate,
    .create = create,
    .consumer = consumer,
    .destroy = destroy,
};
