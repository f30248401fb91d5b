/* libFuzzer target: OTLP-JSON decode of each signal's request, then
 * re-encode both ways. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    const ProtobufCMessageDescriptor *d = otlpd_request_descriptor((otlpd_signal)s);
    char err[256] = "";
    otlpd_arena *a = fuzz_arena();
    ProtobufCMessage *m = otlpd_json_decode(d, (const char *)data, size, a, err, sizeof err);
    if (m) fuzz_check_reencode(d, m);
    else if (!err[0]) fuzz_die("json decode failed without a reason", NULL);
    otlpd_arena_free(a);
  }
  return 0;
}
