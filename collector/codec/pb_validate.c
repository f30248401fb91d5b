/* The schema check of the shallow decode, table-driven.
 *
 * A forwarding pipeline decodes a request only down to its scopes, but must
 * refuse exactly what a full decode would (collector/codec/pb.c explains
 * why). The descriptor walk that words those refusals (scan_thorough) looks
 * every field up in protobuf-c's descriptors, and was over half of what a
 * forwarded span cost. Here the OTLP request schemas are flattened once into
 * one table per message, indexed by field number, whose entry says which
 * wire types the field takes, so a field costs a key byte, a table load and
 * a compare.
 *
 * This walk only answers valid or not; on "not", the caller runs the
 * thorough scan for the reason (and trusts it), so the two need only agree
 * on the accepted set, which fuzz_pb_decode checks on every input.
 *
 * The tables are built once (pthread_once) from the generated descriptors
 * and never change afterwards: read-only shared data like the descriptors
 * themselves, safe from the loop and the gRPC threads alike. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"

#define MAX_FIELD_NUMBER 536870911u /* 2^29 - 1 */
#define MAX_MESSAGES 64             /* OTLP's three requests reach 37 */
#define MAX_FIELDS 1024             /* table entries, all messages together */

enum { F_UNKNOWN, F_VARINT, F_I64, F_I32, F_LEN, F_MSG };

typedef struct {
  uint8_t kind;
  bool packable; /* a repeated scalar: wire type 2 is a packed run of it */
  bool oneof;
  int8_t slot;   /* merge slot (see below), -1 if untracked */
  uint16_t child; /* F_MSG: the message's table */
} vfield;

typedef struct {
  const ProtobufCMessageDescriptor *d;
  uint32_t first; /* its entries, numbers 0 .. n-1 */
  uint32_t n;
} vmsg;

typedef struct {
  vmsg msgs[MAX_MESSAGES];
  vfield fields[MAX_FIELDS];
  unsigned n_msgs, n_fields;
  int roots[OTLPD_SIGNAL_COUNT];
  bool ok;
} vschema;

static vschema schema;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static int kind_of(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return F_I64;
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_FLOAT: return F_I32;
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_BYTES: return F_LEN;
  case PROTOBUF_C_TYPE_MESSAGE: return F_MSG;
  default: return F_VARINT;
  }
}

static bool has_oneof(const ProtobufCMessageDescriptor *d) {
  for (unsigned i = 0; i < d->n_fields; i++)
    if (d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) return true;
  return false;
}

/* protobuf-c cannot merge two occurrences of a singular message field when
 * neither sets a member of the message's oneof (pb.c, merge_ok): such
 * fields get a slot, their index among the parent's fields (first 32). */
static int8_t merge_slot(const ProtobufCMessageDescriptor *parent, unsigned i) {
  const ProtobufCFieldDescriptor *f = &parent->fields[i];
  if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED || i >= 32 ||
      !has_oneof(f->descriptor))
    return -1;
  return (int8_t)i;
}

/* The table index of d, adding it (entries filled later) if new. */
static int msg_index(vschema *s, const ProtobufCMessageDescriptor *d) {
  for (unsigned i = 0; i < s->n_msgs; i++)
    if (s->msgs[i].d == d) return (int)i;
  if (s->n_msgs == MAX_MESSAGES) return -1;
  uint32_t n = 0;
  for (unsigned i = 0; i < d->n_fields; i++)
    if (d->fields[i].id + 1 > n) n = d->fields[i].id + 1;
  if (n > MAX_FIELDS - s->n_fields) return -1;
  s->msgs[s->n_msgs] = (vmsg){d, s->n_fields, n};
  for (uint32_t k = 0; k < n; k++) s->fields[s->n_fields + k] = (vfield){.kind = F_UNKNOWN, .slot = -1};
  s->n_fields += n;
  return (int)s->n_msgs++;
}

static void build(void) {
  vschema *s = &schema;
  for (int sig = 0; sig < OTLPD_SIGNAL_COUNT; sig++)
    if ((s->roots[sig] = msg_index(s, otlpd_request_descriptor((otlpd_signal)sig))) < 0) return;
  /* msgs grows while it is walked: every message reached gets its entries */
  for (unsigned m = 0; m < s->n_msgs; m++) {
    const ProtobufCMessageDescriptor *d = s->msgs[m].d;
    for (unsigned i = 0; i < d->n_fields; i++) {
      const ProtobufCFieldDescriptor *f = &d->fields[i];
      vfield v = {.kind = (uint8_t)kind_of(f->type), .slot = merge_slot(d, i)};
      v.packable = f->label == PROTOBUF_C_LABEL_REPEATED && v.kind != F_LEN && v.kind != F_MSG;
      v.oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
      if (v.kind == F_MSG) {
        int c = msg_index(s, f->descriptor);
        if (c < 0) return;
        v.child = (uint16_t)c;
      }
      s->fields[s->msgs[m].first + f->id] = v;
    }
  }
  s->ok = true;
}

/* Returns bytes used, 0 if cut short or longer than max. */
static inline int varint_len(const uint8_t *p, const uint8_t *end, int max) {
  for (int i = 0; i < max; i++) {
    if (p + i >= end) return 0;
    if (!(p[i] & 0x80)) return i + 1;
  }
  return 0;
}

static inline int read_varint32(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int i = 0; i < 5; i++) {
    if (p + i >= end) return 0;
    r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) {
      *v = r;
      return i + 1;
    }
  }
  return 0;
}

static bool packed_ok(int kind, const uint8_t *p, size_t len) {
  if (kind == F_I64) return len % 8 == 0;
  if (kind == F_I32) return len % 4 == 0;
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    if (++run > 10) return false;
    if (!(p[i] & 0x80)) run = 0;
  }
  return run == 0;
}

typedef struct {
  const vmsg *m;
  const uint8_t *end;
  int slot;
  bool oneof_set;
  uint32_t seen, seen_set;
} vframe;

static int walk(const vschema *s, int root, const uint8_t *p, size_t len) {
  vframe st[OTLPD_MAX_NESTING];
  int depth = 0;
  st[0] = (vframe){.m = &s->msgs[root], .end = p + len, .slot = -1};
  vframe *fr = &st[0];
  const vfield *tab = s->fields + fr->m->first;
  for (;;) {
    if (p == fr->end) {
      if (depth == 0) return 0;
      vframe *up = fr - 1;
      if (fr->slot >= 0) { /* as pb.c's merge_ok */
        uint32_t bit = 1u << fr->slot;
        if ((up->seen & bit) && !(up->seen_set & bit) && !fr->oneof_set) return -1;
        up->seen |= bit;
        if (fr->oneof_set) up->seen_set |= bit;
      }
      fr = up;
      depth--;
      tab = s->fields + fr->m->first;
      continue;
    }
    uint64_t key;
    if (*p < 0x80) {
      key = *p++;
    } else {
      int n = read_varint32(p, fr->end, &key);
      if (!n) return -1;
      p += n;
    }
    uint64_t num = key >> 3;
    unsigned wt = (unsigned)(key & 7);
    if (num == 0 || num > MAX_FIELD_NUMBER) return -1;
    static const vfield unknown = {.kind = F_UNKNOWN, .slot = -1};
    const vfield *f = num < fr->m->n ? &tab[num] : &unknown;
    if (f->oneof) fr->oneof_set = true;
    uint64_t v;
    if (wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (p < fr->end && *p < 0x80) {
        v = *p++;
      } else {
        int n = read_varint32(p, fr->end, &v);
        if (!n) return -1;
        p += n;
      }
      if (v > (uint64_t)(fr->end - p)) return -1;
      if (f->kind == F_MSG) {
        if (depth + 1 >= OTLPD_MAX_NESTING) return -1;
        int slot = f->slot;
        fr = &st[++depth];
        *fr = (vframe){.m = &s->msgs[f->child], .end = p + v, .slot = slot};
        tab = s->fields + fr->m->first;
        continue;
      }
      if (f->kind != F_LEN && f->kind != F_UNKNOWN && !(f->packable && packed_ok(f->kind, p, (size_t)v)))
        return -1;
      p += v;
      continue;
    }
    switch (wt) {
    case PROTOBUF_C_WIRE_TYPE_VARINT: {
      if (f->kind != F_VARINT && f->kind != F_UNKNOWN) return -1;
      int n = varint_len(p, fr->end, 10);
      if (!n) return -1;
      p += n;
      break;
    }
    case PROTOBUF_C_WIRE_TYPE_64BIT:
      if ((f->kind != F_I64 && f->kind != F_UNKNOWN) || fr->end - p < 8) return -1;
      p += 8;
      break;
    case PROTOBUF_C_WIRE_TYPE_32BIT:
      if ((f->kind != F_I32 && f->kind != F_UNKNOWN) || fr->end - p < 4) return -1;
      p += 4;
      break;
    default: return -1; /* groups and undefined wire types */
    }
  }
}

int otlpd_pb_validate(otlpd_signal sig, const uint8_t *buf, size_t len) {
  if ((unsigned)sig >= OTLPD_SIGNAL_COUNT) return -1;
  if (!buf) return len ? -1 : 0;
  pthread_once(&schema_once, build);
  if (!schema.ok) return -1; /* a schema the tables cannot hold: the thorough scan decides */
  return walk(&schema, schema.roots[sig], buf, len);
}
