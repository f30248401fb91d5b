/* The schema check of the shallow decode, table-driven.
 *
 * A forwarding pipeline decodes a request only down to its scopes, but must
 * refuse exactly what a full decode would (collector/codec/pb.c explains
 * why). The descriptor walk that words those refusals (scan_thorough) looks
 * every field up in protobuf-c's descriptors, and was over half of what a
 * forwarded span cost. Here the OTLP request schemas are flattened once into
 * one table per message, indexed by field number, whose entry says which
 * wire types the field takes, so a field costs a key byte, a table load and
 * a compare. The wire rules themselves (field numbers, varint lengths, packed
 * runs, merge slots) are pb_rules.h's, shared with the descriptor walk.
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

#include "otlpd/codec.h"
#include "otlpd/otlp.h"
#include "pb_rules.h"

#define MAX_MESSAGES 64             /* OTLP's three requests reach 37 */
#define MAX_FIELDS 1024             /* table entries, all messages together */

/* A field's kind: the wire type it takes, or a message, or unknown. */
enum { F_VARINT = PROTOBUF_C_WIRE_TYPE_VARINT, F_I64 = PROTOBUF_C_WIRE_TYPE_64BIT,
       F_LEN = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, F_I32 = PROTOBUF_C_WIRE_TYPE_32BIT, F_MSG = 6, F_UNKNOWN = 7 };

typedef struct {
  uint8_t kind;
  bool packable; /* a repeated scalar: wire type 2 is a packed run of it */
  bool oneof;
  int8_t slot;   /* merge slot (pb_rules.h), -1 if untracked */
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
      vfield v = {.kind = (uint8_t)(f->type == PROTOBUF_C_TYPE_MESSAGE ? F_MSG : pb_wire_type_of(f->type)),
                  .slot = (int8_t)pb_merge_slot(d, f)};
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
      int n = pb_read_varint(p, fr->end, 5, &key);
      if (n <= 0) return -1;
      p += n;
    }
    uint64_t num = key >> 3;
    unsigned wt = (unsigned)(key & 7);
    if (num == 0 || num > PB_MAX_FIELD_NUMBER) return -1;
    static const vfield unknown = {.kind = F_UNKNOWN, .slot = -1};
    const vfield *f = num < fr->m->n ? &tab[num] : &unknown;
    if (f->oneof) fr->oneof_set = true;
    uint64_t v;
    if (wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (p < fr->end && *p < 0x80) {
        v = *p++;
      } else {
        int n = pb_read_varint(p, fr->end, 5, &v); /* protobuf-c reads at most 5 length bytes */
        if (n <= 0) return -1;
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
      if (f->kind != F_LEN && f->kind != F_UNKNOWN && !(f->packable && !pb_packed_error(f->kind, p, (size_t)v)))
        return -1;
      p += v;
      continue;
    }
    switch (wt) {
    case PROTOBUF_C_WIRE_TYPE_VARINT: {
      if (f->kind != F_VARINT && f->kind != F_UNKNOWN) return -1;
      int n = pb_read_varint(p, fr->end, 10, &v);
      if (n <= 0) return -1;
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
