/* filter on logs: log_record conditions (filterprocessor logs.go). */
#include <errno.h>

#include "filter.h"

long filter_logs_eval(filter_proc *f, void *res, bool *edit, bool *alive) {
  otlp_resource_logs *rl = res;
  bool any = f->rules.ctx[OTTL_LOG].n > 0;
  ottl_item it = {.resource = rl->resource};
  long kept = 0;
  for (size_t j = 0; j < rl->n_scope_logs; j++) {
    const otlp_scope_logs *sl = rl->scope_logs[j];
    it.scope = sl->scope;
    for (size_t k = 0; k < sl->n_log_records; k++) {
      it.log = sl->log_records[k];
      int d = any ? filter_match(f, OTTL_LOG, &it) : 0;
      if (d < 0) return -1;
      if (filter_push(f, (uint8_t)d)) return -ENOMEM;
      *edit |= d;
      *alive |= !d;
      f->pending[F_LOGS] += (uint64_t)d;
      kept += !d;
    }
  }
  return kept;
}

int filter_logs_apply(filter_proc *f, otlpd_batch *b, size_t e, const uint8_t *v) {
  (void)f;
  otlp_resource_logs *rl = otlpd_batch_mut_scopes(b, e);
  if (!rl) return -ENOMEM;
  size_t pos = 0, w = 0, n = rl->n_scope_logs;
  for (size_t j = 0; j < n; j++) {
    otlp_scope_logs *sl = rl->scope_logs[j];
    size_t start = pos, keep = 0;
    for (size_t k = 0; k < sl->n_log_records; k++) keep += !v[pos++];
    if (keep == 0 && sl->n_log_records > 0) continue;
    if (keep < sl->n_log_records) {
      if (!(sl = otlpd_batch_mut_items(b, e, j))) return -ENOMEM;
      size_t m = 0;
      for (size_t k = 0; k < sl->n_log_records; k++)
        if (!v[start + k]) sl->log_records[m++] = sl->log_records[k];
      sl->n_log_records = m;
    }
    rl->scope_logs[w++] = sl;
  }
  rl->n_scope_logs = w;
  return 0;
}
