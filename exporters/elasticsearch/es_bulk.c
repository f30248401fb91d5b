/* ndjson _bulk bodies from batches; see es_bulk.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "es.h"
#include "es_bulk.h"
#include "es_doc.h"
#include "otlpd/json_write.h"

void es_items_free(es_items *it) {
  free(it->v);
  memset(it, 0, sizeof(*it));
}

int es_items_push(es_items *it, size_t off, size_t len, uint32_t counts, bool require_alias) {
  if (it->n == it->cap) {
    size_t cap = it->cap ? it->cap * 2 : 256;
    es_item *v = realloc(it->v, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    it->v = v;
    it->cap = cap;
  }
  it->v[it->n++] = (es_item){off, len, counts, require_alias};
  return 0;
}

int es_bulk_action_open(otlpd_buf *b, const es_index *idx) {
  if (!idx->data_stream) {
    ES_TRY(es_lit(b, idx->create ? "{\"create\":{\"_index\":" : "{\"index\":{\"_index\":"));
    ES_TRY(otlpd_json_str(b, idx->plain));
    return idx->require_alias ? es_lit(b, ",\"require_alias\":true") : 0;
  }
  ES_TRY(es_lit(b, "{\"create\":{\"_index\":\""));
  ES_TRY(otlpd_json_escaped(b, idx->type, strlen(idx->type)));
  ES_TRY(es_lit(b, "-"));
  ES_TRY(otlpd_json_escaped(b, idx->dataset, strlen(idx->dataset)));
  ES_TRY(es_lit(b, "-"));
  ES_TRY(otlpd_json_escaped(b, idx->ns, strlen(idx->ns)));
  return es_lit(b, "\"");
}

static int action(otlpd_buf *b, const es_index *idx) {
  ES_TRY(es_bulk_action_open(b, idx));
  return es_lit(b, "}}\n");
}

static es_attrs attrs_of(otlp_key_value *const *kv, size_t n) { return (es_attrs){kv, n}; }

/* The route and action line of one scope's documents, worked out once:
 * a record whose own attributes cannot change its route (most) takes
 * them as they are, without looking through the scope's and resource's
 * attributes again. */
typedef struct es_scope_route {
  const char *explicit_index, *type, *scope_name;
  bool otel;
  bool bodymap; /* data_stream.type from the attributes (logs or metrics) */
  es_attrs sa, ra;
  es_index idx;
  otlpd_buf action;
} es_scope_route;

/* What es_bulk_build reuses from scope to scope (freed at its end). */
typedef struct es_scratch {
  es_scope_route rec, ev; /* records (spans, log records), span events */
  otlpd_buf rs;           /* otel: the resource and scope members */
} es_scratch;

static void scratch_free(es_scratch *x) {
  otlpd_buf_free(&x->rec.action);
  otlpd_buf_free(&x->ev.action);
  otlpd_buf_free(&x->rs);
}

/* bodymap: data_stream.type of the record, scope or resource when it is
 * "logs" or "metrics" (contrib's rule), else logs. */
static const char *bodymap_type(es_attrs rec, es_attrs sa, es_attrs ra) {
  char buf[16];
  size_t len = 0;
  const es_attrs lists[3] = {rec, sa, ra};
  for (int i = 0; i < 3; i++) {
    const char *t = es_attr_text(lists[i], "data_stream.type", buf, sizeof(buf), &len);
    if (!t) continue;
    if (len == 7 && memcmp(t, "metrics", 7) == 0) return "metrics";
    return "logs";
  }
  return "logs";
}

static int scope_route_init(es_scope_route *r, const char *explicit_index, bool require_alias, const char *type,
                            bool otel, es_attrs sa, es_attrs ra, const char *scope_name) {
  r->explicit_index = explicit_index;
  if (r->bodymap) type = bodymap_type(attrs_of(NULL, 0), sa, ra);
  r->type = type;
  r->otel = otel;
  r->sa = sa;
  r->ra = ra;
  r->scope_name = scope_name;
  es_route(&r->idx, explicit_index, type, otel, attrs_of(NULL, 0), sa, ra, scope_name);
  /* only an explicit index is bootstrapped, and then every record takes it */
  r->idx.require_alias = require_alias && explicit_index && *explicit_index;
  otlpd_buf_clear(&r->action);
  return action(&r->action, &r->idx);
}

/* Appends the action line of a record with attributes rec; *idx is its
 * route (the scope's, or own when its attributes route it). */
static int record_action(otlpd_buf *body, const es_scope_route *r, es_attrs rec, es_index *own,
                         const es_index **idx) {
  if ((r->explicit_index && *r->explicit_index) || !es_route_attrs_present(rec)) {
    *idx = &r->idx;
    return otlpd_buf_append(body, r->action.data, r->action.len);
  }
  const char *type = r->bodymap ? bodymap_type(rec, r->sa, r->ra) : r->type;
  es_route(own, r->explicit_index, type, r->otel, rec, r->sa, r->ra, r->scope_name);
  *idx = own;
  return action(body, own);
}

/* otel: the resource and scope members every document of a scope carries. */
static int scope_rs(otlpd_buf *rs, es_doc_ctx *c) {
  otlpd_buf_clear(rs);
  bool first = true;
  c->rs_json = NULL;
  ES_TRY(es_otel_resource_scope(rs, &first, c));
  c->rs_json = rs;
  return 0;
}

static int log_docs(const es_bulk_opts *o, const otlp_resource_logs *rl, otlpd_buf *body, es_items *it,
                    es_scratch *x) {
  const otlp_resource *res = rl->resource;
  es_attrs ra = res ? attrs_of(res->attributes, res->n_attributes) : attrs_of(NULL, 0);
  bool otel = o->mode == ES_MAPPING_OTEL;
  x->rec.bodymap = o->mode == ES_MAPPING_BODYMAP;
  for (size_t j = 0; j < rl->n_scope_logs; j++) {
    const otlp_scope_logs *sl = rl->scope_logs[j];
    if (!sl) continue;
    const otlp_scope *sc = sl->scope;
    es_attrs sa = sc ? attrs_of(sc->attributes, sc->n_attributes) : attrs_of(NULL, 0);
    ES_TRY(scope_route_init(&x->rec, o->index[OTLPD_LOGS], o->require_alias[OTLPD_LOGS], "logs", otel, sa, ra,
                            sc ? sc->name : NULL));
    es_doc_ctx c = {res, rl->schema_url, sc, sl->schema_url, NULL, NULL};
    if (otel) ES_TRY(scope_rs(&x->rs, &c));
    for (size_t k = 0; k < sl->n_log_records; k++) {
      const otlp_log_record *lr = sl->log_records[k];
      if (!lr) continue;
      if (x->rec.bodymap && (!lr->body || lr->body->value_case !=
                                              OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE)) {
        it->dropped++; /* bodymap takes only map bodies (contrib refuses the rest too) */
        continue;
      }
      es_index own;
      size_t off = body->len;
      ES_TRY(record_action(body, &x->rec, attrs_of(lr->attributes, lr->n_attributes), &own, &c.idx));
      ES_TRY(otel                           ? es_doc_otel_log(body, &c, lr)
             : x->rec.bodymap                 ? es_value(body, lr->body) /* the body is the document */
             : o->mode == ES_MAPPING_ECS ? es_doc_ecs_log(body, &c, lr)
                                         : es_doc_raw_log(body, &c, lr, o->mode == ES_MAPPING_RAW));
      ES_TRY(es_lit(body, "\n"));
      ES_TRY(es_items_push(it, off, body->len - off, true, c.idx->require_alias));
    }
  }
  return 0;
}

/* otel mode: each span event is a logs document of its own, routed by
 * the event's attributes (contrib's RouteSpanEvent). */
static int event_docs(const es_doc_ctx *span_ctx, const es_scope_route *r, const otlp_span *s, otlpd_buf *body,
                      es_items *it) {
  for (size_t e = 0; e < s->n_events; e++) {
    const otlp_span_event *ev = s->events[e];
    if (!ev) continue;
    es_index own;
    es_doc_ctx c = *span_ctx;
    size_t off = body->len;
    ES_TRY(record_action(body, r, attrs_of(ev->attributes, ev->n_attributes), &own, &c.idx));
    ES_TRY(es_doc_otel_span_event(body, &c, s, ev));
    ES_TRY(es_lit(body, "\n"));
    ES_TRY(es_items_push(it, off, body->len - off, false, c.idx->require_alias));
  }
  return 0;
}

static int span_docs(const es_bulk_opts *o, const otlp_resource_spans *rs, otlpd_buf *body, es_items *it,
                     es_scratch *x) {
  const otlp_resource *res = rs->resource;
  es_attrs ra = res ? attrs_of(res->attributes, res->n_attributes) : attrs_of(NULL, 0);
  bool otel = o->mode == ES_MAPPING_OTEL;
  for (size_t j = 0; j < rs->n_scope_spans; j++) {
    const otlp_scope_spans *ss = rs->scope_spans[j];
    if (!ss) continue;
    const otlp_scope *sc = ss->scope;
    es_attrs sa = sc ? attrs_of(sc->attributes, sc->n_attributes) : attrs_of(NULL, 0);
    const char *scn = sc ? sc->name : NULL;
    ES_TRY(scope_route_init(&x->rec, o->index[OTLPD_TRACES], o->require_alias[OTLPD_TRACES], "traces", otel, sa,
                            ra, scn));
    /* span events are logs documents: logs_index when set (contrib) */
    if (otel)
      ES_TRY(scope_route_init(&x->ev, o->index[OTLPD_LOGS], o->require_alias[OTLPD_LOGS], "logs", true, sa, ra, scn));
    es_doc_ctx c = {res, rs->schema_url, sc, ss->schema_url, NULL, NULL};
    if (otel) ES_TRY(scope_rs(&x->rs, &c));
    for (size_t k = 0; k < ss->n_spans; k++) {
      const otlp_span *s = ss->spans[k];
      if (!s) continue;
      es_index own;
      size_t off = body->len;
      ES_TRY(record_action(body, &x->rec, attrs_of(s->attributes, s->n_attributes), &own, &c.idx));
      ES_TRY(otel ? es_doc_otel_span(body, &c, s)
             : o->mode == ES_MAPPING_ECS ? es_doc_ecs_span(body, &c, s)
                                         : es_doc_raw_span(body, &c, s, o->mode == ES_MAPPING_RAW));
      ES_TRY(es_lit(body, "\n"));
      ES_TRY(es_items_push(it, off, body->len - off, true, c.idx->require_alias));
      if (otel && s->n_events) ES_TRY(event_docs(&c, &x->ev, s, body, it));
    }
  }
  return 0;
}

int es_bulk_build(const es_bulk_opts *o, const otlpd_batch *b, otlpd_buf *body, es_items *items) {
  otlpd_buf_clear(body);
  items->n = 0;
  items->dropped = 0;
  if (o->mode == ES_MAPPING_BODYMAP && b->signal != OTLPD_LOGS) return -ENOTSUP; /* logs only, as contrib */
  es_scratch x = {0};
  int rc = 0;
  for (size_t i = 0; i < b->n && !rc; i++) {
    switch (b->signal) {
    case OTLPD_LOGS: rc = log_docs(o, b->resources[i], body, items, &x); break;
    case OTLPD_TRACES: rc = span_docs(o, b->resources[i], body, items, &x); break;
    case OTLPD_METRICS:
      rc = o->mode != ES_MAPPING_OTEL && o->mode != ES_MAPPING_ECS ? -ENOTSUP
                                                                  : es_metric_docs(o, b->resources[i], body, items);
      break;
    default: rc = -ENOTSUP; break;
    }
  }
  scratch_free(&x);
  return rc;
}

void es_bulk_compact(otlpd_buf *body, es_items *items, const bool *keep) {
  size_t w = 0, at = 0;
  for (size_t i = 0; i < items->n; i++) {
    if (!keep[i]) continue;
    es_item x = items->v[i];
    if (x.off != at) memmove(body->data + at, body->data + x.off, x.len);
    x.off = at;
    items->v[w++] = x;
    at += x.len;
  }
  items->n = w;
  body->len = at;
}
