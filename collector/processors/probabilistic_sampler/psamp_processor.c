/* probabilistic_sampler runtime (loop thread only).
 *
 * Decisions are pure functions of each item (psamp_decide.c), so the
 * processor holds no data: it counts what it keeps per resource entry,
 * then
 *  - passes the batch on as it came when everything is kept unchanged,
 *  - drops it (counted, reported OK) when nothing is,
 *  - otherwise makes its own batch without the emptied entries and
 *    prunes the partly kept ones (writing the OTEP 235 modes' new
 *    thresholds) through the copy-on-write API; entries kept whole and
 *    unchanged stay untouched, wire bytes included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probabilistic_sampler.h"

typedef struct psamp_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  psamp_rule rule;
  size_t *kept; /* per entry of the batch in hand; reused */
  bool *edit;   /* per entry: a kept item changes */
  size_t kept_cap;
} psamp_proc;

static size_t n_scopes(otlpd_signal s, const void *res) {
  return s == OTLPD_TRACES ? ((const otlp_resource_spans *)res)->n_scope_spans
                           : ((const otlp_resource_logs *)res)->n_scope_logs;
}

static void **scopes(otlpd_signal s, void *res) {
  return s == OTLPD_TRACES ? (void **)((otlp_resource_spans *)res)->scope_spans
                           : (void **)((otlp_resource_logs *)res)->scope_logs;
}

static void set_n_scopes(otlpd_signal s, void *res, size_t n) {
  if (s == OTLPD_TRACES) ((otlp_resource_spans *)res)->n_scope_spans = n;
  else ((otlp_resource_logs *)res)->n_scope_logs = n;
}

static size_t n_items(otlpd_signal s, const void *sc) {
  return s == OTLPD_TRACES ? ((const otlp_scope_spans *)sc)->n_spans
                           : ((const otlp_scope_logs *)sc)->n_log_records;
}

static void **items(otlpd_signal s, void *sc) {
  return s == OTLPD_TRACES ? (void **)((otlp_scope_spans *)sc)->spans
                           : (void **)((otlp_scope_logs *)sc)->log_records;
}

static void set_n_items(otlpd_signal s, void *sc, size_t n) {
  if (s == OTLPD_TRACES) ((otlp_scope_spans *)sc)->n_spans = n;
  else ((otlp_scope_logs *)sc)->n_log_records = n;
}

/* The verdict on one item; `out` takes its new tracestate / threshold. */
static psamp_verdict verdict(const psamp_proc *ps, const void *item, char *out) {
  return ps->signal == OTLPD_TRACES ? psamp_span(&ps->rule, item, out, PSAMP_TS_CAP)
                                    : psamp_log(&ps->rule, item, out, PSAMP_TS_CAP);
}

/* Items kept in one scope; *edit set when one of them changes. */
static size_t scope_kept(const psamp_proc *ps, void *sc, bool *edit) {
  char out[PSAMP_TS_CAP];
  size_t k = 0, n = n_items(ps->signal, sc);
  void **it = items(ps->signal, sc);
  for (size_t i = 0; i < n; i++) {
    psamp_verdict v = verdict(ps, it[i], out);
    k += v != PSAMP_DROP;
    *edit |= v == PSAMP_KEEP_EDIT;
  }
  return k;
}

static size_t entry_kept(const psamp_proc *ps, void *res, bool *edit) {
  size_t k = 0, n = n_scopes(ps->signal, res);
  void **sc = scopes(ps->signal, res);
  for (size_t j = 0; j < n; j++) k += scope_kept(ps, sc[j], edit);
  return k;
}

/* sampling.threshold = tv on a log record private to entry i. */
static int set_threshold_attr(otlpd_batch *b, size_t i, otlp_log_record *lr, const char *tv) {
  if (otlpd_batch_own_attrs(b, i, &lr->n_attributes, &lr->attributes)) return -ENOMEM;
  char *s = otlpd_batch_strdup(b, i, tv, strlen(tv));
  if (!s) return -ENOMEM;
  for (size_t k = 0; k < lr->n_attributes; k++) {
    otlp_key_value *kv = lr->attributes[k];
    if (kv->key && !strcmp(kv->key, "sampling.threshold") && kv->value) {
      kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
      kv->value->string_value = s;
      return 0;
    }
  }
  otlp_key_value **arr = otlpd_batch_alloc(b, i, (lr->n_attributes + 1) * sizeof(*arr));
  otlp_key_value *kv = otlpd_batch_alloc(b, i, sizeof(*kv));
  otlp_any_value *v = otlpd_batch_alloc(b, i, sizeof(*v));
  char *key = otlpd_batch_strdup(b, i, "sampling.threshold", strlen("sampling.threshold"));
  if (!arr || !kv || !v || !key) return -ENOMEM;
  opentelemetry__proto__common__v1__key_value__init(kv);
  opentelemetry__proto__common__v1__any_value__init(v);
  v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
  v->string_value = s;
  kv->key = key;
  kv->value = v;
  if (lr->n_attributes) memcpy(arr, lr->attributes, lr->n_attributes * sizeof(*arr));
  arr[lr->n_attributes++] = kv;
  lr->attributes = arr;
  return 0;
}

/* Write the new tracestate / threshold into a kept item private to entry i. */
static int apply_edit(const psamp_proc *ps, otlpd_batch *b, size_t i, void *item, const char *out) {
  if (ps->signal == OTLPD_LOGS) return set_threshold_attr(b, i, item, out);
  char *s = otlpd_batch_strdup(b, i, out, strlen(out));
  if (!s) return -ENOMEM;
  ((otlp_span *)item)->trace_state = s;
  return 0;
}

/* Compact a private item array to the kept items, editing those that
 * change. */
static int prune_scope(const psamp_proc *ps, otlpd_batch *b, size_t i, void *sc) {
  char out[PSAMP_TS_CAP];
  void **it = items(ps->signal, sc);
  size_t m = 0, total = n_items(ps->signal, sc);
  for (size_t x = 0; x < total; x++) {
    psamp_verdict v = verdict(ps, it[x], out);
    if (v == PSAMP_DROP) continue;
    if (v == PSAMP_KEEP_EDIT && apply_edit(ps, b, i, it[x], out)) return -ENOMEM;
    it[m++] = it[x];
  }
  set_n_items(ps->signal, sc, m);
  return 0;
}

/* Keep only the sampled items of entry i of the editable batch b (its
 * scope and item arrays made private first); emptied scopes go too. */
static int prune_entry(const psamp_proc *ps, otlpd_batch *b, size_t i, size_t kept) {
  otlpd_signal s = ps->signal;
  void *res = otlpd_batch_mut_scopes(b, i);
  if (!res) return -ENOMEM;
  size_t n = n_scopes(s, res), w = 0;
  for (size_t j = 0; j < n; j++) {
    void *sc = scopes(s, res)[j];
    bool edit = false;
    size_t k = scope_kept(ps, sc, &edit), total = n_items(s, sc);
    if (k == 0) continue;
    if (k < total || edit) {
      if (!(sc = otlpd_batch_mut_items(b, i, j)) || prune_scope(ps, b, i, sc)) return -ENOMEM;
    }
    scopes(s, res)[w++] = sc; /* w <= j: the slots still to read are intact */
  }
  set_n_scopes(s, res, w);
  b->counts[i] = kept; /* the batch is ours: its item counts follow the edit */
  return 0;
}

/* Entries with something kept, as a new (not yet editable) batch. */
static otlpd_batch *without_empty(const psamp_proc *ps, const otlpd_batch *in) {
  otlpd_batch *f = otlpd_batch_new(in->signal, in->acct);
  if (!f || otlpd_batch_reserve(f, in->n)) goto fail;
  for (size_t i = 0; i < in->n; i++)
    if (ps->kept[i] && otlpd_batch_add_raw(f, in->resources[i], in->owners[i], in->counts[i], in->raw[i]))
      goto fail;
  return f;
fail:
  if (f) otlpd_batch_unref(f);
  return NULL;
}

static int grow_kept(psamp_proc *ps, size_t n) {
  if (n <= ps->kept_cap) return 0;
  size_t cap = ps->kept_cap ? ps->kept_cap : 16;
  while (cap < n) cap *= 2;
  size_t *k = realloc(ps->kept, cap * sizeof(*k));
  if (!k) return -ENOMEM;
  ps->kept = k;
  bool *e = realloc(ps->edit, cap * sizeof(*e));
  if (!e) return -ENOMEM;
  ps->edit = e;
  ps->kept_cap = cap;
  return 0;
}

/* A batch with only the kept items: entries kept whole are shared with
 * `in` untouched, the others pruned on private copies. NULL on ENOMEM. */
static otlpd_batch *sampled_batch(psamp_proc *ps, const otlpd_batch *in, size_t kept) {
  otlpd_batch *f = without_empty(ps, in);
  if (!f) return NULL;
  otlpd_batch *mine = otlpd_batch_edit(ps->host, f);
  otlpd_batch_unref(f);
  if (!mine) return NULL;
  for (size_t i = 0, w = 0; i < in->n; i++) {
    if (!ps->kept[i]) continue;
    size_t e = w++; /* index of entry i in mine */
    if ((ps->kept[i] < in->counts[i] || ps->edit[i]) && prune_entry(ps, mine, e, ps->kept[i])) {
      otlpd_batch_unref(mine);
      return NULL;
    }
  }
  mine->items = kept;
  return mine;
}

static void count(const psamp_proc *ps, size_t in, size_t out) {
  otlpd_counters *c = ps->host->counters;
  otlpd_count(&c->incoming[ps->signal], in);
  otlpd_count(&c->outgoing[ps->signal], out);
  otlpd_count(&c->dropped[ps->signal], in - out);
}

static int psamp_consume(otlpd_consumer *self, otlpd_batch *in) {
  psamp_proc *ps = (psamp_proc *)self;
  if (grow_kept(ps, in->n)) return OTLPD_ERR_RETRY;
  size_t kept = 0, total = 0;
  bool edit = false;
  for (size_t i = 0; i < in->n; i++) {
    ps->edit[i] = false;
    ps->kept[i] = entry_kept(ps, in->resources[i], &ps->edit[i]);
    edit |= ps->edit[i];
    kept += ps->kept[i];
    total += in->counts[i];
  }
  if (kept == total && !edit) {
    int rc = otlpd_consume(ps->next, in);
    if (rc == OTLPD_OK) count(ps, total, kept);
    return rc;
  }
  if (kept == 0) { /* sampled out, not refused: the client hears OK */
    count(ps, total, 0);
    return OTLPD_OK;
  }
  otlpd_batch *out = sampled_batch(ps, in, kept);
  if (!out) return OTLPD_ERR_RETRY;
  int rc = otlpd_consume(ps->next, out);
  otlpd_batch_unref(out);
  if (rc == OTLPD_OK) count(ps, total, kept);
  return rc;
}

/* Sampling never refuses except for memory, so admission is downstream's. */
static int psamp_admit(otlpd_consumer *self, const otlpd_batch *b) {
  return otlpd_admit(((psamp_proc *)self)->next, b);
}

static int create(const otlpd_create_params *p, void **state) {
  psamp_proc *ps = calloc(1, sizeof(*ps));
  if (!ps) return -ENOMEM;
  const psamp_cfg *c = p->config;
  ps->base.consume = psamp_consume;
  ps->base.admit = psamp_admit;
  ps->host = p->host;
  ps->signal = p->signal;
  ps->next = p->next[p->signal];
  psamp_rule_init(&ps->rule, c, p->signal);
  *state = ps;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((psamp_proc *)state)->base; }

static void destroy(void *state) {
  psamp_proc *ps = state;
  free(ps->kept);
  free(ps->edit);
  free(ps);
}

const otlpd_factory otlpd_processor_probabilistic_sampler = {
    .type = "probabilistic_sampler",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_SIGNAL_BIT(OTLPD_TRACES) | OTLPD_SIGNAL_BIT(OTLPD_LOGS),
    .settings = psamp_settings,
    .config_size = sizeof(psamp_cfg),
    .doc = "keeps a percentage of traces (whole) and log records, deciding as otelcol-contrib does",
    .mutates_data = true,
    .validate = psamp_validate,
    .create = create,
    .consumer = consumer,
    .destroy = destroy,
};
