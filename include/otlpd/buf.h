/* Growable byte buffer, reused across requests on the hot path. */
#ifndef OTLPD_BUF_H
#define OTLPD_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct otlpd_buf {
  uint8_t *data;
  size_t len, cap;
} otlpd_buf;

/* 0 or -ENOMEM. */
int otlpd_buf_reserve(otlpd_buf *b, size_t extra);
int otlpd_buf_append(otlpd_buf *b, const void *p, size_t n);
int otlpd_buf_printf(otlpd_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static inline void otlpd_buf_clear(otlpd_buf *b) { b->len = 0; }

/* Writes v as a protobuf varint at p (room for 10 bytes); returns its length. */
static inline size_t otlpd_varint_put(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}
void otlpd_buf_free(otlpd_buf *b);

#endif
