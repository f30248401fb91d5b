/* Protobuf encoding of a decoded message in two passes over protobuf-c's
 * descriptors, byte for byte what protobuf_c_message_pack writes.
 *
 * Why not protobuf_c_message_pack: it writes a sub-message's length prefix
 * by asking protobuf_c_message_get_packed_size, which walks the whole
 * sub-tree, at every level. An OTLP span attribute (request > resource >
 * scope > span > KeyValue > AnyValue) is sized five times and its strings
 * strlen'ed each time. Here pass 1 walks once and records, in visiting
 * order, every sub-message's size and every string's length; pass 2 walks
 * again in the same order and consumes them. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codec/pb_pack.h"

typedef struct lens {
  size_t *v;
  size_t n, cap, pos;
  size_t stack[256];
} lens;

static int push(lens *l, size_t x, size_t *slot) {
  if (l->n == l->cap) {
    size_t cap = l->cap * 2;
    size_t *v = l->v == l->stack ? malloc(cap * sizeof(*v)) : realloc(l->v, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    if (l->v == l->stack) memcpy(v, l->stack, sizeof(l->stack));
    l->v = v;
    l->cap = cap;
  }
  if (slot) *slot = l->n;
  l->v[l->n++] = x;
  return 0;
}

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

enum { WT_VARINT = 0, WT_64 = 1, WT_LEN = 2, WT_32 = 5 };

static int wire_type(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return WT_64;
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_FLOAT: return WT_32;
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_BYTES:
  case PROTOBUF_C_TYPE_MESSAGE: return WT_LEN;
  default: return WT_VARINT;
  }
}

static size_t elt_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return 8;
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  default: return 4;
  }
}

static uint32_t zigzag32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

/* The varint value of a scalar member (varint wire types only). */
static uint64_t varint_of(ProtobufCType t, const void *m) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_ENUM: return (uint64_t)(int64_t) * (const int32_t *)m; /* negative: 10 bytes */
  case PROTOBUF_C_TYPE_SINT32: return zigzag32(*(const int32_t *)m);
  case PROTOBUF_C_TYPE_UINT32: return *(const uint32_t *)m;
  case PROTOBUF_C_TYPE_SINT64: return zigzag64(*(const int64_t *)m);
  case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)m ? 1 : 0;
  default: return *(const uint64_t *)m; /* INT64, UINT64 */
  }
}

/* protobuf-c's rules for whether a non-repeated field is written. */
static bool present(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, const void *member) {
  const char *base = (const char *)m;
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    if (*(const uint32_t *)(base + f->quantifier_offset) != f->id) return false;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
      const void *p = *(const void *const *)member;
      return p && p != f->default_value;
    }
    return true;
  }
  switch (f->label) {
  case PROTOBUF_C_LABEL_REQUIRED: return true;
  case PROTOBUF_C_LABEL_OPTIONAL:
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
      const void *p = *(const void *const *)member;
      return p && p != f->default_value;
    }
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
  default: break; /* proto3 implicit presence: not zero */
  }
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(const char *const *)member;
    return s && *s;
  }
  case PROTOBUF_C_TYPE_MESSAGE: return *(const void *const *)member != NULL;
  case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)member)->len != 0;
  case PROTOBUF_C_TYPE_FLOAT: return *(const float *)member != 0;
  case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)member != 0;
  default: return elt_size(f->type) == 8 ? *(const uint64_t *)member != 0 : *(const uint32_t *)member != 0;
  }
}

static int size_msg(const ProtobufCMessage *m, lens *l, size_t *out);

/* Size of one value's payload (no tag); strings and sub-messages record
 * their length in l. */
static int size_value(const ProtobufCFieldDescriptor *f, const void *member, lens *l, size_t *out) {
  switch (wire_type(f->type)) {
  case WT_64: *out = 8; return 0;
  case WT_32: *out = 4; return 0;
  case WT_VARINT: *out = varint_len(varint_of(f->type, member)); return 0;
  default: break;
  }
  size_t n = 0;
  if (f->type == PROTOBUF_C_TYPE_STRING) {
    const char *s = *(const char *const *)member;
    n = s ? strlen(s) : 0;
    if (push(l, n, NULL)) return -ENOMEM;
  } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
    n = ((const ProtobufCBinaryData *)member)->len;
  } else {
    size_t slot;
    const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
    if (push(l, 0, &slot)) return -ENOMEM;
    if (sub && size_msg(sub, l, &n)) return -ENOMEM;
    l->v[slot] = n;
  }
  *out = varint_len(n) + n;
  return 0;
}

static int size_field(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, lens *l, size_t *out) {
  const char *member = (const char *)m + f->offset;
  size_t tag = varint_len((uint64_t)f->id << 3), n = 0, one;
  *out = 0;
  if (f->label != PROTOBUF_C_LABEL_REPEATED) {
    if (!present(f, m, member)) return 0;
    if (size_value(f, member, l, &one)) return -ENOMEM;
    *out = tag + one;
    return 0;
  }
  size_t count = *(const size_t *)((const char *)m + f->quantifier_offset), es = elt_size(f->type);
  const char *arr = *(const char *const *)member;
  if (!count) return 0;
  for (size_t i = 0; i < count; i++) {
    if (size_value(f, arr + i * es, l, &one)) return -ENOMEM;
    n += one;
  }
  if ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) && wire_type(f->type) != WT_LEN) {
    if (push(l, n, NULL)) return -ENOMEM;
    *out = tag + varint_len(n) + n;
  } else {
    *out = tag * count + n;
  }
  return 0;
}

static int size_msg(const ProtobufCMessage *m, lens *l, size_t *out) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  size_t n = 0, one;
  for (unsigned i = 0; i < d->n_fields; i++) {
    if (size_field(&d->fields[i], m, l, &one)) return -ENOMEM;
    n += one;
  }
  for (unsigned i = 0; i < m->n_unknown_fields; i++)
    n += varint_len((uint64_t)m->unknown_fields[i].tag << 3) + m->unknown_fields[i].len;
  *out = n;
  return 0;
}

/* ---- pass 2: write, consuming the lengths in the same order ---- */

static uint8_t *put_le(uint8_t *p, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; k++) p[k] = (uint8_t)(v >> (8 * k));
  return p + bytes;
}

static uint8_t *put_msg(const ProtobufCMessage *m, lens *l, uint8_t *p);

static uint8_t *put_value(const ProtobufCFieldDescriptor *f, const void *member, lens *l, uint8_t *p) {
  uint64_t bits = 0;
  switch (wire_type(f->type)) {
  case WT_64: memcpy(&bits, member, 8); return put_le(p, bits, 8);
  case WT_32: memcpy(&bits, member, 4); return put_le(p, bits, 4);
  case WT_VARINT: return p + otlpd_varint_put(p, varint_of(f->type, member));
  default: break;
  }
  if (f->type == PROTOBUF_C_TYPE_STRING) {
    size_t n = l->v[l->pos++];
    p += otlpd_varint_put(p, n);
    if (n) memcpy(p, *(const char *const *)member, n);
    return p + n;
  }
  if (f->type == PROTOBUF_C_TYPE_BYTES) {
    const ProtobufCBinaryData *b = member;
    p += otlpd_varint_put(p, b->len);
    if (b->len) memcpy(p, b->data, b->len);
    return p + b->len;
  }
  const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
  p += otlpd_varint_put(p, l->v[l->pos++]);
  return sub ? put_msg(sub, l, p) : p;
}

static uint8_t *put_field(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m, lens *l, uint8_t *p) {
  const char *member = (const char *)m + f->offset;
  int wt = wire_type(f->type);
  if (f->label != PROTOBUF_C_LABEL_REPEATED) {
    if (!present(f, m, member)) return p;
    p += otlpd_varint_put(p, ((uint64_t)f->id << 3) | (uint64_t)wt);
    return put_value(f, member, l, p);
  }
  size_t count = *(const size_t *)((const char *)m + f->quantifier_offset), es = elt_size(f->type);
  const char *arr = *(const char *const *)member;
  if (!count) return p;
  if ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) && wt != WT_LEN) {
    p += otlpd_varint_put(p, ((uint64_t)f->id << 3) | WT_LEN);
    p += otlpd_varint_put(p, l->v[l->pos++]);
    for (size_t i = 0; i < count; i++) p = put_value(f, arr + i * es, l, p);
    return p;
  }
  for (size_t i = 0; i < count; i++) {
    p += otlpd_varint_put(p, ((uint64_t)f->id << 3) | (uint64_t)wt);
    p = put_value(f, arr + i * es, l, p);
  }
  return p;
}

static uint8_t *put_msg(const ProtobufCMessage *m, lens *l, uint8_t *p) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) p = put_field(&d->fields[i], m, l, p);
  for (unsigned i = 0; i < m->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
    p += otlpd_varint_put(p, ((uint64_t)u->tag << 3) | (uint64_t)u->wire_type);
    memcpy(p, u->data, u->len);
    p += u->len;
  }
  return p;
}

int otlpd_pb_pack(const ProtobufCMessage *m, uint32_t field, otlpd_buf *out) {
  lens l = {.cap = sizeof(l.stack) / sizeof(l.stack[0])};
  l.v = l.stack;
  size_t n = 0;
  int rc = size_msg(m, &l, &n);
  if (!rc) rc = otlpd_buf_reserve(out, 20 + n);
  if (!rc) {
    uint8_t *start = out->data + out->len, *p = start;
    if (field) {
      p += otlpd_varint_put(p, ((uint64_t)field << 3) | WT_LEN);
      p += otlpd_varint_put(p, n);
    }
    uint8_t *end = put_msg(m, &l, p);
    if ((size_t)(end - p) != n || l.pos != l.n) rc = -EIO; /* a bug, never the data */
    else out->len += (size_t)(end - start);
  }
  if (l.v != l.stack) free(l.v);
  return rc;
}
