/* OTLP-JSON encoder, driven by the protobuf-c descriptors.
 *
 * Follows protobuf's JSON mapping as OTLP amends it: lowerCamelCase keys,
 * proto3 defaults omitted (set oneof members are kept even when zero),
 * enums as integers, 64-bit integers as decimal strings, trace/span ids as
 * hex, other bytes as base64, NaN/Infinity as strings. Unknown fields have
 * no JSON form and are dropped. Output is compact, on one line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "otlpd/codec.h"
#include "otlpd/json_write.h"

static inline int put(otlpd_buf *b, const char *s, size_t n) { return otlpd_buf_append(b, s, n); }
#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static inline int putc1(otlpd_buf *b, char c) {
  if (b->len == b->cap && otlpd_buf_reserve(b, 1)) return -ENOMEM;
  b->data[b->len++] = (uint8_t)c;
  return 0;
}

static int put_bytes(otlpd_buf *b, const ProtobufCFieldDescriptor *f, const ProtobufCBinaryData *bd) {
  if (putc1(b, '"')) return -ENOMEM;
  int rc = otlpd_json_hex_field(f) ? otlpd_hex_encode(b, bd->data, bd->len)
                                   : otlpd_base64_encode(b, bd->data, bd->len);
  if (rc) return rc;
  return putc1(b, '"');
}

static int enc_message(otlpd_buf *b, const ProtobufCMessage *m, int level);

/* One value of field f stored at p (protobuf-c layout). */
static int enc_value(otlpd_buf *b, const ProtobufCFieldDescriptor *f, const void *p, int level) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32: return otlpd_json_i64(b, *(const int32_t *)p, 0);
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return otlpd_json_u64(b, *(const uint32_t *)p, 0);
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64: return otlpd_json_i64(b, *(const int64_t *)p, 1);
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return otlpd_json_u64(b, *(const uint64_t *)p, 1);
  case PROTOBUF_C_TYPE_ENUM: return otlpd_json_i64(b, *(const int *)p, 0);
  case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)p ? PUTS(b, "true") : PUTS(b, "false");
  case PROTOBUF_C_TYPE_FLOAT: return otlpd_json_double(b, *(const float *)p, 1);
  case PROTOBUF_C_TYPE_DOUBLE: return otlpd_json_double(b, *(const double *)p, 0);
  case PROTOBUF_C_TYPE_STRING: return otlpd_json_str(b, *(char *const *)p);
  case PROTOBUF_C_TYPE_BYTES: return put_bytes(b, f, p);
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
    return sub ? enc_message(b, sub, level + 1) : PUTS(b, "{}");
  }
  }
  return -EINVAL;
}

/* proto3 implicit presence: a field equal to its zero value is not sent. */
static int is_default(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return *(const uint32_t *)p == 0;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return *(const uint64_t *)p == 0;
  case PROTOBUF_C_TYPE_ENUM: return *(const int *)p == 0;
  case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)p == 0;
  /* -0 counts as zero, as protobuf-c's packer decides: the JSON and the
   * protobuf we write must carry the same fields. */
  case PROTOBUF_C_TYPE_FLOAT: return *(const float *)p == 0;
  case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)p == 0;
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)p;
    return !s || !*s;
  }
  case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
  case PROTOBUF_C_TYPE_MESSAGE: return *(void *const *)p == NULL;
  }
  return 1;
}

static int present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const void *p) {
  const char *q = (const char *)m + f->quantifier_offset;
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) return *(const uint32_t *)q == f->id;
  switch (f->label) {
  case PROTOBUF_C_LABEL_REQUIRED: return 1;
  case PROTOBUF_C_LABEL_OPTIONAL:
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
      return *(void *const *)p != NULL;
    return *(const protobuf_c_boolean *)q != 0;
  default: return !is_default(f, p);
  }
}

static int enc_message(otlpd_buf *b, const ProtobufCMessage *m, int level) {
  /* Our decoders never build deeper messages; refuse rather than recurse
   * without bound on a hand-built cycle or chain. */
  if (level > OTLPD_MAX_NESTING) return -EINVAL;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  /* A shallow decode's items are unknown fields, which JSON cannot carry:
   * refuse instead of silently writing scopes without their items. */
  if (otlpd_pb_is_shallow(d)) return -EINVAL;
  int first = 1, rc;
  if (putc1(b, '{')) return -ENOMEM;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const char *p = (const char *)m + f->offset;
    size_t count = 0;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      count = *(const size_t *)((const char *)m + f->quantifier_offset);
      if (!count) continue;
    } else if (!present(m, f, p)) {
      continue;
    }
    if ((!first && putc1(b, ',')) || putc1(b, '"') || otlpd_json_put_name(b, f) || PUTS(b, "\":"))
      return -ENOMEM;
    first = 0;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
      if ((rc = enc_value(b, f, p, level))) return rc;
      continue;
    }
    const char *arr = *(char *const *)p;
    size_t esz = otlpd_pb_elem_size(f->type);
    if (putc1(b, '[')) return -ENOMEM;
    for (size_t k = 0; k < count; k++) {
      if (k && putc1(b, ',')) return -ENOMEM;
      if ((rc = enc_value(b, f, arr + k * esz, level))) return rc;
    }
    if (putc1(b, ']')) return -ENOMEM;
  }
  return putc1(b, '}');
}

int otlpd_json_encode(const ProtobufCMessage *m, otlpd_buf *out) {
  size_t start = out->len;
  int rc = enc_message(out, m, 1);
  if (rc) out->len = start; /* leave no half-written JSON behind */
  return rc;
}
