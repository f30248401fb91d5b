/* Growable byte buffer; see include/otlpd/buf.h. */
#include "otlpd/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 256

int otlpd_buf_reserve(otlpd_buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return 0;
  size_t need = b->len + extra;
  if (need < b->len) return -ENOMEM; /* overflow */
  /* Doubling keeps appends amortised O(1). */
  size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
  while (cap < need) {
    if (cap > SIZE_MAX / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  uint8_t *p = realloc(b->data, cap);
  if (!p) return -ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int otlpd_buf_append(otlpd_buf *b, const void *p, size_t n) {
  if (n == 0) return 0;
  int rc = otlpd_buf_reserve(b, n);
  if (rc) return rc;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

int otlpd_buf_printf(otlpd_buf *b, const char *fmt, ...) {
  va_list ap;
  /* First try whatever room is left; retry once with the exact size. */
  size_t room = b->cap - b->len;
  va_start(ap, fmt);
  int n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n < 0) return -EINVAL;
  if ((size_t)n < room) {
    b->len += (size_t)n;
    return 0;
  }
  int rc = otlpd_buf_reserve(b, (size_t)n + 1);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void otlpd_buf_free(otlpd_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
