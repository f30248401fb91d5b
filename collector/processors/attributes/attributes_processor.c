/* attributes processor runtime (loop thread only).
 *
 * A batch where no matching item would change goes downstream as it came
 * (wire bytes kept). Otherwise the processor makes its own batch
 * (otlpd_batch_edit) and edits only the entries, scopes and items that
 * change, each on a private copy: the batch it was given, and every other
 * pipeline's view of the same data, stay as they were. */
#include <errno.h>
#include <stdlib.h>

#include "attributes_walk.h"

typedef int (*walk_fn)(const attributes_proc *, const otlpd_client_info *, otlpd_batch *, size_t, bool);

static walk_fn walk_for(otlpd_signal s) {
  return s == OTLPD_TRACES ? attrs_walk_spans : s == OTLPD_METRICS ? attrs_walk_metrics : attrs_walk_logs;
}

static int attributes_consume(otlpd_consumer *self, otlpd_batch *in) {
  attributes_proc *ap = (attributes_proc *)self;
  walk_fn walk = walk_for(in->signal);
  otlpd_batch *mine = NULL;
  for (size_t i = 0; i < in->n; i++) {
    const otlpd_client_info *ci = otlpd_payload_client(in->owners[i]);
    if (walk(ap, ci, in, i, false) <= 0) continue; /* read only: `in` is borrowed */
    if (!mine && !(mine = otlpd_batch_edit(ap->host, in))) return OTLPD_ERR_RETRY;
    if (walk(ap, ci, mine, i, true)) {
      otlpd_batch_unref(mine); /* nothing kept: the sender retries */
      return OTLPD_ERR_RETRY;
    }
  }
  if (!mine) return otlpd_consume(ap->next, in);
  int rc = otlpd_consume(ap->next, mine);
  otlpd_batch_unref(mine);
  return rc;
}

/* Edits never refuse except for memory, so admission is downstream's. */
static int attributes_admit(otlpd_consumer *self, const otlpd_batch *b) {
  return otlpd_admit(((attributes_proc *)self)->next, b);
}

static void destroy(void *state) {
  attributes_proc *ap = state;
  attraction_free(&ap->actions);
  attrs_matcher_free(&ap->include);
  attrs_matcher_free(&ap->exclude);
  free(ap);
}

static int create(const otlpd_create_params *p, void **state) {
  const attributes_cfg *c = p->config;
  attributes_proc *ap = calloc(1, sizeof(*ap));
  if (!ap) return -ENOMEM;
  ap->base.consume = attributes_consume;
  ap->base.admit = attributes_admit;
  ap->host = p->host;
  ap->signal = p->signal;
  ap->next = p->next[p->signal];
  int rc = attraction_build(&ap->actions, &c->actions);
  if (!rc) rc = attrs_matcher_build(&ap->include, &c->include, c->include_set);
  if (!rc) rc = attrs_matcher_build(&ap->exclude, &c->exclude, c->exclude_set);
  if (rc) {
    destroy(ap);
    return rc;
  }
  *state = ap;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((attributes_proc *)state)->base; }

const otlpd_factory otlpd_processor_attributes = {
    .type = "attributes",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = attributes_settings,
    .config_size = sizeof(attributes_cfg),
    .doc = "inserts, updates, deletes, hashes, extracts or converts span, log and data point attributes "
           "(otelcol's attributes processor)",
    .mutates_data = true,
    .validate = attributes_validate,
    .validate_refs = attributes_validate_refs,
    .create = create,
    .consumer = consumer,
    .destroy = destroy,
};
