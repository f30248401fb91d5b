/* Reading an OTLP/HTTP server's answer; see otlphttp_response.h. */
#include <stdio.h>
#include <string.h>

#include "otlphttp_response.h"
#include "otlpd/codec.h"
#include "otlpd/otlp.h"
#include "google/rpc/status.pb-c.h"

/* Errors bodies and partial successes are small; a bigger body is not
 * worth decoding for a log line. */
#define MAX_DECODED_BODY (64u << 10)

otlphttp_verdict otlphttp_status_verdict(int status) {
  if (status >= 200 && status < 300) return OTLPHTTP_ACCEPTED;
  switch (status) {
  case 429:
  case 502:
  case 503:
  case 504:
    return OTLPHTTP_RETRYABLE;
  default:
    return OTLPHTTP_PERMANENT;
  }
}

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *d, const uint8_t *body, size_t len,
                                bool json, otlpd_arena *a) {
  char err[64];
  if (json) return otlpd_json_decode(d, (const char *)body, len, a, err, sizeof(err));
  return otlpd_pb_decode(d, body, len, a, err, sizeof(err));
}

static void set_message(otlphttp_answer *out, const char *m) {
  if (m && *m) snprintf(out->message, sizeof(out->message), "%s", m);
}

/* The three Export*ServiceResponse messages share one shape: field 1 is a
 * partial success of (rejected count, error message). */
static void read_partial(otlpd_signal s, const ProtobufCMessage *m, otlphttp_answer *out) {
  switch (s) {
  case OTLPD_TRACES: {
    const otlp_trace_response *r = (const otlp_trace_response *)m;
    if (!r->partial_success) return;
    out->rejected = r->partial_success->rejected_spans;
    set_message(out, r->partial_success->error_message);
    return;
  }
  case OTLPD_METRICS: {
    const otlp_metrics_response *r = (const otlp_metrics_response *)m;
    if (!r->partial_success) return;
    out->rejected = r->partial_success->rejected_data_points;
    set_message(out, r->partial_success->error_message);
    return;
  }
  default: {
    const otlp_logs_response *r = (const otlp_logs_response *)m;
    if (!r->partial_success) return;
    out->rejected = r->partial_success->rejected_log_records;
    set_message(out, r->partial_success->error_message);
    return;
  }
  }
}

/* Printable text is shown as is (cut to the message's size); anything
 * else says nothing rather than garbling the log. */
static void text_message(otlphttp_answer *out, const uint8_t *body, size_t len) {
  size_t n = len < sizeof(out->message) - 1 ? len : sizeof(out->message) - 1;
  for (size_t i = 0; i < n; i++)
    if ((body[i] < 0x20 && body[i] != '\n' && body[i] != '\t' && body[i] != '\r') || body[i] == 0x7f) return;
  memcpy(out->message, body, n);
  out->message[n] = 0;
  while (n && (out->message[n - 1] == '\n' || out->message[n - 1] == '\r')) out->message[--n] = 0;
}

void otlphttp_read_answer(otlpd_signal s, int status, const uint8_t *body, size_t len, bool json,
                          otlphttp_answer *out) {
  memset(out, 0, sizeof(*out));
  out->verdict = otlphttp_status_verdict(status);
  if (!body || len == 0 || len > MAX_DECODED_BODY) return;
  otlpd_arena *a = otlpd_arena_new(len * 4 + 256);
  if (!a) return;
  if (out->verdict == OTLPHTTP_ACCEPTED) {
    ProtobufCMessage *m = decode(otlpd_response_descriptor(s), body, len, json, a);
    if (m) read_partial(s, m, out);
    if (out->rejected < 0) out->rejected = 0;
  } else {
    ProtobufCMessage *m = decode(&google__rpc__status__descriptor, body, len, json, a);
    if (m) set_message(out, ((Google__Rpc__Status *)m)->message);
    if (!out->message[0]) text_message(out, body, len); /* a proxy's or a plain-text answer */
  }
  otlpd_arena_free(a);
}
