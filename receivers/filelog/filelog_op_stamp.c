/* time_parser and severity_parser: set the record's time or severity from
 * a field. */
#include <stdlib.h>

#include "filelog.h"

typedef struct stamp_op {
  fl_op base;
  fl_time_spec ts;
  fl_sev_spec sev;
} stamp_op;

static int time_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  (void)c;
  return fl_time_apply(&((stamp_op *)base)->ts, e);
}

static int sev_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  (void)c;
  return fl_sev_apply(&((stamp_op *)base)->sev, e);
}

static void op_free(fl_op *base) {
  stamp_op *op = (stamp_op *)base;
  if (op->ts.set) fl_time_spec_free(&op->ts);
  if (op->sev.set) fl_sev_spec_free(&op->sev);
  free(op);
}

fl_op *fl_op_time_new(const fl_op_cfg *c, char *why, size_t whylen) {
  stamp_op *op = calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->base.apply = time_apply;
  op->base.free = op_free;
  if (fl_time_spec_init(&op->ts, c->parse_from, c->layout, c->layout_type, why, whylen) < 0) {
    free(op);
    return NULL;
  }
  return &op->base;
}

fl_op *fl_op_severity_new(const fl_op_cfg *c, char *why, size_t whylen) {
  stamp_op *op = calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->base.apply = sev_apply;
  op->base.free = op_free;
  if (fl_sev_spec_init(&op->sev, c->parse_from, &c->mapping, why, whylen) < 0) {
    free(op);
    return NULL;
  }
  return &op->base;
}
