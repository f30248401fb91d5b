/* libFuzzer target: protobuf decode of each signal's request (and the
 * responses), then re-encode both ways. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    const ProtobufCMessageDescriptor *ds[2] = {otlpd_request_descriptor((otlpd_signal)s),
                                               otlpd_response_descriptor((otlpd_signal)s)};
    for (int k = 0; k < 2; k++) {
      char err[256] = "";
      otlpd_arena *a = fuzz_arena();
      ProtobufCMessage *m = otlpd_pb_decode(ds[k], data, size, a, err, sizeof err);
      if (m) fuzz_check_reencode(ds[k], m);
      else if (!err[0]) fuzz_die("pb decode failed without a reason", NULL);
      /* Fuzz inputs are far too small to reach the arena limit, so if
       * protobuf-c refused what the pre-scan passed, the pre-scan missed a
       * case it should name. */
      else if (strstr(err, "cannot decode")) fuzz_die("pre-scan accepted what protobuf-c refused", err);
      otlpd_arena_free(a);
    }
  }
  return 0;
}
