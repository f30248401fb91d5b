/* Entries -> one ExportLogsServiceRequest in the cycle's arena: a
 * ResourceLogs per run of entries sharing resource attributes, one
 * ScopeLogs each, records pointing at the entries' bodies and attribute
 * arrays (no copies). */
#include <errno.h>
#include <string.h>

#include "filelog.h"

struct fl_emit {
  otlpd_arena *a;
  otlp_resource_logs **rl;
  size_t n, cap;
  size_t records;
  uint64_t observed_ns;
};

fl_emit *fl_emit_new(otlpd_arena *a, uint64_t observed_ns) {
  fl_emit *em = otlpd_arena_calloc(a, sizeof(*em));
  if (em) {
    em->a = a;
    em->observed_ns = observed_ns;
  }
  return em;
}

static otlp_resource_logs *new_rl(fl_emit *em, const fl_kvs *res, size_t nrec) {
  if (em->n == em->cap) {
    size_t nc = em->cap ? em->cap * 2 : 16;
    otlp_resource_logs **nv = otlpd_arena_alloc(em->a, nc * sizeof(*nv));
    if (!nv) return NULL;
    if (em->n) memcpy(nv, em->rl, em->n * sizeof(*nv));
    em->rl = nv;
    em->cap = nc;
  }
  otlp_resource_logs *rl = otlpd_arena_alloc(em->a, sizeof(*rl));
  otlp_resource *r = otlpd_arena_alloc(em->a, sizeof(*r));
  otlp_scope_logs *sl = otlpd_arena_alloc(em->a, sizeof(*sl));
  otlp_scope_logs **sls = otlpd_arena_alloc(em->a, sizeof(*sls));
  otlp_log_record **recs = otlpd_arena_alloc(em->a, nrec * sizeof(*recs));
  if (!rl || !r || !sl || !sls || !recs) return NULL;
  opentelemetry__proto__logs__v1__resource_logs__init(rl);
  opentelemetry__proto__resource__v1__resource__init(r);
  opentelemetry__proto__logs__v1__scope_logs__init(sl);
  if (res) {
    r->attributes = res->v;
    r->n_attributes = res->n;
  }
  rl->resource = r;
  sls[0] = sl;
  rl->scope_logs = sls;
  rl->n_scope_logs = 1;
  sl->log_records = recs;
  em->rl[em->n++] = rl;
  return rl;
}

int fl_emit_add(fl_emit *em, fl_entry *v, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && v[j].res == v[i].res) j++;
    otlp_resource_logs *rl = new_rl(em, v[i].res, j - i);
    otlp_log_record *recs = otlpd_arena_alloc(em->a, (j - i) * sizeof(*recs));
    if (!rl || !recs) return -ENOMEM;
    otlp_scope_logs *sl = rl->scope_logs[0];
    for (size_t k = i; k < j; k++) {
      otlp_log_record *lr = &recs[k - i];
      opentelemetry__proto__logs__v1__log_record__init(lr);
      lr->time_unix_nano = v[k].time_ns;
      lr->observed_time_unix_nano = em->observed_ns;
      lr->body = v[k].body;
      lr->attributes = v[k].attrs.v;
      lr->n_attributes = v[k].attrs.n;
      lr->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)v[k].severity;
      lr->severity_text = (char *)(v[k].severity_text ? v[k].severity_text : "");
      sl->log_records[sl->n_log_records++] = lr;
    }
    em->records += j - i;
    i = j;
  }
  return 0;
}

otlp_logs_request *fl_emit_finish(fl_emit *em, size_t *records) {
  otlp_logs_request *req = otlpd_arena_alloc(em->a, sizeof(*req));
  if (!req) return NULL;
  opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(req);
  req->resource_logs = em->rl;
  req->n_resource_logs = em->n;
  *records = em->records;
  return req;
}
