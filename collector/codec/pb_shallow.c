/* Shallow protobuf decode: requests unpacked only down to the scope level.
 *
 * A forwarding pipeline reads no span or log record: it counts them, splits
 * batches between them and sends the clients' bytes on. These descriptors
 * are copies of the generated ones for the request, the resource level and
 * the scope level in which the scope knows only its `scope` field, so
 * protobuf-c keeps the items (field 2) and the scope's schema_url (field 3)
 * as unknown fields, in the order they came, and protobuf_c_message_pack
 * re-emits them after `scope`. The unpacked structs are the generated C
 * types (same layout), with n_spans / n_log_records = 0; their
 * base.descriptor is the shallow one (message_init is NULL, so protobuf-c
 * initialises them generically with the descriptor it was given), which is
 * how every shallow message can be told apart.
 *
 * Metrics are not covered: a metric's data points sit one level deeper, so
 * counting and splitting them would need a wire-level walker of its own. */
#include <stdbool.h>
#include <stddef.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"

/* ScopeSpans / ScopeLogs: only `scope` is known. */
#define SCOPE_FIELDS(T)                                                                               \
  {{"scope", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(T, scope),                 \
    &opentelemetry__proto__common__v1__instrumentation_scope__descriptor, NULL, 0, 0, NULL, NULL}}

/* Resource{Spans,Logs}: all fields, the scopes through the shallow scope. */
#define RESOURCE_FIELDS(T, n_sc, sc, scope_desc)                                                      \
  {{"resource", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(T, resource),           \
    &opentelemetry__proto__resource__v1__resource__descriptor, NULL, 0, 0, NULL, NULL},                \
   {#sc, 2, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(T, n_sc), offsetof(T, sc),    \
    &(scope_desc), NULL, 0, 0, NULL, NULL},                                                           \
   {"schema_url", 3, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, offsetof(T, schema_url), NULL, \
    &protobuf_c_empty_string, 0, 0, NULL, NULL}}

#define REQUEST_FIELDS(T, n_res, res, res_desc)                                                       \
  {{#res, 1, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_MESSAGE, offsetof(T, n_res), offsetof(T, res), \
    &(res_desc), NULL, 0, 0, NULL, NULL}}

static const unsigned one_by_name[] = {0};
static const unsigned resource_by_name[] = {0, 2, 1}; /* resource, schema_url, scope_* */
static const ProtobufCIntRange one_range[] = {{1, 0}, {0, 1}};
static const ProtobufCIntRange three_range[] = {{1, 0}, {0, 3}};

/* Traces. */
static const ProtobufCMessageDescriptor scope_spans_d;
static const ProtobufCMessageDescriptor resource_spans_d;
static const ProtobufCFieldDescriptor scope_spans_f[] = SCOPE_FIELDS(otlp_scope_spans);
static const ProtobufCFieldDescriptor resource_spans_f[] =
    RESOURCE_FIELDS(otlp_resource_spans, n_scope_spans, scope_spans, scope_spans_d);
static const ProtobufCFieldDescriptor trace_request_f[] =
    REQUEST_FIELDS(otlp_trace_request, n_resource_spans, resource_spans, resource_spans_d);
static const ProtobufCMessageDescriptor scope_spans_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.trace.v1.ScopeSpans", "ScopeSpans",
    "otlp_scope_spans", "opentelemetry.proto.trace.v1", sizeof(otlp_scope_spans), 1, scope_spans_f,
    one_by_name, 1, one_range, NULL, NULL, NULL, NULL};
static const ProtobufCMessageDescriptor resource_spans_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.trace.v1.ResourceSpans", "ResourceSpans",
    "otlp_resource_spans", "opentelemetry.proto.trace.v1", sizeof(otlp_resource_spans), 3,
    resource_spans_f, resource_by_name, 1, three_range, NULL, NULL, NULL, NULL};
static const ProtobufCMessageDescriptor trace_request_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
    "ExportTraceServiceRequest", "otlp_trace_request", "opentelemetry.proto.collector.trace.v1",
    sizeof(otlp_trace_request), 1, trace_request_f, one_by_name, 1, one_range, NULL, NULL, NULL, NULL};

/* Logs. */
static const ProtobufCMessageDescriptor scope_logs_d;
static const ProtobufCMessageDescriptor resource_logs_d;
static const ProtobufCFieldDescriptor scope_logs_f[] = SCOPE_FIELDS(otlp_scope_logs);
static const ProtobufCFieldDescriptor resource_logs_f[] =
    RESOURCE_FIELDS(otlp_resource_logs, n_scope_logs, scope_logs, scope_logs_d);
static const ProtobufCFieldDescriptor logs_request_f[] =
    REQUEST_FIELDS(otlp_logs_request, n_resource_logs, resource_logs, resource_logs_d);
static const ProtobufCMessageDescriptor scope_logs_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.logs.v1.ScopeLogs", "ScopeLogs",
    "otlp_scope_logs", "opentelemetry.proto.logs.v1", sizeof(otlp_scope_logs), 1, scope_logs_f,
    one_by_name, 1, one_range, NULL, NULL, NULL, NULL};
static const ProtobufCMessageDescriptor resource_logs_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.logs.v1.ResourceLogs", "ResourceLogs",
    "otlp_resource_logs", "opentelemetry.proto.logs.v1", sizeof(otlp_resource_logs), 3, resource_logs_f,
    resource_by_name, 1, three_range, NULL, NULL, NULL, NULL};
static const ProtobufCMessageDescriptor logs_request_d = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
    "ExportLogsServiceRequest", "otlp_logs_request", "opentelemetry.proto.collector.logs.v1",
    sizeof(otlp_logs_request), 1, logs_request_f, one_by_name, 1, one_range, NULL, NULL, NULL, NULL};

const ProtobufCMessageDescriptor *otlpd_request_descriptor_shallow(otlpd_signal s) {
  switch (s) {
  case OTLPD_TRACES: return &trace_request_d;
  case OTLPD_LOGS: return &logs_request_d;
  default: return NULL;
  }
}

bool otlpd_pb_is_shallow(const ProtobufCMessageDescriptor *d) {
  return d == &scope_spans_d || d == &resource_spans_d || d == &trace_request_d || d == &scope_logs_d ||
         d == &resource_logs_d || d == &logs_request_d;
}

bool otlpd_pb_is_shallow_scope(const ProtobufCMessageDescriptor *d) {
  return d == &scope_spans_d || d == &scope_logs_d;
}
