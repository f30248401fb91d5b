/* Spans as text: one line each (normal) or every field (detailed). */
#include "debug_exporter.h"

static const char *kind_name(int k) {
  static const char *const names[] = {"Unspecified", "Internal", "Server",
                                      "Client",      "Producer", "Consumer"};
  return k >= 0 && k < 6 ? names[k] : "Unspecified";
}

static const char *status_name(const otlp_span *s) {
  static const char *const names[] = {"Unset", "Ok", "Error"};
  int c = s->status ? (int)s->status->code : 0;
  return c >= 0 && c < 3 ? names[c] : "Unset";
}

void debug_traces_normal(debug_out *o, const otlpd_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_spans *rs = b->resources[i];
    for (size_t j = 0; j < rs->n_scope_spans; j++) {
      const otlp_scope_spans *ss = rs->scope_spans[j];
      for (size_t k = 0; k < ss->n_spans; k++) {
        const otlp_span *sp = ss->spans[k];
        dbg_text(o, sp->name);
        dbg_write(o, " ", 1);
        dbg_hex(o, &sp->trace_id);
        dbg_write(o, " ", 1);
        dbg_hex(o, &sp->span_id);
        if (sp->n_attributes) dbg_write(o, " ", 1);
        dbg_attrs_inline(o, sp->attributes, sp->n_attributes, " ");
        dbg_write(o, "\n", 1);
        dbg_item_done(o);
      }
    }
  }
}

static void events(debug_out *o, const otlp_span *sp) {
  if (!sp->n_events) return;
  dbg_write(o, "Events:\n", 8);
  for (size_t i = 0; i < sp->n_events; i++) {
    const Opentelemetry__Proto__Trace__V1__Span__Event *e = sp->events[i];
    dbg_printf(o, "SpanEvent #%zu\n     -> Name: ", i);
    dbg_text(o, e->name);
    dbg_write(o, "\n     -> Timestamp: ", 20);
    dbg_time(o, e->time_unix_nano);
    dbg_printf(o, "\n     -> DroppedAttributesCount: %u\n", e->dropped_attributes_count);
    dbg_attrs_block(o, "     -> Attributes::", "          ", e->attributes, e->n_attributes);
  }
}

static void links(debug_out *o, const otlp_span *sp) {
  if (!sp->n_links) return;
  dbg_write(o, "Links:\n", 7);
  for (size_t i = 0; i < sp->n_links; i++) {
    const Opentelemetry__Proto__Trace__V1__Span__Link *l = sp->links[i];
    dbg_printf(o, "SpanLink #%zu\n     -> Trace ID: ", i);
    dbg_hex(o, &l->trace_id);
    dbg_write(o, "\n     -> ID: ", 13);
    dbg_hex(o, &l->span_id);
    dbg_write(o, "\n     -> TraceState: ", 21);
    dbg_text(o, l->trace_state);
    dbg_printf(o, "\n     -> DroppedAttributesCount: %u\n", l->dropped_attributes_count);
    dbg_attrs_block(o, "     -> Attributes::", "          ", l->attributes, l->n_attributes);
  }
}

static void span_detailed(debug_out *o, size_t index, const otlp_span *sp) {
  dbg_printf(o, "Span #%zu\n    Trace ID       : ", index);
  dbg_hex(o, &sp->trace_id);
  dbg_write(o, "\n    Parent ID      : ", 22);
  dbg_hex(o, &sp->parent_span_id);
  dbg_write(o, "\n    ID             : ", 22);
  dbg_hex(o, &sp->span_id);
  dbg_write(o, "\n    Name           : ", 22);
  dbg_text(o, sp->name);
  dbg_printf(o, "\n    Kind           : %s\n", kind_name((int)sp->kind));
  if (sp->trace_state && *sp->trace_state) {
    dbg_write(o, "    TraceState     : ", 21);
    dbg_text(o, sp->trace_state);
    dbg_write(o, "\n", 1);
  }
  dbg_write(o, "    Start time     : ", 21);
  dbg_time(o, sp->start_time_unix_nano);
  dbg_write(o, "\n    End time       : ", 22);
  dbg_time(o, sp->end_time_unix_nano);
  dbg_printf(o, "\n    Status code    : %s\n    Status message : ", status_name(sp));
  if (sp->status) dbg_text(o, sp->status->message);
  dbg_printf(o, "\n    Flags          : %u\n", sp->flags);
  dbg_printf(o, "    DroppedAttributesCount: %u\n", sp->dropped_attributes_count);
  dbg_attrs_block(o, "Attributes:", "     ", sp->attributes, sp->n_attributes);
  events(o, sp);
  dbg_printf(o, "    DroppedEventsCount: %u\n", sp->dropped_events_count);
  links(o, sp);
  dbg_printf(o, "    DroppedLinksCount: %u\n", sp->dropped_links_count);
}

void debug_traces_detailed(debug_out *o, const otlpd_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_spans *rs = b->resources[i];
    dbg_printf(o, "ResourceSpans #%zu\n", i);
    dbg_resource(o, rs->schema_url, rs->resource);
    for (size_t j = 0; j < rs->n_scope_spans; j++) {
      const otlp_scope_spans *ss = rs->scope_spans[j];
      dbg_scope(o, "ScopeSpans", j, ss->schema_url, ss->scope);
      for (size_t k = 0; k < ss->n_spans; k++) {
        span_detailed(o, k, ss->spans[k]);
        dbg_item_done(o);
      }
    }
  }
}
