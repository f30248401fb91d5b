/* transform processor runtime (loop thread only): each statement group in
 * order over every item of its context, each statement in order on each
 * item. The first change makes the processor's own batch
 * (otlpd_batch_edit); entries nothing changes keep their wire bytes, and
 * a batch nothing changes passes on as it came. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transform.h"

static size_t n_scopes(otlpd_signal s, const void *res) {
  return s == OTLPD_TRACES ? ((const otlp_resource_spans *)res)->n_scope_spans
       : s == OTLPD_METRICS ? ((const otlp_resource_metrics *)res)->n_scope_metrics
                            : ((const otlp_resource_logs *)res)->n_scope_logs;
}

static size_t n_items(otlpd_signal s, const void *res, size_t j) {
  return s == OTLPD_TRACES ? ((const otlp_resource_spans *)res)->scope_spans[j]->n_spans
       : s == OTLPD_METRICS ? ((const otlp_resource_metrics *)res)->scope_metrics[j]->n_metrics
                            : ((const otlp_resource_logs *)res)->scope_logs[j]->n_log_records;
}

/* events of a span / points of a metric, or 1 for the item itself */
static size_t n_sub(const transform_proc *p, ottl_context ctx, const tf_pos *pos) {
  if (ctx != OTTL_SPANEVENT && ctx != OTTL_DATAPOINT) return 1;
  ottl_item it;
  tf_pos at = *pos;
  at.x = 0;
  tf_view(p, ctx == OTTL_SPANEVENT ? OTTL_SPAN : OTTL_METRIC, &at, &it);
  return ctx == OTTL_SPANEVENT ? it.span->n_events : ottl_metric_points(it.metric);
}

/* Do the group's conditions select this item? 1, 0, -1 (propagated). */
static int selected(transform_proc *p, const tf_group *g, const tf_pos *pos) {
  if (!g->n_conds) return 1;
  ottl_item it;
  tf_view(p, g->ctx, pos, &it);
  for (size_t c = 0; c < g->n_conds; c++) {
    const char *why;
    int r = ottl_cond_eval(g->conds[c], &it, &why);
    if (r == 1) return 1;
    if (r < 0 && g->error_mode == 0) {
      p->error = why;
      return -1;
    }
    if (r < 0 && g->error_mode == 1) otlpd_warn(&p->host->log, "failed to evaluate a condition, ignoring: %s", why);
  }
  return 0;
}

static int run_item(transform_proc *p, const tf_group *g, const tf_pos *pos) {
  int r = selected(p, g, pos);
  if (r <= 0) return r;
  for (size_t s = 0; s < g->n_stmts; s++)
    if ((r = tf_run(p, g, g->stmts[s], pos)) != 0) return r;
  return 0;
}

static int run_group(transform_proc *p, const tf_group *g) {
  tf_pos pos;
  const otlpd_batch *in = p->in;
  for (pos.i = 0; pos.i < in->n; pos.i++) {
    for (pos.j = 0; pos.j < n_scopes(p->signal, in->resources[pos.i]); pos.j++) {
      for (pos.k = 0; pos.k < n_items(p->signal, in->resources[pos.i], pos.j); pos.k++) {
        pos.x = 0;
        size_t nx = n_sub(p, g->ctx, &pos);
        for (pos.x = 0; pos.x < nx; pos.x++) {
          int r = run_item(p, g, &pos);
          if (r) return r;
        }
      }
    }
  }
  return 0;
}

static int transform_consume(otlpd_consumer *self, otlpd_batch *in) {
  transform_proc *p = (transform_proc *)self;
  p->in = in;
  p->mine = NULL;
  p->n_owned = 0;
  p->error = NULL;
  int rc = 0;
  for (size_t g = 0; g < p->rules.n && !rc; g++) rc = run_group(p, &p->rules.v[g]);
  otlpd_counters *c = p->host->counters;
  if (rc) {
    if (p->mine) otlpd_batch_unref(p->mine);
    p->mine = NULL;
    if (rc == -ENOMEM) return OTLPD_ERR_RETRY;
    otlpd_error(&p->host->log, "failed to execute a statement, refusing the batch (error_mode: propagate): %s",
                p->error ? p->error : "error");
    return OTLPD_ERR_PERMANENT;
  }
  otlpd_batch *out = p->mine ? p->mine : in;
  rc = otlpd_consume(p->next, out);
  if (rc == OTLPD_OK) {
    otlpd_count(&c->incoming[p->signal], in->items);
    otlpd_count(&c->outgoing[p->signal], out->items);
  }
  if (p->mine) otlpd_batch_unref(p->mine);
  p->mine = NULL;
  return rc;
}

static int transform_admit(otlpd_consumer *self, const otlpd_batch *b) {
  return otlpd_admit(((transform_proc *)self)->next, b);
}

static int create(const otlpd_create_params *cp, void **state) {
  transform_proc *p = calloc(1, sizeof(*p));
  if (!p) return -ENOMEM;
  p->base.consume = transform_consume;
  p->base.admit = transform_admit;
  p->host = cp->host;
  p->signal = cp->signal;
  p->next = cp->next[cp->signal];
  int rc = tf_rules_build(cp->config, cp->signal, cp->host->id ? cp->host->id : "transform", &p->rules, NULL);
  if (rc) {
    free(p);
    return rc;
  }
  *state = p;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((transform_proc *)state)->base; }

static void destroy(void *state) {
  transform_proc *p = state;
  tf_rules_free(&p->rules);
  free(p->owned);
  free(p);
}

const otlpd_factory otlpd_processor_transform = {
    .type = "transform",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = transform_settings,
    .config_size = sizeof(transform_cfg),
    .doc = "edits items with OTTL statements (set, delete_key, delete_matching_keys, replace_pattern, "
           "truncate_all, limit; with where)",
    .mutates_data = true,
    .validate = transform_validate,
    .create = create,
    .consumer = consumer,
    .destroy = destroy,
};
