/* Bounded decompression of a request body or gRPC message (http_body.c),
 * shared by the HTTP receiver (Content-Encoding) and the gRPC receiver
 * (grpc-encoding). Not thread-safe: one inflater per thread that uses it. */
#ifndef OTLPD_BODY_INFLATE_H
#define OTLPD_BODY_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <zstd.h>

#include "otlpd/buf.h"
#include "otlpd/data.h"

/* Decompression state reused across requests: one zlib stream, one zstd
 * context and one output buffer that keeps its capacity. */
typedef struct otlp_http_inflater {
  z_stream z;
  bool z_ready;
  ZSTD_DCtx *zstd;
  otlpd_buf out;
  otlpd_memacct *mem;  /* out's capacity is charged here while held (may be NULL) */
  size_t charged;
} otlp_http_inflater;

typedef enum {
  OTLP_HTTP_ENC_IDENTITY = 0,
  OTLP_HTTP_ENC_GZIP,    /* gzip, x-gzip and deflate (zlib auto-detects the header) */
  OTLP_HTTP_ENC_ZSTD,
  OTLP_HTTP_ENC_UNKNOWN,
} otlp_http_encoding;

/* Parses a Content-Encoding value. */
otlp_http_encoding otlp_http_encoding_parse(const char *v, size_t len);

/* Decompresses in[0..len) into d->out (cleared first), refusing to produce
 * more than max bytes. A first pass only counts the output (in a small
 * scratch buffer), so a body over max costs no memory, and d->out grows
 * to exactly the size a body within max needs (the price: a compressed
 * body is inflated twice). 0, -E2BIG (over max), -EINVAL (corrupt; *why
 * says how) or -ENOMEM. */
int otlp_http_inflate(otlp_http_inflater *d, otlp_http_encoding enc, const uint8_t *in, size_t len, size_t max,
                 const char **why);
/* Brings the memory charge in line with what the output buffer holds;
 * first drops the buffer when its capacity passes keep, so one big body
 * does not pin its decompressed size for good. */
void otlp_http_inflater_settle(otlp_http_inflater *d, size_t keep);
void otlp_http_inflater_free(otlp_http_inflater *d);

#endif
