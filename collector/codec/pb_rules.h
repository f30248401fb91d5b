/* Protobuf wire rules shared by the two schema checks (not a public API):
 * pb.c's descriptor walk, which words refusals, and pb_validate.c's table
 * walk, which must accept exactly the same bodies. One definition each, so
 * the two cannot drift apart. */
#ifndef OTLPD_PB_RULES_H
#define OTLPD_PB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define PB_MAX_FIELD_NUMBER 536870911u /* 2^29 - 1 */

/* Reads a varint of at most max bytes. Returns bytes used, 0 if it is cut
 * short by end, -1 if it runs longer than max. */
static inline int pb_read_varint(const uint8_t *p, const uint8_t *end, int max, uint64_t *v) {
  if (p < end && *p < 0x80) { /* most keys and lengths fit in one byte */
    *v = *p;
    return 1;
  }
  uint64_t r = 0;
  for (int i = 0; i < max; i++) {
    if (p + i >= end) return 0;
    r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) {
      *v = r;
      return i + 1;
    }
  }
  return -1;
}

static inline int pb_wire_type_of(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return PROTOBUF_C_WIRE_TYPE_64BIT;
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_FLOAT: return PROTOBUF_C_WIRE_TYPE_32BIT;
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_BYTES:
  case PROTOBUF_C_TYPE_MESSAGE: return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
  default: return PROTOBUF_C_WIRE_TYPE_VARINT;
  }
}

/* A packed run must hold whole elements of wire type wt: protobuf-c would
 * reject (or, for varints, miscount) anything else. NULL or the reason. */
static inline const char *pb_packed_error(int wt, const uint8_t *p, size_t len) {
  if (wt == PROTOBUF_C_WIRE_TYPE_64BIT) return len % 8 ? "packed fixed64 length not a multiple of 8" : NULL;
  if (wt == PROTOBUF_C_WIRE_TYPE_32BIT) return len % 4 ? "packed fixed32 length not a multiple of 4" : NULL;
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    if (++run > 10) return "varint longer than 10 bytes in packed field";
    if (!(p[i] & 0x80)) run = 0;
  }
  return run ? "truncated varint at end of packed field" : NULL;
}

/* protobuf-c merges the repeats of a singular message field, and its merge
 * fails when a oneof of that message is unset both in what came before and
 * in the repeat (an AnyValue sent twice, each time without a value): the
 * whole body is then refused. The checks track such fields by their index
 * among the parent's fields (the first 32: all OTLP's cases); -1 for a
 * field that needs no tracking. */
static inline int pb_merge_slot(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f) {
  size_t i = (size_t)(f - parent->fields);
  if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED || i >= 32) return -1;
  const ProtobufCMessageDescriptor *d = f->descriptor;
  for (unsigned k = 0; k < d->n_fields; k++)
    if (d->fields[k].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) return (int)i;
  return -1;
}

#endif
