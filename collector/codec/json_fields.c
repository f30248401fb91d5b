/* Field naming and layout facts the OTLP-JSON codec needs. */
#include <string.h>

#include "codec_internal.h"

bool otlpd_json_hex_field(const ProtobufCFieldDescriptor *f) {
  if (f->type != PROTOBUF_C_TYPE_BYTES) return false;
  const char *n = f->name;
  return !strcmp(n, "trace_id") || !strcmp(n, "span_id") || !strcmp(n, "parent_span_id");
}

static inline char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* protobuf's json_name: drop each '_' and upper-case the letter after it.
 * One walk serves both spellings: at a '_' of the name, a key with '_'
 * continues as snake_case, one without it as lowerCamelCase. */
bool otlpd_json_key_matches(const ProtobufCFieldDescriptor *f, const char *key, size_t klen) {
  const char *n = f->name;
  size_t i = 0;
  for (; *n; n++, i++) {
    if (i >= klen) return false;
    if (*n == '_' && n[1] && key[i] != '_') {
      n++;
      if (key[i] != upper(*n)) return false;
    } else if (key[i] != *n) {
      return false;
    }
  }
  return i == klen;
}

int otlpd_json_put_name(otlpd_buf *b, const ProtobufCFieldDescriptor *f) {
  size_t len = strlen(f->name);
  int rc = otlpd_buf_reserve(b, len);
  if (rc) return rc;
  char *o = (char *)b->data + b->len;
  size_t j = 0;
  for (const char *n = f->name; *n; n++) {
    if (*n == '_' && n[1]) {
      n++;
      o[j++] = upper(*n);
    } else {
      o[j++] = *n;
    }
  }
  b->len += j;
  return 0;
}

size_t otlpd_pb_elem_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return 4;
  case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return 8;
  case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
  case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
  }
  return 0;
}
