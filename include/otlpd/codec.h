/* OTLP encodings: protobuf (protoc-c) and OTLP-JSON.
 *
 * Decoders allocate everything in the caller's arena and never crash on
 * hostile input; they fail with a short human-readable reason in err. */
#ifndef OTLPD_CODEC_H
#define OTLPD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "otlpd/arena.h"
#include "otlpd/buf.h"
#include "otlpd/data.h"

/* Deepest message nesting accepted (AnyValue inside AnyValue ...);
 * protobuf-c recurses on the C stack, so this is checked before unpacking. */
#define OTLPD_MAX_NESTING 64

const ProtobufCMessageDescriptor *otlpd_request_descriptor(otlpd_signal s);
const ProtobufCMessageDescriptor *otlpd_response_descriptor(otlpd_signal s);

/* Protobuf: NULL on error with a reason in err. Unknown fields are kept and
 * re-emitted by protobuf_c_message_pack. */
ProtobufCMessage *otlpd_pb_decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
                                  size_t len, otlpd_arena *a, char *err, size_t errlen);
/* Like otlpd_pb_decode, and also copies buf into the arena and records in
 * *raw where each resource-level item (field 1 of an Export*ServiceRequest)
 * lies in that copy, so an unchanged item can be written out again without
 * re-encoding (otlpd_batch_encode_pb). */
ProtobufCMessage *otlpd_pb_decode_keep(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
                                       size_t len, otlpd_arena *a, char *err, size_t errlen,
                                       otlpd_raw *raw);
/* Shallow decode (collector/codec/pb_shallow.c), for receivers whose every
 * downstream path reads no item: the request is checked against the full
 * schema, as otlpd_pb_decode_keep would, but unpacked only down to the
 * scope level; the scope's items and schema_url stay unknown fields (tag 2
 * and 3) that protobuf_c_message_pack re-emits. Every message of that
 * decode has a shallow descriptor (otlpd_pb_is_shallow). Metrics have no
 * shallow form: they are decoded fully. */
ProtobufCMessage *otlpd_pb_decode_shallow_keep(otlpd_signal s, const uint8_t *buf, size_t len,
                                               otlpd_arena *a, char *err, size_t errlen, otlpd_raw *raw);
/* Whether s's request in buf is one a full decode accepts (0) or not (-1),
 * without a reason: the shallow decode's fast check (pb_validate.c). */
int otlpd_pb_validate(otlpd_signal s, const uint8_t *buf, size_t len);
/* The slow, reason-giving form of the same check against any descriptor:
 * 0, or -EINVAL with the reason in err. */
int otlpd_pb_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len, char *err,
                   size_t errlen);
/* The unpack behind otlpd_pb_decode_shallow_keep, for a body that passed
 * otlpd_pb_validate and lives in arena a: the shallow messages' unknown
 * fields point into buf (not copied). 0; 1 when protobuf-c must do it (a
 * singular message field sent twice, which it merges); -ENOMEM. */
int otlpd_pb_shallow_unpack(const ProtobufCMessageDescriptor *shallow, uint8_t *buf, size_t len, otlpd_arena *a,
                            ProtobufCMessage **out);
/* The shallow request descriptor of s, NULL where there is none (metrics). */
const ProtobufCMessageDescriptor *otlpd_request_descriptor_shallow(otlpd_signal s);
bool otlpd_pb_is_shallow(const ProtobufCMessageDescriptor *d);
/* A ScopeSpans / ScopeLogs of a shallow decode (items are unknown fields). */
bool otlpd_pb_is_shallow_scope(const ProtobufCMessageDescriptor *d);
/* Append the encoding of m to out. 0 or -ENOMEM. */
int otlpd_pb_encode(const ProtobufCMessage *m, otlpd_buf *out);

/* OTLP-JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys (snake_case accepted on input), trace/span ids as hex,
 * enums as integers (names accepted on input), 64-bit integers as strings
 * (numbers accepted on input), bytes as base64, unknown keys ignored. */
ProtobufCMessage *otlpd_json_decode(const ProtobufCMessageDescriptor *d, const char *buf,
                                    size_t len, otlpd_arena *a, char *err, size_t errlen);
/* Append m as one line of compact JSON (no trailing newline). 0, -ENOMEM, or
 * -EINVAL for a hand-built message nested deeper than OTLPD_MAX_NESTING. */
int otlpd_json_encode(const ProtobufCMessage *m, otlpd_buf *out);

#endif
