/* Grouping the spans of arriving batches by trace id into held traces.
 * Per resource entry, spans are tagged with their trace's ring position,
 * sorted by it, and each run is encoded as one ResourceSpans holding the
 * resource, the scopes involved and that trace's spans only (shallow
 * views over the borrowed batch, encoded with protobuf-c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsamp_proc.h"

static int cmp_ref(const void *a, const void *b) {
  const tsamp_ref *x = a, *y = b;
  if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
  if (x->j != y->j) return x->j < y->j ? -1 : 1;
  return x->k < y->k ? -1 : x->k > y->k;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * elem);
  if (!q) return -ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

/* Append one field-1 entry (tag, length, ResourceSpans) to h; charge what
 * the buffer grew by when it is a held trace. */
int tsamp_held_append(tsamp_proc *ps, tsamp_held *h, const otlp_resource_spans *rs, bool charge) {
  size_t sz = protobuf_c_message_get_packed_size(&rs->base);
  size_t need = (size_t)h->len + 1 + 10 + sz;
  if (need > UINT32_MAX) return -ENOMEM;
  if (need > h->cap) {
    size_t cap = need + need / 4; /* modest slack: the buffer's tail is held for decision_wait */
    uint8_t *p = realloc(h->enc, cap);
    if (!p) return -ENOMEM;
    if (charge) {
      otlpd_memacct_charge(ps->host->mem, cap - h->cap);
      ps->charged += cap - h->cap;
    }
    h->enc = p;
    h->cap = (uint32_t)cap;
  }
  h->enc[h->len++] = 0x0a; /* field 1, length-delimited */
  h->len += (uint32_t)otlpd_varint_put(h->enc + h->len, sz);
  h->len += (uint32_t)protobuf_c_message_pack(&rs->base, h->enc + h->len);
  return 0;
}

/* The spans of refs[a, b) (one trace, sorted by scope) as a view of rs. */
static int encode_run(tsamp_proc *ps, const otlp_resource_spans *rs, size_t a, size_t b, tsamp_held *h,
                      bool charge) {
  if (grow((void **)&ps->spans, &ps->spans_cap, b - a, sizeof(*ps->spans))) return -ENOMEM;
  size_t ns = 0;
  for (size_t x = a; x < b; x++) ns += x == a || ps->refs[x].j != ps->refs[x - 1].j;
  size_t cap = ps->sc_cap;
  if (grow((void **)&ps->scv, &cap, ns, sizeof(*ps->scv))) return -ENOMEM;
  cap = ps->sc_cap;
  if (grow((void **)&ps->scp, &cap, ns, sizeof(*ps->scp))) return -ENOMEM;
  ps->sc_cap = cap;
  size_t s = 0;
  for (size_t x = a; x < b; x++) {
    const tsamp_ref *r = &ps->refs[x];
    if (x == a || r->j != ps->refs[x - 1].j) {
      ps->scv[s] = *rs->scope_spans[r->j];
      ps->scv[s].spans = &ps->spans[x - a];
      ps->scv[s].n_spans = 0;
      ps->scp[s] = &ps->scv[s];
      s++;
    }
    ps->spans[x - a] = rs->scope_spans[r->j]->spans[r->k];
    ps->scv[s - 1].n_spans++;
  }
  otlp_resource_spans v = *rs;
  v.n_scope_spans = ns;
  v.scope_spans = ps->scp;
  return tsamp_held_append(ps, h, &v, charge);
}

/* Encode the refs gathered for resource rs into their traces. */
static int flush_refs(tsamp_proc *ps, const otlp_resource_spans *rs) {
  qsort(ps->refs, ps->n_refs, sizeof(*ps->refs), cmp_ref);
  for (size_t a = 0, b; a < ps->n_refs; a = b) {
    uint32_t pos = ps->refs[a].pos;
    for (b = a + 1; b < ps->n_refs && ps->refs[b].pos == pos; b++) {
    }
    bool late = pos == TSAMP_LATE;
    tsamp_held *h = late ? &ps->late : &ps->held[pos];
    if (encode_run(ps, rs, a, b, h, !late)) return -ENOMEM;
    h->spans += (uint32_t)(b - a);
  }
  ps->n_refs = 0;
  return 0;
}

/* The ring position of span's trace, a new one when unseen; TSAMP_LATE for
 * a trace kept already; -1 for one dropped already. */
static long place(tsamp_proc *ps, const otlp_resource_spans *rs, const otlp_span *sp, int *err) {
  uint8_t id[16] = {0};
  memcpy(id, sp->trace_id.data, sp->trace_id.len < 16 ? sp->trace_id.len : 16);
  long pos = tsamp_idset_find(&ps->traces, id);
  if (pos >= 0) return pos;
  if (tsamp_idset_find(&ps->sampled, id) >= 0) return TSAMP_LATE;
  if (tsamp_idset_find(&ps->not_sampled, id) >= 0) return -1;
  if (tsamp_idset_full(&ps->traces)) {
    /* the head's slot is reused: what this entry gathered goes first */
    if ((*err = flush_refs(ps, rs))) return -1;
    tsamp_decide_head(ps, (int64_t)time(NULL));
  }
  size_t p = tsamp_idset_push(&ps->traces, id);
  tsamp_held *h = &ps->held[p];
  h->len = 0;
  h->spans = 0;
  h->first_ms = uv_now(ps->host->loop);
  return (long)p;
}

static int hold_entry(tsamp_proc *ps, const otlp_resource_spans *rs) {
  ps->n_refs = 0;
  for (size_t j = 0; j < rs->n_scope_spans; j++) {
    const otlp_scope_spans *sc = rs->scope_spans[j];
    for (size_t k = 0; k < sc->n_spans; k++) {
      int err = 0;
      long pos = place(ps, rs, sc->spans[k], &err);
      if (err) return err;
      if (pos < 0) {
        otlpd_count(&ps->host->counters->dropped[OTLPD_TRACES], 1);
        continue;
      }
      if (grow((void **)&ps->refs, &ps->refs_cap, ps->n_refs + 1, sizeof(*ps->refs))) return -ENOMEM;
      ps->refs[ps->n_refs++] = (tsamp_ref){(uint32_t)pos, (uint32_t)j, (uint32_t)k};
    }
  }
  return flush_refs(ps, rs);
}

int tsamp_hold_batch(tsamp_proc *ps, const otlpd_batch *in) {
  for (size_t i = 0; i < in->n; i++) {
    int rc = hold_entry(ps, in->resources[i]);
    if (rc) return rc;
  }
  return 0;
}
