/* Fuzz target: HTTP request body decompression (gzip/deflate/zstd) with a
 * bound on the output. The first byte picks the encoding and the bound.
 * Invariant: never more output than the bound, whatever the input claims. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../receivers/otlp/http_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  otlp_http_encoding enc = (data[0] & 1) ? OTLP_HTTP_ENC_ZSTD : OTLP_HTTP_ENC_GZIP;
  size_t max = (size_t)1 << (10 + (data[0] >> 1) % 12); /* 1 KiB .. 2 MiB */
  /* One inflater for the whole run, as a connection keeps one: zstd's
   * context and window are set up once, not per input (which made this
   * target run at a few hundred inputs per second). */
  static otlp_http_inflater d;
  const char *why = NULL;
  /* twice: the second run reuses the stream and buffer as the server does */
  for (int round = 0; round < 2; round++) {
    int rc = otlp_http_inflate(&d, enc, data + 1, size - 1, max, &why);
    if (rc == 0 && d.out.len > max) {
      fprintf(stderr, "inflated %zu bytes past the bound %zu\n", d.out.len, max);
      abort();
    }
  }
  otlp_http_inflater_settle(&d, 1u << 20); /* as the server: drop a buffer past 1 MiB */
  return 0;
}
