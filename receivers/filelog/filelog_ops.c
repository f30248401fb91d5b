/* The operator chain: built from `operators:` in order, run over each
 * file's entries in a cycle (worker thread; one cycle at a time, so
 * operators keep their scratch state without locks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"

static const struct {
  const char *type;
  fl_op_new_fn make;
} op_types[] = {
    {"container", fl_op_container_new},
    {"json_parser", fl_op_json_new},
    {"regex_parser", fl_op_regex_new},
    {"move", fl_op_move_new},
    {"add", fl_op_add_new},
    {"remove", fl_op_remove_new},
    {"severity_parser", fl_op_severity_new},
    {"time_parser", fl_op_time_new},
};

fl_op_new_fn fl_op_lookup(const char *type) {
  for (size_t i = 0; type && i < sizeof(op_types) / sizeof(op_types[0]); i++)
    if (!strcmp(type, op_types[i].type)) return op_types[i].make;
  return NULL;
}

int fl_on_error_parse(const char *s, fl_on_error *out) {
  static const char *const names[] = {"send", "send_quiet", "drop", "drop_quiet"};
  for (int i = 0; i < 4; i++)
    if (!s || !strcmp(s, names[i])) {
      *out = s ? (fl_on_error)i : FL_ON_ERR_SEND;
      return 0;
    }
  return -EINVAL;
}

int fl_ops_build(const filelog_cfg *c, fl_ops *out, char *why, size_t whylen) {
  memset(out, 0, sizeof(*out));
  const fl_op_cfg *v = c->operators.v;
  if (c->operators.n && !(out->v = calloc(c->operators.n, sizeof(*out->v)))) return -ENOMEM;
  for (size_t i = 0; i < c->operators.n; i++) {
    fl_op_new_fn make = fl_op_lookup(v[i].type);
    if (!make) {
      snprintf(why, whylen, "[%zu]: unknown operator type \"%s\"", i, v[i].type ? v[i].type : "");
      fl_ops_free(out);
      return -EINVAL;
    }
    fl_on_error oe;
    if (fl_on_error_parse(v[i].on_error, &oe) < 0) {
      snprintf(why, whylen, "[%zu] %s: on_error \"%s\" (send, send_quiet, drop, drop_quiet)", i, v[i].type,
               v[i].on_error);
      fl_ops_free(out);
      return -EINVAL;
    }
    char sub[200] = "";
    fl_op *op = make(&v[i], sub, sizeof(sub));
    if (!op) {
      snprintf(why, whylen, "[%zu] %s: %s", i, v[i].type, sub[0] ? sub : "out of memory");
      fl_ops_free(out);
      return -EINVAL;
    }
    for (size_t t = 0; t < sizeof(op_types) / sizeof(op_types[0]); t++)
      if (!strcmp(v[i].type, op_types[t].type)) op->type = op_types[t].type; /* static, outlives the config */
    op->on_error = oe;
    out->v[out->n++] = op;
  }
  return 0;
}

void fl_ops_free(fl_ops *o) {
  for (size_t i = 0; i < o->n; i++) o->v[i]->free(o->v[i]);
  free(o->v);
  o->v = NULL;
  o->n = 0;
}

/* Runs ops [from..] over one entry; false when the entry is dropped. */
static bool run_one(const fl_ops *o, size_t from, fl_opctx *c, fl_entry *e) {
  for (size_t i = from; i < o->n; i++) {
    int rc = o->v[i]->apply(o->v[i], c, e);
    if (rc == FL_OP_ABSORBED) return false;
    if (rc < 0 && (o->v[i]->on_error == FL_ON_ERR_DROP || o->v[i]->on_error == FL_ON_ERR_DROP_QUIET)) {
      e->drop = true;
      return false;
    }
  }
  return true;
}

void fl_ops_run(const fl_ops *o, fl_opctx *c, fl_entry *v, size_t *n) {
  size_t w = 0;
  for (size_t i = 0; i < *n; i++) {
    v[i].drop = false;
    if (run_one(o, 0, c, &v[i])) v[w++] = v[i];
  }
  /* an operator that held entries back emits (or holds) them now; what it
   * emits still goes through the operators after it */
  for (size_t i = 0; i < o->n; i++) {
    if (!o->v[i]->end_file) continue;
    bool have = false;
    fl_entry out;
    memset(&out, 0, sizeof(out));
    o->v[i]->end_file(o->v[i], c, &out, &have);
    if (have && run_one(o, i + 1, c, &out)) v[w++] = out;
  }
  *n = w;
}
