/* Helpers shared by the OTLP-JSON encoder and decoder (not a public API). */
#ifndef OTLPD_CODEC_INTERNAL_H
#define OTLPD_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "otlpd/buf.h"
#include "otlpd/bytes_text.h" /* bytes_text.c */

/* json_fields.c */
/* OTLP-JSON writes these bytes fields as hex instead of base64. */
bool otlpd_json_hex_field(const ProtobufCFieldDescriptor *f);
/* key is f's name in lowerCamelCase (JSON name) or as written (snake_case). */
bool otlpd_json_key_matches(const ProtobufCFieldDescriptor *f, const char *key, size_t klen);
/* Appends f's lowerCamelCase name. */
int otlpd_json_put_name(otlpd_buf *b, const ProtobufCFieldDescriptor *f);
/* Size of one element of a repeated field of type t in protobuf-c's layout. */
size_t otlpd_pb_elem_size(ProtobufCType t);

#endif
