/* One poll cycle on a threadpool thread: scan, read, split, run the
 * operators and build the request. It owns the readers while it runs
 * (the loop thread does not touch them until after_work). */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filelog.h"
#include "filelog_read.h"

static int map_kvs(otlpd_arena *a, const otlpd_strmap *m, fl_kvs *out) {
  for (size_t i = 0; i < m->n; i++) {
    otlp_any_value *v = fl_str_value(a, m->values[i], strlen(m->values[i]));
    char *k = otlpd_arena_strndup(a, m->keys[i], strlen(m->keys[i]));
    otlp_key_value *kv = v && k ? fl_kv_new(a, k, v) : NULL;
    if (!kv || fl_kvs_put(a, out, kv) < 0) return -ENOMEM;
  }
  return 0;
}

static int put_str(otlpd_arena *a, fl_kvs *k, const char *key, const char *s) {
  otlp_any_value *v = fl_str_value(a, s, strlen(s));
  otlp_key_value *kv = v ? fl_kv_new(a, key, v) : NULL;
  return kv ? fl_kvs_put(a, k, kv) : -ENOMEM;
}

/* The attributes every entry of rd starts with. */
static int file_attrs(const filelog_cfg *c, otlpd_arena *a, const fl_kvs *base, const fl_reader *rd, fl_kvs *out) {
  *out = (fl_kvs){0};
  for (size_t i = 0; i < base->n; i++)
    if (fl_kvs_put(a, out, base->v[i]) < 0) return -ENOMEM;
  const char *slash = strrchr(rd->path, '/');
  if (c->include_file_name && put_str(a, out, "log.file.name", slash ? slash + 1 : rd->path) < 0) return -ENOMEM;
  if (c->include_file_path && put_str(a, out, "log.file.path", rd->path) < 0) return -ENOMEM;
  if (c->include_file_name_resolved || c->include_file_path_resolved) {
    char real[PATH_MAX];
    if (realpath(rd->path, real)) {
      const char *rs = strrchr(real, '/');
      if (c->include_file_name_resolved && put_str(a, out, "log.file.name_resolved", rs ? rs + 1 : real) < 0)
        return -ENOMEM;
      if (c->include_file_path_resolved && put_str(a, out, "log.file.path_resolved", real) < 0) return -ENOMEM;
    }
  }
  return 0;
}

static int one_file(filelog_recv *r, fl_cycle *cy, fl_reader *rd, fl_read_ctx *x, fl_emit *em, size_t *budget,
                    const fl_kvs *base_attrs) {
  fl_kvs fattrs;
  fl_scratch *s = r->scratch;
  s->nents = 0;
  if (file_attrs(r->cfg, cy->arena, base_attrs, rd, &fattrs) < 0) return -ENOMEM;
  x->attrs = fattrs.v;
  x->nattrs = fattrs.n;
  int rc = fl_read_file(r, cy, rd, x, budget);
  if (rc < 0 || x->n == 0) return rc;
  fl_opctx oc = {.arena = cy->arena, .path = rd->path, .hold_from = UINT64_MAX, .flush = x->flush,
                 .max_log_size = r->cfg->max_log_size, .md = r->md, .cycle = r->cycles};
  size_t n = s->nents;
  if (r->ops.n) fl_ops_run(&r->ops, &oc, s->ents, &n);
  if (oc.hold_from < rd->pending) rd->pending = oc.hold_from;
  fl_read_tail(rd, x->size, cy->now_ms);
  return fl_emit_add(em, s->ents, n);
}

void fl_cycle_run(filelog_recv *r, fl_cycle *cy) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  cy->now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  cy->req = NULL;
  cy->records = cy->bytes_read = 0;
  cy->more = false;
  r->cycles++;
  if (!(cy->arena = otlpd_arena_new(64 * 1024))) {
    cy->err = -ENOMEM;
    return;
  }
  /* a cycle that continues a budget-cut one reads on without a new scan */
  if (!cy->continued && (cy->err = fl_scan(r, cy)) < 0) return;
  for (fl_reader *rd = r->readers; rd; rd = rd->next) rd->pending = rd->offset;
  fl_kvs *res = otlpd_arena_calloc(cy->arena, sizeof(*res));
  fl_kvs base_attrs = {0};
  fl_emit *em = fl_emit_new(cy->arena, cy->now_ns);
  if (!res || !em || map_kvs(cy->arena, &r->cfg->resource, res) < 0 ||
      map_kvs(cy->arena, &r->cfg->attributes, &base_attrs) < 0) {
    cy->err = -ENOMEM;
    return;
  }
  fl_read_ctx x = {.arena = cy->arena, .scratch = r->scratch, .max_log_size = r->cfg->max_log_size, .res = res,
                   .u16 = r->enc};
  size_t budget = FL_CYCLE_BUDGET, nread = 0, count = 0;
  for (fl_reader *rd = r->readers; rd; rd = rd->next) count++;
  /* start where the last cycle stopped, so a budget never starves a file */
  size_t first = count ? r->rr % count : 0, i = 0;
  fl_reader *start = r->readers;
  for (; i < first; i++) start = start->next;
  for (fl_reader *rd = start; rd && cy->err == 0; rd = rd->next, nread++)
    cy->err = one_file(r, cy, rd, &x, em, &budget, &base_attrs);
  for (fl_reader *rd = r->readers; rd != start && cy->err == 0; rd = rd->next, nread++)
    cy->err = one_file(r, cy, rd, &x, em, &budget, &base_attrs);
  r->rr = cy->more ? first + 1 : 0;
  if (cy->err == 0 && !(cy->req = fl_emit_finish(em, &cy->records))) cy->err = -ENOMEM;
}
