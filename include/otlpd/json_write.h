/* JSON writing primitives shared by every encoder that writes JSON text
 * (OTLP-JSON, Elasticsearch documents, Loki lines). Each appends to b and
 * returns 0 or -ENOMEM. Output is always valid JSON: control characters are
 * escaped and invalid UTF-8 bytes (protobuf strings are not validated on
 * decode) become U+FFFD. */
#ifndef OTLPD_JSON_WRITE_H
#define OTLPD_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"

/* s as a quoted JSON string; NULL writes "". */
int otlpd_json_str(otlpd_buf *b, const char *s);
/* n bytes of s as a quoted JSON string (NUL bytes escaped). */
int otlpd_json_strn(otlpd_buf *b, const char *s, size_t n);
/* n bytes of s escaped, without the quotes: for keys built from parts. */
int otlpd_json_escaped(otlpd_buf *b, const char *s, size_t n);
/* Integers; quoted writes them as strings (OTLP-JSON's 64-bit rule). */
int otlpd_json_u64(otlpd_buf *b, uint64_t v, int quoted);
int otlpd_json_i64(otlpd_buf *b, int64_t v, int quoted);
/* The shortest decimal that reads back to v (single: as a float);
 * NaN and infinities as the strings "NaN", "Infinity", "-Infinity". */
int otlpd_json_double(otlpd_buf *b, double v, int single);

#endif
