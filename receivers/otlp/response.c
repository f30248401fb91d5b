/* Export*ServiceResponse for either protocol. */
#include "otlp_receiver.h"

ProtobufCMessage *otlp_response_build(otlp_response *r, otlpd_signal s, size_t rejected, const char *why) {
  char *msg = (char *)(why ? why : "");
  switch (s) {
  case OTLPD_TRACES:
    opentelemetry__proto__collector__trace__v1__export_trace_service_response__init(&r->traces);
    opentelemetry__proto__collector__trace__v1__export_trace_partial_success__init(&r->traces_ps);
    r->traces_ps.rejected_spans = (int64_t)rejected, r->traces_ps.error_message = msg;
    r->traces.partial_success = rejected ? &r->traces_ps : NULL;
    return &r->traces.base;
  case OTLPD_METRICS:
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__init(&r->metrics);
    opentelemetry__proto__collector__metrics__v1__export_metrics_partial_success__init(&r->metrics_ps);
    r->metrics_ps.rejected_data_points = (int64_t)rejected, r->metrics_ps.error_message = msg;
    r->metrics.partial_success = rejected ? &r->metrics_ps : NULL;
    return &r->metrics.base;
  default:
    opentelemetry__proto__collector__logs__v1__export_logs_service_response__init(&r->logs);
    opentelemetry__proto__collector__logs__v1__export_logs_partial_success__init(&r->logs_ps);
    r->logs_ps.rejected_log_records = (int64_t)rejected, r->logs_ps.error_message = msg;
    r->logs.partial_success = rejected ? &r->logs_ps : NULL;
    return &r->logs.base;
  }
}
