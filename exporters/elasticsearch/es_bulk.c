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

int es_items_push(es_items *it, size_t off, size_t len, uint32_t counts) {
  if (it->n == it->cap) {
    size_t cap = it->cap ? it->cap * 2 : 256;
    es_item *v = realloc(it->v, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    it->v = v;
    it->cap = cap;
  }
  it->v[it->n++] = (es_item){off, len, counts};
  return 0;
}

int es_bulk_action_open(otlpd_buf *b, const es_index *idx) {
  if (!idx->data_stream) {
    ES_TRY(es_lit(b, "{\"index\":{\"_index\":"));
    return otlpd_json_str(b, idx->plain);
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

static int log_docs(const es_bulk_opts *o, const otlp_resource_logs *rl, otlpd_buf *body, es_items *it) {
  const otlp_resource *res = rl->resource;
  es_attrs ra = res ? attrs_of(res->attributes, res->n_attributes) : attrs_of(NULL, 0);
  bool otel = o->mode == ES_MAPPING_OTEL;
  for (size_t j = 0; j < rl->n_scope_logs; j++) {
    const otlp_scope_logs *sl = rl->scope_logs[j];
    if (!sl) continue;
    const otlp_scope *sc = sl->scope;
    es_attrs sa = sc ? attrs_of(sc->attributes, sc->n_attributes) : attrs_of(NULL, 0);
    for (size_t k = 0; k < sl->n_log_records; k++) {
      const otlp_log_record *lr = sl->log_records[k];
      if (!lr) continue;
      es_index idx;
      es_route(&idx, o->index[OTLPD_LOGS], "logs", otel, attrs_of(lr->attributes, lr->n_attributes), sa,
               ra, sc ? sc->name : NULL);
      es_doc_ctx c = {res, rl->schema_url, sc, sl->schema_url, &idx};
      size_t off = body->len;
      ES_TRY(action(body, &idx));
      ES_TRY(otel ? es_doc_otel_log(body, &c, lr)
             : o->mode == ES_MAPPING_ECS ? es_doc_ecs_log(body, &c, lr)
                                         : es_doc_raw_log(body, &c, lr, o->mode == ES_MAPPING_RAW));
      ES_TRY(es_lit(body, "\n"));
      ES_TRY(es_items_push(it, off, body->len - off, true));
    }
  }
  return 0;
}

/* otel mode: each span event is a logs document of its own, routed by
 * the event's attributes (contrib's RouteSpanEvent). */
static int event_docs(const es_bulk_opts *o, const es_doc_ctx *span_ctx, es_attrs sa, es_attrs ra,
                      const otlp_span *s, otlpd_buf *body, es_items *it) {
  for (size_t e = 0; e < s->n_events; e++) {
    const otlp_span_event *ev = s->events[e];
    if (!ev) continue;
    es_index idx;
    es_route(&idx, o->index[OTLPD_TRACES], "logs", true, attrs_of(ev->attributes, ev->n_attributes), sa,
             ra, span_ctx->scope ? span_ctx->scope->name : NULL);
    es_doc_ctx c = *span_ctx;
    c.idx = &idx;
    size_t off = body->len;
    ES_TRY(action(body, &idx));
    ES_TRY(es_doc_otel_span_event(body, &c, s, ev));
    ES_TRY(es_lit(body, "\n"));
    ES_TRY(es_items_push(it, off, body->len - off, false));
  }
  return 0;
}

static int span_docs(const es_bulk_opts *o, const otlp_resource_spans *rs, otlpd_buf *body, es_items *it) {
  const otlp_resource *res = rs->resource;
  es_attrs ra = res ? attrs_of(res->attributes, res->n_attributes) : attrs_of(NULL, 0);
  bool otel = o->mode == ES_MAPPING_OTEL;
  for (size_t j = 0; j < rs->n_scope_spans; j++) {
    const otlp_scope_spans *ss = rs->scope_spans[j];
    if (!ss) continue;
    const otlp_scope *sc = ss->scope;
    es_attrs sa = sc ? attrs_of(sc->attributes, sc->n_attributes) : attrs_of(NULL, 0);
    for (size_t k = 0; k < ss->n_spans; k++) {
      const otlp_span *s = ss->spans[k];
      if (!s) continue;
      es_index idx;
      es_route(&idx, o->index[OTLPD_TRACES], "traces", otel, attrs_of(s->attributes, s->n_attributes), sa,
               ra, sc ? sc->name : NULL);
      es_doc_ctx c = {res, rs->schema_url, sc, ss->schema_url, &idx};
      size_t off = body->len;
      ES_TRY(action(body, &idx));
      ES_TRY(otel ? es_doc_otel_span(body, &c, s)
             : o->mode == ES_MAPPING_ECS ? es_doc_ecs_span(body, &c, s)
                                         : es_doc_raw_span(body, &c, s, o->mode == ES_MAPPING_RAW));
      ES_TRY(es_lit(body, "\n"));
      ES_TRY(es_items_push(it, off, body->len - off, true));
      if (otel) ES_TRY(event_docs(o, &c, sa, ra, s, body, it));
    }
  }
  return 0;
}

int es_bulk_build(const es_bulk_opts *o, const otlpd_batch *b, otlpd_buf *body, es_items *items) {
  otlpd_buf_clear(body);
  items->n = 0;
  for (size_t i = 0; i < b->n; i++) {
    switch (b->signal) {
    case OTLPD_LOGS: ES_TRY(log_docs(o, b->resources[i], body, items)); break;
    case OTLPD_TRACES: ES_TRY(span_docs(o, b->resources[i], body, items)); break;
    case OTLPD_METRICS:
      if (o->mode != ES_MAPPING_OTEL) return -ENOTSUP;
      ES_TRY(es_metric_docs(o, b->resources[i], body, items));
      break;
    default: return -ENOTSUP;
    }
  }
  return 0;
}

void es_bulk_compact(otlpd_buf *body, es_items *items, const bool *keep) {
  size_t w = 0, at = 0;
  for (size_t i = 0; i < items->n; i++) {
    if (!keep[i]) continue;
    es_item x = items->v[i];
    if (x.off != at) memmove(body->data + at, body->data + x.off, x.len);
    items->v[w++] = (es_item){at, x.len, x.counts};
    at += x.len;
  }
  items->n = w;
  body->len = at;
}
