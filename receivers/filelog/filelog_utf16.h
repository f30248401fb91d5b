/* UTF-16 line splitting and conversion (filelog_utf16.c). */
#ifndef OTLPD_FILELOG_UTF16_H
#define OTLPD_FILELOG_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_UTF16_NONE ((size_t)-1)

/* The first two bytes are a byte order mark (U+FEFF in that order). */
bool fl_utf16_bom(const uint8_t *b, size_t n, bool be);
/* Index of the first newline unit at from, from+2, ... (from even
 * relative to the file), or FL_UTF16_NONE. */
size_t fl_utf16_find_nl(const uint8_t *b, size_t from, size_t n, bool be);
/* Room fl_utf16_to_utf8 needs for n input bytes (no NUL). */
static inline size_t fl_utf16_utf8_cap(size_t n) { return (n / 2 + 1) * 3; }
/* Converts n bytes; returns bytes written to out. */
size_t fl_utf16_to_utf8(const uint8_t *in, size_t n, bool be, char *out);

#endif
