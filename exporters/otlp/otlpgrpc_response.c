/* partial_success of an Export*ServiceResponse: how many items the server
 * rejected (permanently) and why. The three responses share one shape. */
#include <stdio.h>
#include <string.h>

#include "otlpgrpc_response.h"
#include "otlpd/codec.h"
#include "otlpd/otlp.h"

/* A partial success is a count and a sentence; a bigger body is not worth
 * decoding for a log line. */
#define MAX_DECODED (64u << 10)

static void set_message(char *msg, size_t cap, const char *m) {
  if (m && *m) snprintf(msg, cap, "%s", m);
}

int64_t otlpgrpc_partial_rejected(otlpd_signal s, const uint8_t *body, size_t len, char *msg,
                                  size_t cap) {
  if (cap) msg[0] = 0;
  if (!body || len == 0 || len > MAX_DECODED) return 0;
  otlpd_arena *a = otlpd_arena_new(len * 4 + 256);
  if (!a) return 0;
  char err[64];
  int64_t rejected = 0;
  ProtobufCMessage *m = otlpd_pb_decode(otlpd_response_descriptor(s), body, len, a, err, sizeof(err));
  if (m) {
    switch (s) {
    case OTLPD_TRACES: {
      const otlp_trace_response *r = (const otlp_trace_response *)m;
      if (r->partial_success) {
        rejected = r->partial_success->rejected_spans;
        set_message(msg, cap, r->partial_success->error_message);
      }
      break;
    }
    case OTLPD_METRICS: {
      const otlp_metrics_response *r = (const otlp_metrics_response *)m;
      if (r->partial_success) {
        rejected = r->partial_success->rejected_data_points;
        set_message(msg, cap, r->partial_success->error_message);
      }
      break;
    }
    default: {
      const otlp_logs_response *r = (const otlp_logs_response *)m;
      if (r->partial_success) {
        rejected = r->partial_success->rejected_log_records;
        set_message(msg, cap, r->partial_success->error_message);
      }
      break;
    }
    }
  }
  otlpd_arena_free(a);
  return rejected < 0 ? 0 : rejected;
}
