/* Bytes as text: hex (trace and span ids) and base64 (OTLP-JSON bytes,
 * HTTP basic auth), shared by every encoder. Encoders append to b and
 * return 0 or -ENOMEM. Decoders write at most *_decoded_max bytes and
 * return the length, or -1 on a bad character or length. */
#ifndef OTLPD_BYTES_TEXT_H
#define OTLPD_BYTES_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"

int otlpd_hex_encode(otlpd_buf *b, const uint8_t *p, size_t n);
long otlpd_hex_decode(const char *s, size_t n, uint8_t *out);
int otlpd_base64_encode(otlpd_buf *b, const uint8_t *p, size_t n);
long otlpd_base64_decode(const char *s, size_t n, uint8_t *out);
static inline size_t otlpd_base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

#endif
