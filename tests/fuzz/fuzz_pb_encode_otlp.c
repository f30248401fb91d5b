/* libFuzzer target: the OTLP-specialised encoder against protobuf-c.
 * Whatever decodes as a traces or logs request (unknown fields included)
 * must encode to the same bytes with both, whole and per resource. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "otlpd/pb_encode_otlp.h"

static void same_bytes(const ProtobufCMessage *m) {
  size_t want = protobuf_c_message_get_packed_size(m);
  if (otlpd_pb_otlp_size(m) != want) fuzz_die("OTLP encoder size differs from protobuf-c", NULL);
  uint8_t *a = malloc(want + 1), *b = malloc(want + 1);
  if (!a || !b) abort();
  if (protobuf_c_message_pack(m, a) != want) fuzz_die("protobuf-c pack size", NULL);
  if (otlpd_pb_otlp_pack(m, want, b) != want) fuzz_die("OTLP encoder passes disagree", NULL);
  if (memcmp(a, b, want)) fuzz_die("OTLP encoder bytes differ from protobuf-c", NULL);
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)fuzz_check_reencode; /* fuzz_common.h's round trip is fuzz_pb_decode's job */
  static const otlpd_signal signals[] = {OTLPD_TRACES, OTLPD_LOGS};
  for (int s = 0; s < 2; s++) {
    char err[256] = "";
    otlpd_arena *a = fuzz_arena();
    ProtobufCMessage *m = otlpd_pb_decode(otlpd_request_descriptor(signals[s]), data, size, a, err, sizeof err);
    if (m) {
      same_bytes(m);
      if (signals[s] == OTLPD_TRACES) {
        otlp_trace_request *r = (otlp_trace_request *)m;
        for (size_t i = 0; i < r->n_resource_spans; i++) same_bytes(&r->resource_spans[i]->base);
      } else {
        otlp_logs_request *r = (otlp_logs_request *)m;
        for (size_t i = 0; i < r->n_resource_logs; i++) same_bytes(&r->resource_logs[i]->base);
      }
    }
    otlpd_arena_free(a);
  }
  return 0;
}
