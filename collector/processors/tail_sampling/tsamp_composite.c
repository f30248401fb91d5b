/* The composite policy, as otelcol-contrib's
 * (processor/tailsamplingprocessor/composite_helper.go for the allocations,
 * internal/sampling/composite.go for the decision):
 *
 * - each sub-policy gets percent / 100 × max_total_spans_per_second spans
 *   per second from its rate_allocation entry (percent 0: an equal share,
 *   max_total / number of sub-policies; no entry: nothing), truncated;
 * - sub-policies are tried in composite_sub_policy order; the first that
 *   samples (or inverted-samples) the trace decides: sampled when its
 *   count this second plus the trace's spans stays within both its share
 *   and max_total_spans_per_second, else not sampled (later sub-policies
 *   are not tried, and the count is left as it was);
 * - counts restart each wall-clock second. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tail_sampling.h"

static int64_t allocation(const tsamp_composite_cfg *c, const char *name) {
  const tsamp_alloc_cfg *a = c->rate_allocation.v;
  double total = (double)c->max_total_spans_per_second, share = -1;
  for (size_t i = 0; i < c->rate_allocation.n; i++) /* the last entry for a name wins */
    if (a[i].policy && name && !strcmp(a[i].policy, name))
      share = a[i].percent > 0 ? (double)a[i].percent / 100 * total : total / (double)c->subs.n;
  return share < 0 ? 0 : (int64_t)share;
}

int tsamp_composite_init(tsamp_policy *p, const tsamp_composite_cfg *c, char *err, size_t errlen) {
  int rc = tsamp_subs_init(p, &c->subs, true, err, errlen);
  if (rc) return rc;
  p->alloc = calloc(p->n_subs, sizeof(*p->alloc));
  p->used = calloc(p->n_subs, sizeof(*p->used));
  if (!p->alloc || !p->used) {
    snprintf(err, errlen, "out of memory");
    tsamp_policy_fini(p);
    return -ENOMEM;
  }
  const tsamp_policy_cfg *sc = c->subs.v;
  for (size_t i = 0; i < p->n_subs; i++) p->alloc[i] = allocation(c, sc[i].name);
  return 0;
}

tsamp_decision tsamp_composite_eval(tsamp_policy *p, const tsamp_trace_view *t) {
  if (p->rate_second != t->now_sec) {
    p->rate_second = t->now_sec;
    memset(p->used, 0, p->n_subs * sizeof(*p->used));
  }
  int64_t max_total = p->cfg->composite.max_total_spans_per_second;
  for (size_t i = 0; i < p->n_subs; i++) {
    tsamp_decision d = tsamp_policy_eval(&p->subs[i], t);
    if (d != TSAMP_SAMPLED && d != TSAMP_INVERT_SAMPLED) continue;
    int64_t after = p->used[i] + (int64_t)t->spans;
    if (after > p->alloc[i] || after > max_total) return TSAMP_NOT_SAMPLED;
    p->used[i] = after;
    return TSAMP_SAMPLED;
  }
  return TSAMP_NOT_SAMPLED;
}
