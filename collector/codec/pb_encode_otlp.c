/* OTLP encoder, traces and logs from the resource level down, and the
 * entry points (include/otlpd/pb_encode_otlp.h). Shared messages are in
 * pb_encode_common.c; see pb_wire_back.h for the back-to-front scheme. */
#include "otlpd/pb_encode_otlp.h"

#include "pb_wire_back.h"

typedef Opentelemetry__Proto__Trace__V1__Span span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event span_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link span_link;
typedef Opentelemetry__Proto__Trace__V1__Status span_status;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

#define SPAN_FLAGS_TAG0 0x85 /* field 16, fixed32: two tag bytes */
#define SPAN_FLAGS_TAG1 0x01

/* A message field (singular, omitted when NULL, or a repeated element). */
#define MSG_SIZE(fn, m) pbw_len_field(fn(m))
static inline uint8_t *msg_write(uint8_t *p, uint8_t tag, uint8_t *(*fn)(uint8_t *, const void *),
                                 const void *m) {
  uint8_t *end = p;
  return pbw_frame(fn(p, m), end, tag);
}

static size_t fixed64_size(uint64_t v) { return v ? 9 : 0; }
static size_t fixed32_size(uint32_t v) { return v ? 5 : 0; }

/* ---- traces ---- */

static size_t status_size(const span_status *s) {
  return pbw_str_size(s->message) + pbw_enum_size((int32_t)s->code) + otlpd_pbw_unknown_size(&s->base);
}

static uint8_t *status_write(uint8_t *p, const void *m) {
  const span_status *s = m;
  p = otlpd_pbw_unknown(p, &s->base);
  p = pbw_enum(p, PBW_TAG(3, PBW_VARINT), (int32_t)s->code);
  return pbw_str(p, PBW_TAG(2, PBW_LEN), s->message);
}

static size_t event_size(const span_event *e) {
  if (!e) return 0;
  return fixed64_size(e->time_unix_nano) + pbw_str_size(e->name) +
         otlpd_pbw_attrs_size(e->attributes, e->n_attributes) + pbw_u32_size(e->dropped_attributes_count) +
         otlpd_pbw_unknown_size(&e->base);
}

static uint8_t *event_write(uint8_t *p, const void *m) {
  const span_event *e = m;
  if (!e) return p;
  p = otlpd_pbw_unknown(p, &e->base);
  p = pbw_u32(p, PBW_TAG(4, PBW_VARINT), e->dropped_attributes_count);
  p = otlpd_pbw_attrs(p, PBW_TAG(3, PBW_LEN), e->attributes, e->n_attributes);
  p = pbw_str(p, PBW_TAG(2, PBW_LEN), e->name);
  return pbw_fixed64(p, PBW_TAG(1, PBW_I64), e->time_unix_nano);
}

static size_t link_size(const span_link *l) {
  if (!l) return 0;
  return pbw_bytes_size(l->trace_id) + pbw_bytes_size(l->span_id) + pbw_str_size(l->trace_state) +
         otlpd_pbw_attrs_size(l->attributes, l->n_attributes) + pbw_u32_size(l->dropped_attributes_count) +
         fixed32_size(l->flags) + otlpd_pbw_unknown_size(&l->base);
}

static uint8_t *link_write(uint8_t *p, const void *m) {
  const span_link *l = m;
  if (!l) return p;
  p = otlpd_pbw_unknown(p, &l->base);
  if (l->flags) p = pbw_byte(pbw_fixed32_raw(p, l->flags), PBW_TAG(6, PBW_I32));
  p = pbw_u32(p, PBW_TAG(5, PBW_VARINT), l->dropped_attributes_count);
  p = otlpd_pbw_attrs(p, PBW_TAG(4, PBW_LEN), l->attributes, l->n_attributes);
  p = pbw_str(p, PBW_TAG(3, PBW_LEN), l->trace_state);
  p = pbw_bytes(p, PBW_TAG(2, PBW_LEN), l->span_id);
  return pbw_bytes(p, PBW_TAG(1, PBW_LEN), l->trace_id);
}

static size_t span_size(const span *s) {
  if (!s) return 0;
  size_t n = pbw_bytes_size(s->trace_id) + pbw_bytes_size(s->span_id) + pbw_str_size(s->trace_state) +
             pbw_bytes_size(s->parent_span_id) + pbw_str_size(s->name) + pbw_enum_size((int32_t)s->kind) +
             fixed64_size(s->start_time_unix_nano) + fixed64_size(s->end_time_unix_nano) +
             otlpd_pbw_attrs_size(s->attributes, s->n_attributes) + pbw_u32_size(s->dropped_attributes_count) +
             pbw_u32_size(s->dropped_events_count) + pbw_u32_size(s->dropped_links_count) +
             (s->flags ? 6 : 0) + otlpd_pbw_unknown_size(&s->base);
  for (size_t i = 0; i < s->n_events; i++) n += MSG_SIZE(event_size, s->events[i]);
  for (size_t i = 0; i < s->n_links; i++) n += MSG_SIZE(link_size, s->links[i]);
  if (s->status) n += MSG_SIZE(status_size, s->status);
  return n;
}

static uint8_t *span_write(uint8_t *p, const void *m) {
  const span *s = m;
  if (!s) return p;
  p = otlpd_pbw_unknown(p, &s->base);
  if (s->flags) p = pbw_byte(pbw_byte(pbw_fixed32_raw(p, s->flags), SPAN_FLAGS_TAG1), SPAN_FLAGS_TAG0);
  if (s->status) p = msg_write(p, PBW_TAG(15, PBW_LEN), status_write, s->status);
  p = pbw_u32(p, PBW_TAG(14, PBW_VARINT), s->dropped_links_count);
  for (size_t i = s->n_links; i-- > 0;) p = msg_write(p, PBW_TAG(13, PBW_LEN), link_write, s->links[i]);
  p = pbw_u32(p, PBW_TAG(12, PBW_VARINT), s->dropped_events_count);
  for (size_t i = s->n_events; i-- > 0;) p = msg_write(p, PBW_TAG(11, PBW_LEN), event_write, s->events[i]);
  p = pbw_u32(p, PBW_TAG(10, PBW_VARINT), s->dropped_attributes_count);
  p = otlpd_pbw_attrs(p, PBW_TAG(9, PBW_LEN), s->attributes, s->n_attributes);
  p = pbw_fixed64(p, PBW_TAG(8, PBW_I64), s->end_time_unix_nano);
  p = pbw_fixed64(p, PBW_TAG(7, PBW_I64), s->start_time_unix_nano);
  p = pbw_enum(p, PBW_TAG(6, PBW_VARINT), (int32_t)s->kind);
  p = pbw_str(p, PBW_TAG(5, PBW_LEN), s->name);
  p = pbw_bytes(p, PBW_TAG(4, PBW_LEN), s->parent_span_id);
  p = pbw_str(p, PBW_TAG(3, PBW_LEN), s->trace_state);
  p = pbw_bytes(p, PBW_TAG(2, PBW_LEN), s->span_id);
  return pbw_bytes(p, PBW_TAG(1, PBW_LEN), s->trace_id);
}

/* ---- logs ---- */

static size_t log_size(const log_record *r) {
  if (!r) return 0;
  return fixed64_size(r->time_unix_nano) + pbw_enum_size((int32_t)r->severity_number) +
         pbw_str_size(r->severity_text) + (r->body ? pbw_len_field(otlpd_pbw_any_size(r->body)) : 0) +
         otlpd_pbw_attrs_size(r->attributes, r->n_attributes) + pbw_u32_size(r->dropped_attributes_count) +
         fixed32_size(r->flags) + pbw_bytes_size(r->trace_id) + pbw_bytes_size(r->span_id) +
         fixed64_size(r->observed_time_unix_nano) + pbw_str_size(r->event_name) +
         otlpd_pbw_unknown_size(&r->base);
}

static uint8_t *any_write(uint8_t *p, const void *m) { return otlpd_pbw_any(p, m); }

static uint8_t *log_write(uint8_t *p, const void *m) {
  const log_record *r = m;
  if (!r) return p;
  p = otlpd_pbw_unknown(p, &r->base);
  p = pbw_str(p, PBW_TAG(12, PBW_LEN), r->event_name);
  p = pbw_fixed64(p, PBW_TAG(11, PBW_I64), r->observed_time_unix_nano);
  p = pbw_bytes(p, PBW_TAG(10, PBW_LEN), r->span_id);
  p = pbw_bytes(p, PBW_TAG(9, PBW_LEN), r->trace_id);
  if (r->flags) p = pbw_byte(pbw_fixed32_raw(p, r->flags), PBW_TAG(8, PBW_I32));
  p = pbw_u32(p, PBW_TAG(7, PBW_VARINT), r->dropped_attributes_count);
  p = otlpd_pbw_attrs(p, PBW_TAG(6, PBW_LEN), r->attributes, r->n_attributes);
  if (r->body) p = msg_write(p, PBW_TAG(5, PBW_LEN), any_write, r->body);
  p = pbw_str(p, PBW_TAG(3, PBW_LEN), r->severity_text);
  p = pbw_enum(p, PBW_TAG(2, PBW_VARINT), (int32_t)r->severity_number);
  return pbw_fixed64(p, PBW_TAG(1, PBW_I64), r->time_unix_nano);
}

/* ---- scope, resource and request levels ---- */

static size_t scope_size(const void *m) { return otlpd_pbw_scope_size(m); }
static uint8_t *scope_write(uint8_t *p, const void *m) { return otlpd_pbw_scope(p, m); }
static size_t resource_size(const void *m) { return otlpd_pbw_resource_size(m); }
static uint8_t *resource_write(uint8_t *p, const void *m) { return otlpd_pbw_resource(p, m); }
static size_t span_size_v(const void *m) { return span_size(m); }
static size_t log_size_v(const void *m) { return log_size(m); }

/* Scope{Spans,Logs} and Resource{Spans,Logs}: field 1 a message (omitted
 * when NULL), field 2 repeated items, field 3 schema_url. */
#define OTLP_LEVEL(name, T, first, first_size, first_write, items, item_size, item_write)            \
  static size_t name##_size(const void *m) {                                                        \
    const T *l = m;                                                                                 \
    if (!l) return 0;                                                                               \
    size_t n = pbw_str_size(l->schema_url) + otlpd_pbw_unknown_size(&l->base);                      \
    if (l->first) n += pbw_len_field(first_size(l->first));                                         \
    for (size_t i = 0; i < l->n_##items; i++) n += pbw_len_field(item_size(l->items[i]));           \
    return n;                                                                                       \
  }                                                                                                 \
  static uint8_t *name##_write(uint8_t *p, const void *m) {                                         \
    const T *l = m;                                                                                 \
    if (!l) return p;                                                                               \
    p = otlpd_pbw_unknown(p, &l->base);                                                             \
    p = pbw_str(p, PBW_TAG(3, PBW_LEN), l->schema_url);                                             \
    for (size_t i = l->n_##items; i-- > 0;) p = msg_write(p, PBW_TAG(2, PBW_LEN), item_write, l->items[i]); \
    if (l->first) p = msg_write(p, PBW_TAG(1, PBW_LEN), first_write, l->first);                     \
    return p;                                                                                       \
  }

OTLP_LEVEL(scope_spans, Opentelemetry__Proto__Trace__V1__ScopeSpans, scope, scope_size, scope_write, spans,
           span_size_v, span_write)
OTLP_LEVEL(scope_logs, Opentelemetry__Proto__Logs__V1__ScopeLogs, scope, scope_size, scope_write, log_records,
           log_size_v, log_write)
OTLP_LEVEL(resource_spans, Opentelemetry__Proto__Trace__V1__ResourceSpans, resource, resource_size,
           resource_write, scope_spans, scope_spans_size, scope_spans_write)
OTLP_LEVEL(resource_logs, Opentelemetry__Proto__Logs__V1__ResourceLogs, resource, resource_size,
           resource_write, scope_logs, scope_logs_size, scope_logs_write)

/* Export*ServiceRequest: repeated field 1 of resource levels. */
#define OTLP_REQUEST(name, T, items, item_size, item_write)                                          \
  static size_t name##_size(const void *m) {                                                        \
    const T *q = m;                                                                                 \
    size_t n = otlpd_pbw_unknown_size(&q->base);                                                    \
    for (size_t i = 0; i < q->n_##items; i++) n += pbw_len_field(item_size(q->items[i]));           \
    return n;                                                                                       \
  }                                                                                                 \
  static uint8_t *name##_write(uint8_t *p, const void *m) {                                         \
    const T *q = m;                                                                                 \
    p = otlpd_pbw_unknown(p, &q->base);                                                             \
    for (size_t i = q->n_##items; i-- > 0;) p = msg_write(p, PBW_TAG(1, PBW_LEN), item_write, q->items[i]); \
    return p;                                                                                       \
  }

OTLP_REQUEST(trace_request, Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest, resource_spans,
             resource_spans_size, resource_spans_write)
OTLP_REQUEST(logs_request, Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest, resource_logs,
             resource_logs_size, resource_logs_write)

/* ---- entry points ---- */

typedef struct otlp_codec {
  const ProtobufCMessageDescriptor *d;
  size_t (*size)(const void *);
  uint8_t *(*write)(uint8_t *, const void *);
} otlp_codec;

static const otlp_codec *codec_of(const ProtobufCMessage *m) {
  static const otlp_codec codecs[] = {
      {&opentelemetry__proto__trace__v1__resource_spans__descriptor, resource_spans_size, resource_spans_write},
      {&opentelemetry__proto__logs__v1__resource_logs__descriptor, resource_logs_size, resource_logs_write},
      {&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, trace_request_size,
       trace_request_write},
      {&opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor, logs_request_size,
       logs_request_write},
  };
  for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
    if (codecs[i].d == m->descriptor) return &codecs[i];
  return NULL;
}

size_t otlpd_pb_otlp_size(const ProtobufCMessage *m) {
  const otlp_codec *c = codec_of(m);
  return c ? c->size(m) : protobuf_c_message_get_packed_size(m);
}

size_t otlpd_pb_otlp_pack(const ProtobufCMessage *m, size_t size, uint8_t *out) {
  const otlp_codec *c = codec_of(m);
  if (!c) return protobuf_c_message_pack(m, out) == size ? size : 0;
  return c->write(out + size, m) == out ? size : 0;
}
