/* The ottl_condition policy (otelcol-contrib tailsamplingprocessor
 * internal/sampling/ottl.go): a trace is sampled when one of its spans
 * matches a span condition or one of their events a spanevent condition.
 * An evaluation error with error_mode propagate ends the policy with "not
 * sampled" (otelcol's Error decision keeps nothing); ignore / silent treat
 * the condition as false. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ottl/ottl.h"
#include "tail_sampling.h"

static int compile(tsamp_policy *p, int w, const otlpd_strings *l, ottl_context ctx, char *err, size_t errlen) {
  if (!l->n) return 0;
  if (!(p->ottl[w] = calloc(l->n, sizeof(*p->ottl[w])))) {
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
  }
  for (size_t i = 0; i < l->n; i++) {
    ottl_error e;
    ottl_cond *c = ottl_cond_compile(l->v[i], ctx, false, &e);
    if (!c) {
      snprintf(err, errlen, "%s[%zu]: \"%s\": column %d: %s", w ? "spanevent" : "span", i, l->v[i], e.col, e.msg);
      return -EINVAL;
    }
    p->ottl[w][p->n_ottl[w]++] = c;
  }
  return 0;
}

int tsamp_ottl_init(tsamp_policy *p, const tsamp_ottl_cfg *c, char *err, size_t errlen) {
  if (!c->span.n && !c->spanevent.n) {
    snprintf(err, errlen, "no span or spanevent conditions");
    return -EINVAL;
  }
  int rc = compile(p, 0, &c->span, OTTL_SPAN, err, errlen);
  if (!rc) rc = compile(p, 1, &c->spanevent, OTTL_SPANEVENT, err, errlen);
  if (rc) tsamp_ottl_fini(p);
  return rc;
}

void tsamp_ottl_fini(tsamp_policy *p) {
  for (int w = 0; w < 2; w++) {
    for (size_t i = 0; i < p->n_ottl[w]; i++) ottl_cond_free(p->ottl[w][i]);
    free(p->ottl[w]);
    p->ottl[w] = NULL;
    p->n_ottl[w] = 0;
  }
}

/* 1 a condition matched, 0 none, -1 an error to propagate */
static int any(const tsamp_policy *p, int w, const ottl_item *it) {
  for (size_t i = 0; i < p->n_ottl[w]; i++) {
    const char *why;
    int r = ottl_cond_eval(p->ottl[w][i], it, &why);
    if (r == 1) return 1;
    if (r < 0 && p->cfg->ottl_condition.error_mode == 0) return -1;
  }
  return 0;
}

tsamp_decision tsamp_ottl_eval(const tsamp_policy *p, const tsamp_trace_view *t) {
  for (size_t i = 0; i < t->req->n_resource_spans; i++) {
    const otlp_resource_spans *rs = t->req->resource_spans[i];
    ottl_item it = {.resource = rs->resource};
    for (size_t j = 0; j < rs->n_scope_spans; j++) {
      it.scope = rs->scope_spans[j]->scope;
      for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++) {
        it.span = rs->scope_spans[j]->spans[k];
        it.event = NULL;
        int r = any(p, 0, &it);
        if (r) return r > 0 ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
        for (size_t e = 0; p->n_ottl[1] && e < it.span->n_events; e++) {
          it.event = it.span->events[e];
          if ((r = any(p, 1, &it))) return r > 0 ? TSAMP_SAMPLED : TSAMP_NOT_SAMPLED;
        }
      }
    }
  }
  return TSAMP_NOT_SAMPLED;
}
