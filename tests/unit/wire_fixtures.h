/* Client wire bytes of the batch fixtures, and batches decoded from them
 * keeping those bytes (the wire-reuse path). Include after <cmocka.h>. */
#ifndef OTLPD_TEST_WIRE_FIXTURES_H
#define OTLPD_TEST_WIRE_FIXTURES_H

#include "batch_fixtures.h"
#include "otlpd/buf.h"
#include "otlpd/codec.h"

/* A client request: the fixture encoded by protobuf-c. */
static inline uint8_t *fx_client_bytes(int R, int S, int N, int *counter, size_t *len) {
  otlpd_payload *p = fx_traces(R, S, N, counter, NULL);
  otlpd_buf b = {0};
  assert_int_equal(otlpd_pb_encode(p->msg, &b), 0);
  otlpd_payload_unref(p);
  *len = b.len;
  return b.data;
}

static inline otlpd_batch *fx_decode_kept(const uint8_t *wire, size_t len) {
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  otlpd_raw raw;
  ProtobufCMessage *m = otlpd_pb_decode_keep(otlpd_request_descriptor(OTLPD_TRACES), wire, len, a, err,
                                             sizeof(err), &raw);
  assert_non_null(m);
  otlpd_payload *p = otlpd_payload_new(OTLPD_TRACES, a, m, NULL);
  p->raw = raw;
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

#endif
