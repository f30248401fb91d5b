/* move, add and remove: field edits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

typedef struct field_op {
  fl_op base;
  fl_field a, b;
  otlpd_value value; /* add: borrowed from the config */
} field_op;

static void op_free(fl_op *base) {
  field_op *op = (field_op *)base;
  fl_field_free(&op->a);
  fl_field_free(&op->b);
  free(op);
}

static int move_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  field_op *op = (field_op *)base;
  otlp_any_value *v;
  if (fl_field_del(c->arena, e, &op->a, &v) < 0 || !v) return -ENOENT;
  return fl_field_set(c->arena, e, &op->b, v);
}

static int remove_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  field_op *op = (field_op *)base;
  return fl_field_del(c->arena, e, &op->a, NULL);
}

static otlp_any_value *value_of(otlpd_arena *a, const otlpd_value *cv) {
  otlp_any_value *v;
  switch (cv->kind) {
  case OTLPD_VALUE_INT: return fl_int_value(a, cv->i);
  case OTLPD_VALUE_DOUBLE:
  case OTLPD_VALUE_BOOL:
    if (!(v = fl_int_value(a, 0))) return NULL;
    if (cv->kind == OTLPD_VALUE_BOOL) {
      v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
      v->bool_value = cv->b;
    } else {
      v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
      v->double_value = cv->d;
    }
    return v;
  default: return fl_str_value(a, cv->s ? cv->s : "", cv->s ? strlen(cv->s) : 0);
  }
}

static int add_apply(fl_op *base, fl_opctx *c, fl_entry *e) {
  field_op *op = (field_op *)base;
  otlp_any_value *v = value_of(c->arena, &op->value);
  return v ? fl_field_set(c->arena, e, &op->a, v) : -ENOMEM;
}

static field_op *make(const char *key1, const char *f1, const char *key2, const char *f2, char *why,
                      size_t whylen) {
  field_op *op = calloc(1, sizeof(*op));
  if (!op) return NULL;
  op->base.free = op_free;
  if (!f1 || fl_field_parse(f1, &op->a) < 0 || (key2 && (!f2 || fl_field_parse(f2, &op->b) < 0))) {
    bool first = !f1 || !op->a.keys;
    const char *k = first ? key1 : key2, *f = first ? f1 : f2;
    snprintf(why, whylen, "%s: \"%s\" is not a field (body, attributes.x, resource.x)", k, f ? f : "");
    op_free(&op->base);
    return NULL;
  }
  return op;
}

fl_op *fl_op_move_new(const fl_op_cfg *c, char *why, size_t whylen) {
  field_op *op = make("from", c->from, "to", c->to, why, whylen);
  if (op) op->base.apply = move_apply;
  return op ? &op->base : NULL;
}

fl_op *fl_op_remove_new(const fl_op_cfg *c, char *why, size_t whylen) {
  field_op *op = make("field", c->field, NULL, NULL, why, whylen);
  if (op) op->base.apply = remove_apply;
  return op ? &op->base : NULL;
}

fl_op *fl_op_add_new(const fl_op_cfg *c, char *why, size_t whylen) {
  if (c->value.kind == OTLPD_VALUE_NONE) {
    snprintf(why, whylen, "value is required");
    return NULL;
  }
  field_op *op = make("field", c->field, NULL, NULL, why, whylen);
  if (!op) return NULL;
  op->base.apply = add_apply;
  op->value = c->value;
  return &op->base;
}
