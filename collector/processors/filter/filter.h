/* filter processor: drops spans, span events, metrics, data points and
 * log records that any of its OTTL conditions (collector/ottl/) match, as
 * otelcol-contrib's filterprocessor. Emptied scopes and resources go too.
 * Edits go through the copy-on-write API of data.h; a batch where nothing
 * is dropped passes on as it came. */
#ifndef OTLPD_FILTER_H
#define OTLPD_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/component.h"
#include "ottl/ottl.h"

typedef enum { FILTER_PROPAGATE = 0, FILTER_IGNORE = 1, FILTER_SILENT = 2 } filter_error_mode;

/* The legacy include/exclude form: only metric_names is read. */
typedef struct filter_match_cfg {
  char *match_type;
  otlpd_strings metric_names;
  otlpd_strings other[6]; /* services ... expressions: refused */
} filter_match_cfg;

typedef struct filter_cfg {
  int error_mode; /* filter_error_mode */
  struct {
    otlpd_strings span, spanevent;
  } traces;
  struct {
    otlpd_strings metric, datapoint;
    filter_match_cfg include, exclude;
    bool has_include, has_exclude;
  } metrics;
  struct {
    otlpd_strings log_record;
    bool has_include, has_exclude;
  } logs;
  struct {
    bool has_include, has_exclude;
  } spans;
  otlpd_strings trace_conditions, metric_conditions, log_conditions;
  filter_match_cfg legacy[4]; /* logs / spans include, exclude: read to be refused */
} filter_cfg;

extern const otlpd_setting filter_settings[];
int filter_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* Compiled conditions per OTTL context (an item is dropped when one
 * matches). */
typedef struct filter_conds {
  ottl_cond **v;
  size_t n;
} filter_conds;

typedef struct filter_rules {
  filter_conds ctx[OTTL_CTX_COUNT];
} filter_rules;

/* Compile a validated config's conditions for one signal. On error,
 * reports through errs (when not NULL) with path and returns -EINVAL. */
int filter_rules_build(const filter_cfg *c, otlpd_signal s, const char *path, filter_rules *out,
                       struct otlpd_errors *errs);
void filter_rules_free(filter_rules *r);

typedef enum { F_SPANS, F_EVENTS, F_METRICS, F_POINTS, F_LOGS, FILTER_N_KINDS } filter_kind;

/* The running processor (loop thread only). */
typedef struct filter_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  filter_error_mode mode;
  filter_rules rules;
  /* verdicts of the batch in hand, in walk order (1 = drop); reused */
  uint8_t *verdict;
  size_t n_verdict, cap_verdict;
  size_t *entry_first; /* per entry: its first verdict */
  size_t *entry_kept;  /* per entry: items kept */
  bool *entry_edit;    /* per entry: something in it is dropped */
  bool *entry_alive;   /* per entry: something in it is kept */
  size_t cap_entry;
  const char *error;   /* a propagated evaluation error */
  /* what was dropped since start (otelcol_processor_filter_*.filtered),
   * and in the batch in hand until it is delivered */
  uint64_t dropped[FILTER_N_KINDS], pending[FILTER_N_KINDS];
} filter_proc;

/* 1 drop, 0 keep, -1 an error with error_mode propagate (f->error). */
int filter_match(filter_proc *f, ottl_context ctx, const ottl_item *it);
int filter_push(filter_proc *f, uint8_t v);

/* Per signal: evaluate one resource item into the verdicts (returns the
 * items kept, -1 on a propagated error or -ENOMEM; *edit when anything is
 * dropped, *alive when a span / metric / record is kept), and apply them
 * to entry e of the editable batch b (0 or -ENOMEM). */
long filter_traces_eval(filter_proc *f, void *res, bool *edit, bool *alive);
int filter_traces_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v);
long filter_metrics_eval(filter_proc *f, void *res, bool *edit, bool *alive);
int filter_metrics_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v);
long filter_logs_eval(filter_proc *f, void *res, bool *edit, bool *alive);
int filter_logs_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v);

#endif
