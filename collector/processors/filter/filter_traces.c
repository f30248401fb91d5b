/* filter on traces: span conditions, then spanevent conditions on the
 * spans kept (filterprocessor traces.go). A span whose events are all
 * dropped stays; a scope without spans left, and a resource without
 * scopes, go. */
#include <errno.h>
#include <string.h>

#include "filter.h"

long filter_traces_eval(filter_proc *f, void *res, bool *edit, bool *alive) {
  otlp_resource_spans *rs = res;
  bool by_span = f->rules.ctx[OTTL_SPAN].n > 0, by_event = f->rules.ctx[OTTL_SPANEVENT].n > 0;
  ottl_item it = {.resource = rs->resource};
  long kept = 0;
  for (size_t j = 0; j < rs->n_scope_spans; j++) {
    const otlp_scope_spans *ss = rs->scope_spans[j];
    it.scope = ss->scope;
    for (size_t k = 0; k < ss->n_spans; k++) {
      it.span = ss->spans[k];
      it.event = NULL;
      int d = by_span ? filter_match(f, OTTL_SPAN, &it) : 0;
      if (d < 0) return -1;
      if (filter_push(f, (uint8_t)d)) return -ENOMEM;
      if (d) {
        *edit = true;
        f->pending[F_SPANS]++;
        continue;
      }
      kept++;
      *alive = true;
      for (size_t e = 0; by_event && e < it.span->n_events; e++) {
        it.event = it.span->events[e];
        d = filter_match(f, OTTL_SPANEVENT, &it);
        if (d < 0) return -1;
        if (filter_push(f, (uint8_t)d)) return -ENOMEM;
        *edit |= d;
        f->pending[F_EVENTS] += (uint64_t)d;
      }
    }
  }
  return kept;
}

/* Keep the events of a span private to entry e that v says to keep. */
static int prune_events(otlpd_batch *b, size_t e, otlp_span *sp, const uint8_t *v) {
  size_t keep = 0;
  for (size_t x = 0; x < sp->n_events; x++) keep += !v[x];
  if (keep == sp->n_events) return 0;
  otlp_span_event **arr = keep ? otlpd_batch_alloc(b, e, keep * sizeof(*arr)) : NULL;
  if (keep && !arr) return -ENOMEM;
  for (size_t x = 0, m = 0; x < sp->n_events; x++)
    if (!v[x]) arr[m++] = sp->events[x];
  sp->events = arr;
  sp->n_events = keep;
  return 0;
}

/* Verdicts of one scope: spans kept, and whether anything is dropped. */
static size_t scan_scope(const otlp_scope_spans *ss, bool by_event, const uint8_t *v, size_t *pos, bool *change) {
  size_t keep = 0;
  for (size_t k = 0; k < ss->n_spans; k++) {
    if (v[(*pos)++]) {
      *change = true;
      continue;
    }
    keep++;
    for (size_t x = 0; by_event && x < ss->spans[k]->n_events; x++) *change |= v[(*pos)++];
  }
  return keep;
}

int filter_traces_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v) {
  bool by_event = f->rules.ctx[OTTL_SPANEVENT].n > 0;
  otlp_resource_spans *rs = otlpd_batch_mut_scopes(b, e);
  if (!rs) return -ENOMEM;
  size_t pos = 0, w = 0, n = rs->n_scope_spans;
  for (size_t j = 0; j < n; j++) {
    otlp_scope_spans *ss = rs->scope_spans[j];
    size_t start = pos;
    bool change = false;
    size_t keep = scan_scope(ss, by_event, v, &pos, &change);
    if (keep == 0 && ss->n_spans > 0) continue;
    if (change) {
      if (!(ss = otlpd_batch_mut_items(b, e, j))) return -ENOMEM;
      size_t m = 0, p = start;
      for (size_t k = 0; k < ss->n_spans; k++) {
        otlp_span *sp = ss->spans[k];
        if (v[p++]) continue;
        if (by_event) {
          size_t ne = sp->n_events; /* before pruning */
          if (prune_events(b, e, sp, v + p)) return -ENOMEM;
          p += ne;
        }
        ss->spans[m++] = sp;
      }
      ss->n_spans = m;
    }
    rs->scope_spans[w++] = ss; /* w <= j: slots still to read are intact */
  }
  rs->n_scope_spans = w;
  return 0;
}
