/* transform processor, lite: otelcol-contrib's transformprocessor with the
 * editors set, delete_key, delete_matching_keys, replace_pattern,
 * truncate_all and limit (collector/ottl/ottl_stmt.c), each with an
 * optional `where` condition, in the span, spanevent, log, metric and
 * datapoint contexts. Edits go through the copy-on-write API of data.h:
 * an item is copied only when a statement would change it, and a batch
 * nothing changes passes on as it came. */
#ifndef OTLPD_TRANSFORM_H
#define OTLPD_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/component.h"
#include "ottl/ottl.h"

/* One element of *_statements: a {context, statements} map, or a flat
 * statement string (context inferred from its paths). */
typedef struct tf_group_cfg {
  char *flat;          /* the element was a plain string */
  char *context;
  otlpd_strings statements;
  otlpd_strings conditions;
  char *error_mode;    /* NULL: the processor's */
} tf_group_cfg;

typedef struct transform_cfg {
  int error_mode; /* 0 propagate, 1 ignore, 2 silent */
  otlpd_sections trace_statements, metric_statements, log_statements; /* tf_group_cfg */
} transform_cfg;

extern const otlpd_setting transform_settings[];
int transform_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

typedef struct tf_group {
  ottl_context ctx;
  int error_mode;
  ottl_cond **conds; /* any true: the statements run; none: always */
  size_t n_conds;
  ottl_stmt **stmts;
  size_t n_stmts;
} tf_group;

typedef struct tf_rules {
  tf_group *v;
  size_t n;
} tf_rules;

int tf_rules_build(const transform_cfg *c, otlpd_signal s, const char *path, tf_rules *out,
                   struct otlpd_errors *errs);
void tf_rules_free(tf_rules *r);

/* Where a statement's item sits in a batch: entry, scope, item and the
 * event / data point within it (x, for spanevent and datapoint). */
typedef struct tf_pos {
  size_t i, j, k, x;
} tf_pos;

typedef struct transform_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  tf_rules rules;
  const otlpd_batch *in; /* the batch in hand */
  otlpd_batch *mine;     /* its edited copy, made on the first change */
  void **owned;          /* private spans / metrics whose events / points were copied */
  size_t n_owned, cap_owned;
  const char *error;
} transform_proc;

/* transform_edit.c: run one statement on the item at pos. 0, -1 on an
 * evaluation error (p->error), -ENOMEM. */
int tf_run(transform_proc *p, const tf_group *g, ottl_stmt *s, const tf_pos *pos);
/* The item at pos as the current batch holds it. */
void tf_view(const transform_proc *p, ottl_context ctx, const tf_pos *pos, ottl_item *it);

#endif
