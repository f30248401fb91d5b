/* JSON writing primitives (include/otlpd/json_write.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/json_write.h"

static inline int put(otlpd_buf *b, const char *s, size_t n) { return otlpd_buf_append(b, s, n); }
#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static inline int putc1(otlpd_buf *b, char c) {
  if (b->len == b->cap && otlpd_buf_reserve(b, 1)) return -ENOMEM;
  b->data[b->len++] = (uint8_t)c;
  return 0;
}

static int put_u64(otlpd_buf *b, uint64_t v, int neg, int quoted) {
  char tmp[24];
  int i = (int)sizeof tmp;
  if (quoted) tmp[--i] = '"';
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  if (neg) tmp[--i] = '-';
  if (quoted) tmp[--i] = '"';
  return put(b, tmp + i, sizeof tmp - (size_t)i);
}

int otlpd_json_i64(otlpd_buf *b, int64_t v, int quoted) {
  uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  return put_u64(b, mag, v < 0, quoted);
}

/* Shortest of %.15g..%.17g that reads back to the same value. */
int otlpd_json_double(otlpd_buf *b, double v, int single) {
  if (isnan(v)) return PUTS(b, "\"NaN\"");
  if (isinf(v)) return v > 0 ? PUTS(b, "\"Infinity\"") : PUTS(b, "\"-Infinity\"");
  char tmp[40];
  int lo = single ? 6 : 15, hi = single ? 9 : 17;
  int n = 0;
  for (int prec = lo; prec <= hi; prec++) {
    n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (single ? (float)strtod(tmp, NULL) == (float)v : strtod(tmp, NULL) == v) break;
  }
  return put(b, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
    if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f)) return 0;
    return 4;
  }
  return 0;
}

/* Escapes what JSON requires; invalid UTF-8 bytes (protobuf strings are not
 * validated on decode) become U+FFFD so the output is always valid JSON. */
int otlpd_json_escaped(otlpd_buf *b, const char *str, size_t n) {
  static const char hexd[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, run = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      i++;
      continue;
    }
    if (put(b, (const char *)s + run, i - run)) return -ENOMEM;
    int rc;
    if (c >= 0x80) {
      size_t l = utf8_len(s + i, n - i);
      /* U+FFFD written as UTF-8 (not escaped) so that re-encoding our own
       * output gives the same bytes. */
      rc = l ? put(b, (const char *)s + i, l) : PUTS(b, "\xef\xbf\xbd");
      i += l ? l : 1;
    } else {
      char e[6] = {'\\', 0, 0, 0, 0, 0};
      size_t el = 2;
      switch (c) {
      case '"': e[1] = '"'; break;
      case '\\': e[1] = '\\'; break;
      case '\n': e[1] = 'n'; break;
      case '\r': e[1] = 'r'; break;
      case '\t': e[1] = 't'; break;
      case '\b': e[1] = 'b'; break;
      case '\f': e[1] = 'f'; break;
      default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hexd[c >> 4];
        e[5] = hexd[c & 15];
        el = 6;
      }
      rc = put(b, e, el);
      i++;
    }
    if (rc) return -ENOMEM;
    run = i;
  }
  return put(b, (const char *)s + run, n - run);
}

int otlpd_json_strn(otlpd_buf *b, const char *s, size_t n) {
  if (putc1(b, '"') || otlpd_json_escaped(b, s, n)) return -ENOMEM;
  return putc1(b, '"');
}

int otlpd_json_str(otlpd_buf *b, const char *s) { return otlpd_json_strn(b, s ? s : "", s ? strlen(s) : 0); }

int otlpd_json_u64(otlpd_buf *b, uint64_t v, int quoted) { return put_u64(b, v, 0, quoted); }

