/* transform processor settings: otelcol-contrib's keys
 * (transformprocessor config.go): error_mode and the three *_statements
 * lists, each element a {context, statements, conditions, error_mode} map
 * or a flat statement string whose context is inferred from its paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/config.h"
#include "transform.h"

static const char *const modes[] = {"propagate", "ignore", "silent", NULL};

static const otlpd_setting group_settings[] = {
    {".", OTLPD_SET_STRING, offsetof(tf_group_cfg, flat), NULL, "a flat statement (context inferred)", NULL,
     NULL, 0, 0, OTLPD_NO_OFFSET, 0},
    OTLPD_S_STRING(tf_group_cfg, "context", context, NULL, "span, spanevent, log, metric or datapoint"),
    OTLPD_S_STRINGS(tf_group_cfg, "statements", statements, "statements run in order on each item"),
    OTLPD_S_STRINGS(tf_group_cfg, "conditions", conditions, "the statements run on items any of these match"),
    OTLPD_S_STRING(tf_group_cfg, "error_mode", error_mode, NULL, "this group's error_mode (default: the processor's)"),
    OTLPD_S_END,
};

const otlpd_setting transform_settings[] = {
    OTLPD_S_ENUM(transform_cfg, "error_mode", error_mode, "propagate", modes,
                 "on an evaluation error: propagate (refuse the batch), ignore (log, skip the statement), silent"),
    OTLPD_S_SECTIONS(transform_cfg, "trace_statements", trace_statements, tf_group_cfg, group_settings,
                     "statement groups for traces (span, spanevent)"),
    OTLPD_S_SECTIONS(transform_cfg, "metric_statements", metric_statements, tf_group_cfg, group_settings,
                     "statement groups for metrics (metric, datapoint)"),
    OTLPD_S_SECTIONS(transform_cfg, "log_statements", log_statements, tf_group_cfg, group_settings,
                     "statement groups for logs (log)"),
    OTLPD_S_END,
};

static const char *const sig_key[OTLPD_SIGNAL_COUNT] = {"trace_statements", "metric_statements", "log_statements"};

static int context_of(const char *name, otlpd_signal s, ottl_context *out) {
  static const struct {
    const char *name;
    otlpd_signal s;
    ottl_context c;
  } t[] = {{"span", OTLPD_TRACES, OTTL_SPAN}, {"spanevent", OTLPD_TRACES, OTTL_SPANEVENT},
           {"metric", OTLPD_METRICS, OTTL_METRIC}, {"datapoint", OTLPD_METRICS, OTTL_DATAPOINT},
           {"log", OTLPD_LOGS, OTTL_LOG}};
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (name && !strcmp(name, t[i].name) && t[i].s == s) {
      *out = t[i].c;
      return 0;
    }
  return -1;
}

static int mode_of(const char *m, int def) {
  for (int i = 0; m && modes[i]; i++)
    if (!strcmp(m, modes[i])) return i;
  return m ? -1 : def;
}

static int push_stmt(tf_group *g, ottl_stmt *s) {
  ottl_stmt **v = realloc(g->stmts, (g->n_stmts + 1) * sizeof(*v));
  if (!v) {
    ottl_stmt_free(s);
    return -ENOMEM;
  }
  g->stmts = v;
  g->stmts[g->n_stmts++] = s;
  return 0;
}

static int push_cond(tf_group *g, ottl_cond *c) {
  ottl_cond **v = realloc(g->conds, (g->n_conds + 1) * sizeof(*v));
  if (!v) {
    ottl_cond_free(c);
    return -ENOMEM;
  }
  g->conds = v;
  g->conds[g->n_conds++] = c;
  return 0;
}

static int stmt(tf_group *g, const char *src, bool flat, const char *p, otlpd_errors *errs) {
  ottl_error err;
  ottl_stmt *s = ottl_stmt_compile(src, g->ctx, flat, &err);
  if (!s) {
    if (errs) otlpd_errorf(errs, "%s: \"%s\": column %d: %s", p, src, err.col, err.msg);
    return -EINVAL;
  }
  return push_stmt(g, s);
}

static int group(tf_group *g, const tf_group_cfg *gc, otlpd_signal s, int def_mode, const char *p,
                 otlpd_errors *errs) {
  char sub[600];
  memset(g, 0, sizeof(*g));
  if ((g->error_mode = mode_of(gc->error_mode, def_mode)) < 0) {
    if (errs) otlpd_errorf(errs, "%s::error_mode: \"%s\": propagate, ignore or silent", p, gc->error_mode);
    return -EINVAL;
  }
  if (gc->flat) {
    g->ctx = ottl_infer_context(gc->flat, s);
    return stmt(g, gc->flat, true, p, errs);
  }
  if (context_of(gc->context, s, &g->ctx)) {
    if (errs) otlpd_errorf(errs, "%s::context: \"%s\" is not supported here (%s)", p, gc->context ? gc->context : "",
                           s == OTLPD_TRACES ? "span or spanevent" : s == OTLPD_METRICS ? "metric or datapoint" : "log");
    return -EINVAL;
  }
  int rc = 0;
  for (size_t i = 0; i < gc->conditions.n; i++) {
    ottl_error err;
    ottl_cond *c = ottl_cond_compile(gc->conditions.v[i], g->ctx, false, &err);
    if (!c) {
      if (errs) otlpd_errorf(errs, "%s::conditions[%zu]: \"%s\": column %d: %s", p, i, gc->conditions.v[i], err.col,
                             err.msg);
      rc = -EINVAL;
    } else if (push_cond(g, c)) {
      return -ENOMEM;
    }
  }
  for (size_t i = 0; i < gc->statements.n; i++) {
    snprintf(sub, sizeof(sub), "%s::statements[%zu]", p, i);
    int e = stmt(g, gc->statements.v[i], false, sub, errs);
    if (e == -ENOMEM) return e;
    if (e) rc = e;
  }
  return rc;
}

static void group_free(tf_group *g) {
  for (size_t i = 0; i < g->n_stmts; i++) ottl_stmt_free(g->stmts[i]);
  for (size_t i = 0; i < g->n_conds; i++) ottl_cond_free(g->conds[i]);
  free(g->stmts);
  free(g->conds);
}

int tf_rules_build(const transform_cfg *c, otlpd_signal s, const char *path, tf_rules *out, otlpd_errors *errs) {
  const otlpd_sections *l = s == OTLPD_TRACES ? &c->trace_statements
                          : s == OTLPD_METRICS ? &c->metric_statements : &c->log_statements;
  memset(out, 0, sizeof(*out));
  out->v = calloc(l->n ? l->n : 1, sizeof(*out->v));
  if (!out->v) return -ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < l->n; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%s::%s[%zu]", path, sig_key[s], i);
    int e = group(&out->v[out->n], (const tf_group_cfg *)l->v + i, s, c->error_mode, p, errs);
    out->n++;
    if (e == -ENOMEM) {
      rc = e;
      break;
    }
    if (e) rc = e;
  }
  if (rc) tf_rules_free(out);
  return rc;
}

void tf_rules_free(tf_rules *r) {
  for (size_t i = 0; i < r->n; i++) group_free(&r->v[i]);
  free(r->v);
  r->v = NULL;
  r->n = 0;
}

int transform_validate(const void *config, const char *path, otlpd_errors *errs) {
  size_t before = errs->n;
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    tf_rules r;
    if (tf_rules_build(config, (otlpd_signal)s, path, &r, errs) == 0) tf_rules_free(&r);
  }
  return errs->n > before ? -EINVAL : 0;
}
