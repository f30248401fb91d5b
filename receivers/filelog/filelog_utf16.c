/* UTF-16 files (encoding: utf-16le / utf-16be): finding the encoded
 * newline and converting a line to UTF-8 for the operators. Offsets stay
 * in the file's bytes; only record bodies are converted. As Go's decoder
 * does (otelcol), an unpaired surrogate or a lone trailing byte becomes
 * U+FFFD. */
#include <string.h>

#include "filelog_utf16.h"

static unsigned unit_at(const uint8_t *p, bool be) {
  return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

bool fl_utf16_bom(const uint8_t *b, size_t n, bool be) {
  return n >= 2 && unit_at(b, be) == 0xFEFF;
}

size_t fl_utf16_find_nl(const uint8_t *b, size_t from, size_t n, bool be) {
  for (size_t i = from; i + 1 < n; i += 2)
    if (unit_at(b + i, be) == 0x000A) return i;
  return FL_UTF16_NONE;
}

static size_t put_cp(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t fl_utf16_to_utf8(const uint8_t *in, size_t n, bool be, char *out) {
  size_t o = 0, i = 0;
  while (i + 1 < n) {
    unsigned u = unit_at(in + i, be);
    i += 2;
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < n) {
      unsigned lo = unit_at(in + i, be);
      if (lo >= 0xDC00 && lo < 0xE000) {
        i += 2;
        o += put_cp(out + o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        continue;
      }
    }
    if (u >= 0xD800 && u < 0xE000) u = 0xFFFD; /* unpaired surrogate */
    o += put_cp(out + o, u);
  }
  if (i < n) o += put_cp(out + o, 0xFFFD); /* odd trailing byte */
  return o;
}
