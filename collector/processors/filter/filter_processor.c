/* filter processor runtime (loop thread only).
 *
 * Each condition is evaluated once per item: a first walk records the
 * verdicts (filter_*_eval), and only when something is dropped does the
 * processor make its own batch, without the emptied entries, and prune
 * the others on private copies (filter_*_apply, reading the same
 * verdicts). A batch where nothing is dropped passes on as it came, wire
 * bytes kept. As otelcol, a batch where everything is dropped is not sent
 * on and reported OK to the client. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int filter_push(filter_proc *f, uint8_t v) {
  if (f->n_verdict == f->cap_verdict) {
    size_t cap = f->cap_verdict ? 2 * f->cap_verdict : 1024;
    uint8_t *p = realloc(f->verdict, cap);
    if (!p) return -ENOMEM;
    f->verdict = p;
    f->cap_verdict = cap;
  }
  f->verdict[f->n_verdict++] = v;
  return 0;
}

int filter_match(filter_proc *f, ottl_context ctx, const ottl_item *it) {
  const filter_conds *c = &f->rules.ctx[ctx];
  for (size_t i = 0; i < c->n; i++) {
    const char *why;
    int r = ottl_cond_eval(c->v[i], it, &why);
    if (r == 1) return 1;
    if (r == 0) continue;
    if (f->mode == FILTER_PROPAGATE) {
      f->error = why;
      return -1;
    }
    /* ignore: the condition counts as false and the next one is tried */
    if (f->mode == FILTER_IGNORE)
      otlpd_warn(&f->host->log, "failed to evaluate a %s condition, ignoring: %s", ottl_context_name(ctx), why);
  }
  return 0;
}

static int grow_entries(filter_proc *f, size_t n) {
  if (n <= f->cap_entry) return 0;
  size_t cap = f->cap_entry ? f->cap_entry : 16;
  while (cap < n) cap *= 2;
  size_t *a = realloc(f->entry_first, cap * sizeof(*a));
  if (!a) return -ENOMEM;
  f->entry_first = a;
  size_t *k = realloc(f->entry_kept, cap * sizeof(*k));
  if (!k) return -ENOMEM;
  f->entry_kept = k;
  bool *e = realloc(f->entry_edit, cap * sizeof(*e));
  if (!e) return -ENOMEM;
  f->entry_edit = e;
  bool *a2 = realloc(f->entry_alive, cap * sizeof(*a2));
  if (!a2) return -ENOMEM;
  f->entry_alive = a2;
  f->cap_entry = cap;
  return 0;
}

static long eval_entry(filter_proc *f, void *res, bool *edit, bool *alive) {
  switch (f->signal) {
  case OTLPD_TRACES: return filter_traces_eval(f, res, edit, alive);
  case OTLPD_METRICS: return filter_metrics_eval(f, res, edit, alive);
  default: return filter_logs_eval(f, res, edit, alive);
  }
}

static int apply_entry(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v) {
  switch (f->signal) {
  case OTLPD_TRACES: return filter_traces_apply(f, b, e, v);
  case OTLPD_METRICS: return filter_metrics_apply(f, b, e, v);
  default: return filter_logs_apply(f, b, e, v);
  }
}

/* The kept entries of `in` as an editable batch, pruned. NULL on ENOMEM. */
static otlpd_batch *filtered(filter_proc *f, const otlpd_batch *in, size_t kept) {
  otlpd_batch *k = otlpd_batch_new(in->signal, in->acct);
  if (!k || otlpd_batch_reserve(k, in->n)) goto fail;
  for (size_t i = 0; i < in->n; i++)
    if (f->entry_alive[i] && otlpd_batch_add_raw(k, in->resources[i], in->owners[i], in->counts[i], in->raw[i]))
      goto fail;
  otlpd_batch *mine = otlpd_batch_edit(f->host, k);
  otlpd_batch_unref(k);
  if (!mine) return NULL;
  for (size_t i = 0, w = 0; i < in->n; i++) {
    if (!f->entry_alive[i]) continue;
    size_t e = w++;
    if (!f->entry_edit[i]) continue;
    if (apply_entry(f, mine, e, f->verdict + f->entry_first[i])) {
      otlpd_batch_unref(mine);
      return NULL;
    }
    mine->counts[e] = f->entry_kept[i];
  }
  mine->items = kept;
  return mine;
fail:
  if (k) otlpd_batch_unref(k);
  return NULL;
}

static void count(filter_proc *f, size_t in, size_t out) {
  otlpd_counters *c = f->host->counters;
  for (int k = 0; k < FILTER_N_KINDS; k++) f->dropped[k] += f->pending[k];
  otlpd_count(&c->incoming[f->signal], in);
  otlpd_count(&c->outgoing[f->signal], out);
  otlpd_count(&c->dropped[f->signal], in - out);
}

static int filter_consume(otlpd_consumer *self, otlpd_batch *in) {
  filter_proc *f = (filter_proc *)self;
  if (grow_entries(f, in->n)) return OTLPD_ERR_RETRY;
  f->n_verdict = 0;
  f->error = NULL;
  memset(f->pending, 0, sizeof(f->pending));
  size_t kept = 0, total = 0;
  bool edit = false;
  for (size_t i = 0; i < in->n; i++) {
    f->entry_first[i] = f->n_verdict;
    f->entry_edit[i] = false;
    f->entry_alive[i] = false;
    long k = eval_entry(f, in->resources[i], &f->entry_edit[i], &f->entry_alive[i]);
    f->entry_alive[i] |= !f->entry_edit[i];
    if (k == -ENOMEM) return OTLPD_ERR_RETRY;
    if (k < 0) {
      otlpd_error(&f->host->log, "failed to evaluate a condition, refusing the batch (error_mode: propagate): %s",
                  f->error ? f->error : "error");
      return OTLPD_ERR_PERMANENT;
    }
    f->entry_kept[i] = (size_t)k;
    kept += (size_t)k;
    total += in->counts[i];
    edit |= f->entry_edit[i];
  }
  if (!edit) {
    int rc = otlpd_consume(f->next, in);
    if (rc == OTLPD_OK) count(f, total, total);
    return rc;
  }
  bool any = false;
  for (size_t i = 0; i < in->n && !any; i++) any = f->entry_alive[i];
  if (!any) { /* everything filtered: nothing goes on, the client hears OK */
    count(f, total, 0);
    return OTLPD_OK;
  }
  otlpd_batch *out = filtered(f, in, kept);
  if (!out) return OTLPD_ERR_RETRY;
  int rc = otlpd_consume(f->next, out);
  otlpd_batch_unref(out);
  if (rc == OTLPD_OK) count(f, total, kept);
  return rc;
}

static int filter_admit(otlpd_consumer *self, const otlpd_batch *b) {
  return otlpd_admit(((filter_proc *)self)->next, b);
}

static int create(const otlpd_create_params *p, void **state) {
  filter_proc *f = calloc(1, sizeof(*f));
  if (!f) return -ENOMEM;
  const filter_cfg *c = p->config;
  f->base.consume = filter_consume;
  f->base.admit = filter_admit;
  f->host = p->host;
  f->signal = p->signal;
  f->next = p->next[p->signal];
  f->mode = (filter_error_mode)c->error_mode;
  int rc = filter_rules_build(c, p->signal, p->host->id ? p->host->id : "filter", &f->rules, NULL);
  if (rc) {
    free(f);
    return rc;
  }
  *state = f;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((filter_proc *)state)->base; }

static void shutdown_(void *state) {
  filter_proc *f = state;
  const uint64_t *d = f->dropped;
  if (d[F_SPANS] || d[F_EVENTS] || d[F_METRICS] || d[F_POINTS] || d[F_LOGS])
    otlpd_info(&f->host->log, "filtered: %llu spans, %llu span events, %llu metrics, %llu data points, "
               "%llu log records", (unsigned long long)d[F_SPANS], (unsigned long long)d[F_EVENTS],
               (unsigned long long)d[F_METRICS], (unsigned long long)d[F_POINTS], (unsigned long long)d[F_LOGS]);
}

static void destroy(void *state) {
  filter_proc *f = state;
  filter_rules_free(&f->rules);
  free(f->verdict);
  free(f->entry_first);
  free(f->entry_kept);
  free(f->entry_edit);
  free(f->entry_alive);
  free(f);
}

const otlpd_factory otlpd_processor_filter = {
    .type = "filter",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = filter_settings,
    .config_size = sizeof(filter_cfg),
    .doc = "drops spans, span events, metrics, data points and log records matching OTTL conditions",
    .mutates_data = true,
    .validate = filter_validate,
    .create = create,
    .consumer = consumer,
    .shutdown = shutdown_,
    .destroy = destroy,
};
