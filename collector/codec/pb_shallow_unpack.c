/* Shallow unpack without copying the items.
 *
 * protobuf-c unpacking with the shallow descriptors (pb_shallow.c) copies
 * every span or log record, kept as an unknown field, into its own arena
 * allocation: a second copy of nearly the whole body, held as long as the
 * batch. Here the same structs are built with each unknown field pointing
 * into the body, which the decode already keeps in the same arena (same
 * lifetime). Resource and InstrumentationScope, small, are still unpacked
 * by protobuf-c.
 *
 * Runs only on a body the schema check passed, so framing is sound. What
 * protobuf-c would do differently is left to it: a singular message field
 * sent twice (protobuf-c merges the occurrences) makes this return 1, and
 * the caller unpacks with protobuf-c. fuzz_pb_decode checks on every input
 * that both encode to the same bytes. */
#include <errno.h>
#include <string.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"
#include "pb_rules.h"

#define MAX_KNOWN 4 /* the shallow messages know at most 3 fields */

typedef struct {
  const uint8_t *val;  /* the value (after a length prefix) */
  const uint8_t *raw;  /* what an unknown field keeps: from the length prefix */
  const uint8_t *next; /* the next key */
  uint32_t num;
  int wt;
} su_field;

/* The field at p (before end, in a body the schema check passed). */
static inline void next_field(const uint8_t *p, const uint8_t *end, su_field *f) {
  uint64_t key = 0, v = 0;
  p += pb_read_varint(p, end, 5, &key);
  f->num = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  f->raw = f->val = p;
  switch (f->wt) {
  case PROTOBUF_C_WIRE_TYPE_VARINT: p += pb_read_varint(p, end, 10, &v); break;
  case PROTOBUF_C_WIRE_TYPE_64BIT: p += 8; break;
  case PROTOBUF_C_WIRE_TYPE_32BIT: p += 4; break;
  default: /* length-prefixed: the schema check let nothing else through */
    f->val = p + pb_read_varint(p, end, 5, &v);
    p = f->val + v;
    break;
  }
  f->next = p;
}

static int known_index(const ProtobufCMessageDescriptor *d, uint32_t num) {
  for (unsigned i = 0; i < d->n_fields; i++)
    if (d->fields[i].id == num) return (int)i;
  return -1;
}

static int su_message(otlpd_arena *a, const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                      ProtobufCMessage **out);

/* One known field's value into the message. 0, 1 (protobuf-c must do it)
 * or -ENOMEM. */
static int put_known(otlpd_arena *a, ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, const su_field *f,
                     size_t *fill) {
  char *slot = (char *)m + fd->offset;
  size_t len = (size_t)(f->next - f->val);
  if (fd->type == PROTOBUF_C_TYPE_STRING) {
    char *s = otlpd_arena_alloc(a, len + 1);
    if (!s) return -ENOMEM;
    memcpy(s, f->val, len);
    s[len] = '\0';
    *(char **)slot = s; /* a repeat replaces it, as in protobuf-c */
    return 0;
  }
  /* PROTOBUF_C_TYPE_MESSAGE: the only other kind the shallow messages know */
  ProtobufCMessage *sub;
  if (otlpd_pb_is_shallow(fd->descriptor)) {
    int rc = su_message(a, fd->descriptor, f->val, f->next, &sub);
    if (rc) return rc;
  } else {
    sub = protobuf_c_message_unpack(fd->descriptor, otlpd_arena_pb(a), len, f->val);
    if (!sub) return -ENOMEM;
  }
  if (fd->label == PROTOBUF_C_LABEL_REPEATED)
    (*(ProtobufCMessage ***)slot)[(*fill)++] = sub;
  else
    *(ProtobufCMessage **)slot = sub;
  return 0;
}

static int su_message(otlpd_arena *a, const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                      ProtobufCMessage **out) {
  size_t counts[MAX_KNOWN] = {0}, fill[MAX_KNOWN] = {0}, n_unknown = 0;
  if (d->n_fields > MAX_KNOWN) return 1;
  su_field f;
  for (const uint8_t *q = p; q < end; q = f.next) {
    next_field(q, end, &f);
    int k = known_index(d, f.num);
    if (k < 0) {
      n_unknown++;
      continue;
    }
    const ProtobufCFieldDescriptor *fd = &d->fields[k];
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE && fd->label != PROTOBUF_C_LABEL_REPEATED && counts[k]) return 1;
    counts[k]++;
  }
  ProtobufCMessage *m = otlpd_arena_calloc(a, d->sizeof_message);
  if (!m) return -ENOMEM;
  m->descriptor = d;
  for (unsigned k = 0; k < d->n_fields; k++) {
    const ProtobufCFieldDescriptor *fd = &d->fields[k];
    char *slot = (char *)m + fd->offset;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
      *(size_t *)((char *)m + fd->quantifier_offset) = counts[k];
      if (counts[k] && !(*(void **)slot = otlpd_arena_alloc(a, counts[k] * sizeof(void *)))) return -ENOMEM;
    } else if (fd->type == PROTOBUF_C_TYPE_STRING && fd->default_value) {
      *(const void **)slot = fd->default_value; /* protobuf-c's generic init: the default string itself */
    }
  }
  if (n_unknown && !(m->unknown_fields = otlpd_arena_alloc(a, n_unknown * sizeof(*m->unknown_fields))))
    return -ENOMEM;
  for (const uint8_t *q = p; q < end; q = f.next) {
    next_field(q, end, &f);
    int k = known_index(d, f.num);
    if (k >= 0) {
      int rc = put_known(a, m, &d->fields[k], &f, &fill[k]);
      if (rc) return rc;
      continue;
    }
    m->unknown_fields[m->n_unknown_fields++] = (ProtobufCMessageUnknownField){
        .tag = f.num, .wire_type = (ProtobufCWireType)f.wt, .len = (size_t)(f.next - f.raw), .data = (uint8_t *)f.raw};
  }
  *out = m;
  return 0;
}

int otlpd_pb_shallow_unpack(const ProtobufCMessageDescriptor *shallow, uint8_t *buf, size_t len, otlpd_arena *a,
                            ProtobufCMessage **out) {
  static uint8_t empty[1];
  if (!buf) buf = empty, len = 0;
  return su_message(a, shallow, buf, buf + len, out);
}
