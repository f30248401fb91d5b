/* Protobuf wire primitives for the OTLP encoder (pb_encode_*.c), which
 * sizes a message once and then writes it back to front: a sub-message's
 * length is known when its prefix is written, so nothing is sized twice and
 * nothing is moved. Not a public API. */
#ifndef OTLPD_PB_WIRE_BACK_H
#define OTLPD_PB_WIRE_BACK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>

#include "otlpd/otlp.h"

#define PBW_VARINT 0
#define PBW_I64 1
#define PBW_LEN 2
#define PBW_I32 5
/* Tag byte of fields 1..15 (every field here but Span.flags). */
#define PBW_TAG(field, wt) ((uint8_t)(((field) << 3) | (wt)))

static inline size_t pbw_varint_size(uint64_t v) {
  /* 7 bits per byte; bit 0 set so that 0 takes one byte */
  int bits = 64 - __builtin_clzll(v | 1);
  return (size_t)(bits + 6) / 7;
}

/* protobuf-c writes a negative int32 (enum) sign-extended: 10 bytes. */
static inline uint64_t pbw_int32_wire(int32_t v) { return (uint64_t)(int64_t)v; }

/* Length-delimited field of n bytes with a one-byte tag. */
static inline size_t pbw_len_field(size_t n) { return 1 + pbw_varint_size(n) + n; }

/* proto3 string: "" and NULL are not written. Sets *len. */
static inline size_t pbw_str_field(const char *s, size_t *len) {
  if (!s || !*s) return *len = 0, 0;
  *len = strlen(s);
  return pbw_len_field(*len);
}
static inline size_t pbw_str_size(const char *s) {
  size_t n;
  return pbw_str_field(s, &n);
}
static inline size_t pbw_bytes_size(ProtobufCBinaryData b) { return b.len ? pbw_len_field(b.len) : 0; }
static inline size_t pbw_u32_size(uint32_t v) { return v ? 1 + pbw_varint_size(v) : 0; }
static inline size_t pbw_enum_size(int32_t v) { return v ? 1 + pbw_varint_size(pbw_int32_wire(v)) : 0; }

/* Back-to-front writers: each takes the end of the room and returns the
 * new start. */
static inline uint8_t *pbw_varint(uint8_t *p, uint64_t v) {
  size_t n = pbw_varint_size(v);
  p -= n;
  for (size_t i = 0; i + 1 < n; i++, v >>= 7) p[i] = (uint8_t)(v | 0x80);
  p[n - 1] = (uint8_t)v;
  return p;
}
static inline uint8_t *pbw_byte(uint8_t *p, uint8_t b) {
  *--p = b;
  return p;
}
static inline uint8_t *pbw_raw(uint8_t *p, const void *src, size_t n) {
  p -= n;
  if (n) memcpy(p, src, n);
  return p;
}
/* Tag and length before the body that starts at p and ends at end. */
static inline uint8_t *pbw_frame(uint8_t *p, const uint8_t *end, uint8_t tag) {
  p = pbw_varint(p, (uint64_t)(end - p));
  return pbw_byte(p, tag);
}
static inline uint8_t *pbw_len_bytes(uint8_t *p, uint8_t tag, const void *src, size_t n) {
  uint8_t *end = p;
  p = pbw_raw(p, src, n);
  return pbw_frame(p, end, tag);
}
static inline uint8_t *pbw_str(uint8_t *p, uint8_t tag, const char *s) {
  return (s && *s) ? pbw_len_bytes(p, tag, s, strlen(s)) : p;
}
static inline uint8_t *pbw_bytes(uint8_t *p, uint8_t tag, ProtobufCBinaryData b) {
  return b.len ? pbw_len_bytes(p, tag, b.data, b.len) : p;
}
static inline uint8_t *pbw_u32(uint8_t *p, uint8_t tag, uint32_t v) {
  return v ? pbw_byte(pbw_varint(p, v), tag) : p;
}
static inline uint8_t *pbw_enum(uint8_t *p, uint8_t tag, int32_t v) {
  return v ? pbw_byte(pbw_varint(p, pbw_int32_wire(v)), tag) : p;
}
static inline uint8_t *pbw_fixed64(uint8_t *p, uint8_t tag, uint64_t v) {
  if (!v) return p;
  p -= 8;
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
  return pbw_byte(p, tag);
}
static inline uint8_t *pbw_fixed32_raw(uint8_t *p, uint32_t v) {
  p -= 4;
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  return p;
}

/* pb_encode_common.c: the messages logs and traces share, and the unknown
 * fields protobuf-c kept (written after the known ones, as it does). */
size_t otlpd_pbw_unknown_size(const ProtobufCMessage *m);
uint8_t *otlpd_pbw_unknown(uint8_t *p, const ProtobufCMessage *m);
/* Repeated KeyValue field `tag` (field number below 16). */
size_t otlpd_pbw_attrs_size(Opentelemetry__Proto__Common__V1__KeyValue *const *kv, size_t n);
uint8_t *otlpd_pbw_attrs(uint8_t *p, uint8_t tag, Opentelemetry__Proto__Common__V1__KeyValue *const *kv, size_t n);
/* Bodies (no tag or length) of AnyValue, InstrumentationScope, Resource. */
size_t otlpd_pbw_any_size(const Opentelemetry__Proto__Common__V1__AnyValue *v);
uint8_t *otlpd_pbw_any(uint8_t *p, const Opentelemetry__Proto__Common__V1__AnyValue *v);
size_t otlpd_pbw_scope_size(const Opentelemetry__Proto__Common__V1__InstrumentationScope *s);
uint8_t *otlpd_pbw_scope(uint8_t *p, const Opentelemetry__Proto__Common__V1__InstrumentationScope *s);
size_t otlpd_pbw_resource_size(const Opentelemetry__Proto__Resource__V1__Resource *r);
uint8_t *otlpd_pbw_resource(uint8_t *p, const Opentelemetry__Proto__Resource__V1__Resource *r);

#endif
