/* Protobuf decode/encode of OTLP messages (protobuf-c underneath).
 *
 * protobuf-c unpacks recursively on the C stack and gives no reason when it
 * fails, so every body is first walked once, iteratively, by scan_fast(): it
 * bounds nesting, checks framing and field numbers (protobuf-c accepts an
 * overlong-encoded field 0, or numbers past 2^29-1, as unknown fields and
 * would re-emit bytes no decoder accepts, poisoning whole export batches).
 * Only then does protobuf-c unpack, allocating from the request's arena. If
 * protobuf-c still refuses the body, scan_thorough() (wire types, packed
 * runs) names the problem; that path is rare, so it may be slow. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"
#include "pb_rules.h"

const ProtobufCMessageDescriptor *otlpd_request_descriptor(otlpd_signal s) {
  switch (s) {
  case OTLPD_TRACES: return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
  case OTLPD_METRICS: return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
  case OTLPD_LOGS: return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
  default: return NULL;
  }
}

const ProtobufCMessageDescriptor *otlpd_response_descriptor(otlpd_signal s) {
  switch (s) {
  case OTLPD_TRACES: return &opentelemetry__proto__collector__trace__v1__export_trace_service_response__descriptor;
  case OTLPD_METRICS: return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__descriptor;
  case OTLPD_LOGS: return &opentelemetry__proto__collector__logs__v1__export_logs_service_response__descriptor;
  default: return NULL;
  }
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

typedef struct {
  const ProtobufCMessageDescriptor *d;
  const uint8_t *end;
} scan_frame;

/* OTLP messages mostly number their fields 1..n, so fields[num-1] is
 * usually the one; fall back to protobuf-c's range search otherwise. */
static inline const ProtobufCFieldDescriptor *field_by_number(const ProtobufCMessageDescriptor *d,
                                                              uint64_t num) {
  if (num - 1 < d->n_fields && d->fields[num - 1].id == num) return &d->fields[num - 1];
  return protobuf_c_message_descriptor_get_field(d, (unsigned)num);
}

/* protobuf-c refuses every wire-type mismatch except on bool fields, which
 * it reads from whatever bytes come (tested against 1.4.1), so the fast
 * scan refuses those itself: a full decode must refuse exactly what the
 * shallow one (checked by scan_thorough) refuses. */
static inline bool is_bool(const ProtobufCMessageDescriptor *d, uint64_t num) {
  const ProtobufCFieldDescriptor *f = field_by_number(d, num);
  return f && f->type == PROTOBUF_C_TYPE_BOOL;
}

static int scan_error(char *err, size_t errlen, const char *what, const uint8_t *buf, const uint8_t *at,
                      const ProtobufCMessageDescriptor *d) {
  seterr(err, errlen, "protobuf: %s at offset %zu in %s", what, (size_t)(at - buf), d->name);
  return -EINVAL;
}

/* Reads a key or length of up to 5 bytes that did not fit in one byte. */
static int read_long_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
  int n = pb_read_varint(*pp, end, 5, v);
  if (n > 0) *pp += n;
  return n;
}

/* The hot path: one linear pass, tuned for one-byte keys and lengths.
 * Nesting is tracked with an explicit stack so hostile input cannot
 * exhaust the C stack here either. */
static int scan_fast(const ProtobufCMessageDescriptor *root, const uint8_t *buf, size_t len, char *err,
                     size_t errlen) {
  scan_frame st[OTLPD_MAX_NESTING];
  int depth = 0; /* st[depth] is at nesting level depth + 1 */
  const ProtobufCMessageDescriptor *d = root;
  const uint8_t *p = buf, *end = buf + len;
  st[0].d = root;
  st[0].end = end;
  for (;;) {
    while (p == end) {
      if (depth == 0) return 0;
      depth--;
      d = st[depth].d;
      end = st[depth].end;
    }
    const uint8_t *kp = p;
    uint64_t key, v;
    if (*p < 0x80) {
      key = *p++;
    } else {
      int n = read_long_varint(&p, end, &key);
      if (n <= 0) return scan_error(err, errlen, n ? "overlong field key" : "truncated field key", buf, kp, d);
      if ((key >> 3) > PB_MAX_FIELD_NUMBER) return scan_error(err, errlen, "invalid field number", buf, kp, d);
    }
    if (key < 8) return scan_error(err, errlen, "invalid field number", buf, kp, d);
    switch (key & 7) {
    case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
      if (p < end && *p < 0x80) {
        v = *p++;
      } else {
        int n = read_long_varint(&p, end, &v); /* protobuf-c takes at most 5 length bytes */
        if (n <= 0) return scan_error(err, errlen, n ? "overlong length" : "truncated length", buf, kp, d);
      }
      if (v > (uint64_t)(end - p)) return scan_error(err, errlen, "length past the end of its message", buf, kp, d);
      const ProtobufCFieldDescriptor *f = field_by_number(d, key >> 3);
      if (f && f->type == PROTOBUF_C_TYPE_BOOL && f->label != PROTOBUF_C_LABEL_REPEATED)
        return scan_error(err, errlen, "bool field with wire type 2", buf, kp, d);
      if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (++depth >= OTLPD_MAX_NESTING) {
          seterr(err, errlen, "protobuf: messages nested deeper than %d levels (at offset %zu, %s.%s)",
                 OTLPD_MAX_NESTING, (size_t)(kp - buf), d->name, f->name);
          return -EINVAL;
        }
        d = f->descriptor;
        end = p + v;
        st[depth].d = d;
        st[depth].end = end;
      } else {
        p += v;
      }
      break;
    }
    case PROTOBUF_C_WIRE_TYPE_VARINT: {
      int n = pb_read_varint(p, end, 10, &v);
      if (n <= 0) return scan_error(err, errlen, n ? "overlong varint" : "truncated varint", buf, kp, d);
      p += n;
      break;
    }
    case PROTOBUF_C_WIRE_TYPE_64BIT:
      if (end - p < 8) return scan_error(err, errlen, "truncated fixed64", buf, kp, d);
      if (is_bool(d, key >> 3)) return scan_error(err, errlen, "bool field with wire type 1", buf, kp, d);
      p += 8;
      break;
    case PROTOBUF_C_WIRE_TYPE_32BIT:
      if (end - p < 4) return scan_error(err, errlen, "truncated fixed32", buf, kp, d);
      if (is_bool(d, key >> 3)) return scan_error(err, errlen, "bool field with wire type 5", buf, kp, d);
      p += 4;
      break;
    default: /* groups and undefined wire types */
      return scan_error(err, errlen, "invalid wire type", buf, kp, d);
    }
  }
}

/* Merge tracking (pb_rules.h, pb_merge_slot) per message being scanned. */
typedef struct {
  const ProtobufCMessageDescriptor *d;
  const uint8_t *end;
  int slot;          /* this message's field index in its parent, if tracked, else -1 */
  bool oneof_set;    /* a oneof member of this message was present */
  uint32_t seen;     /* tracked fields present at least once */
  uint32_t seen_set; /* ... of which some occurrence set a oneof member */
} thorough_frame;

/* A tracked message ended: false if protobuf-c could not merge it into its
 * earlier occurrences. */
static bool merge_ok(thorough_frame *parent, const thorough_frame *child) {
  if (child->slot < 0) return true;
  uint32_t bit = 1u << child->slot;
  if ((parent->seen & bit) && !(parent->seen_set & bit) && !child->oneof_set) return false;
  parent->seen |= bit;
  if (child->oneof_set) parent->seen_set |= bit;
  return true;
}

/* Finds why protobuf-c refused a body: everything scan_fast() checks plus
 * wire types against the schema, packed runs and unmergeable repeats. */
static int scan_thorough(const ProtobufCMessageDescriptor *root, const uint8_t *buf, size_t len,
                         char *err, size_t errlen) {
  thorough_frame st[OTLPD_MAX_NESTING];
  int depth = 0; /* st[depth] is at nesting level depth + 1 */
  const uint8_t *p = buf;
  st[0] = (thorough_frame){.d = root, .end = buf + len, .slot = -1};
  for (;;) {
    thorough_frame *fr = &st[depth];
    if (p == fr->end) {
      if (depth == 0) return 0;
      if (!merge_ok(&st[depth - 1], fr)) {
        const ProtobufCFieldDescriptor *f = &st[depth - 1].d->fields[fr->slot];
        seterr(err, errlen,
               "protobuf: field %s.%s (#%u) repeated with no %s value set in any occurrence (ending at offset %zu)",
               st[depth - 1].d->name, f->name, f->id, ((const ProtobufCMessageDescriptor *)f->descriptor)->name, (size_t)(p - buf));
        return -EINVAL;
      }
      depth--;
      continue;
    }
    size_t off = (size_t)(p - buf);
    uint64_t key;
    int n = pb_read_varint(p, fr->end, 5, &key);
    if (n <= 0) {
      seterr(err, errlen, "protobuf: %s field key at offset %zu in %s",
             n == 0 ? "truncated" : "overlong", off, fr->d->name);
      return -EINVAL;
    }
    p += n;
    uint64_t num = key >> 3;
    int wt = (int)(key & 7);
    if (num == 0 || num > PB_MAX_FIELD_NUMBER) {
      seterr(err, errlen, "protobuf: invalid field number %llu at offset %zu in %s",
             (unsigned long long)num, off, fr->d->name);
      return -EINVAL;
    }
    const ProtobufCFieldDescriptor *f = field_by_number(fr->d, num);
    if (f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) fr->oneof_set = true;
    if (f) {
      int want = pb_wire_type_of(f->type);
      bool packed = f->label == PROTOBUF_C_LABEL_REPEATED && want != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
                    wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
      if (wt != want && !packed) {
        seterr(err, errlen, "protobuf: field %s.%s (#%u) has wire type %d, expected %d at offset %zu",
               fr->d->name, f->name, f->id, wt, want, off);
        return -EINVAL;
      }
    }
    uint64_t v;
    if (wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      /* protobuf-c reads at most 5 length bytes (32-bit lengths). */
      n = pb_read_varint(p, fr->end, 5, &v);
      if (n <= 0) {
        seterr(err, errlen, "protobuf: %s length of field #%llu at offset %zu in %s",
               n == 0 ? "truncated" : "overlong", (unsigned long long)num, off, fr->d->name);
        return -EINVAL;
      }
      p += n;
      if (v > (uint64_t)(fr->end - p)) {
        seterr(err, errlen,
               "protobuf: field #%llu at offset %zu in %s claims %llu bytes but only %zu remain",
               (unsigned long long)num, off, fr->d->name, (unsigned long long)v, (size_t)(fr->end - p));
        return -EINVAL;
      }
      if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (depth + 1 >= OTLPD_MAX_NESTING) {
          seterr(err, errlen, "protobuf: messages nested deeper than %d levels (at offset %zu, %s.%s)",
                 OTLPD_MAX_NESTING, off, fr->d->name, f->name);
          return -EINVAL;
        }
        depth++;
        st[depth] = (thorough_frame){.d = f->descriptor, .end = p + v, .slot = pb_merge_slot(fr->d, f)};
        continue;
      }
      if (f && f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES) {
        const char *why = pb_packed_error(pb_wire_type_of(f->type), p, (size_t)v);
        if (why) {
          seterr(err, errlen, "protobuf: %s (%s.%s at offset %zu)", why, fr->d->name, f->name, off);
          return -EINVAL;
        }
      }
      p += v;
      continue;
    }
    switch (wt) {
    case PROTOBUF_C_WIRE_TYPE_VARINT:
      n = pb_read_varint(p, fr->end, 10, &v);
      if (n <= 0) {
        seterr(err, errlen, "protobuf: %s varint for field #%llu at offset %zu in %s",
               n == 0 ? "truncated" : "overlong", (unsigned long long)num, off, fr->d->name);
        return -EINVAL;
      }
      p += n;
      break;
    case PROTOBUF_C_WIRE_TYPE_64BIT:
    case PROTOBUF_C_WIRE_TYPE_32BIT: {
      size_t w = wt == PROTOBUF_C_WIRE_TYPE_64BIT ? 8 : 4;
      if ((size_t)(fr->end - p) < w) {
        seterr(err, errlen, "protobuf: truncated fixed%zu field #%llu at offset %zu in %s", w * 8,
               (unsigned long long)num, off, fr->d->name);
        return -EINVAL;
      }
      p += w;
      break;
    }
    case 3:
    case 4:
      seterr(err, errlen, "protobuf: groups (wire type %d) are not supported, field #%llu at offset %zu in %s",
             wt, (unsigned long long)num, off, fr->d->name);
      return -EINVAL;
    default:
      seterr(err, errlen, "protobuf: invalid wire type %d for field #%llu at offset %zu in %s", wt,
             (unsigned long long)num, off, fr->d->name);
      return -EINVAL;
    }
  }
}

ProtobufCMessage *otlpd_pb_decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
                                  size_t len, otlpd_arena *a, char *err, size_t errlen) {
  if (!buf && len) {
    seterr(err, errlen, "protobuf: no data");
    return NULL;
  }
  static const uint8_t empty[1];
  if (!buf) buf = empty;
  /* On an error, the thorough scan words the reason more precisely. */
  if (scan_fast(d, buf, len, err, errlen) < 0) {
    scan_thorough(d, buf, len, err, errlen);
    return NULL;
  }
  ProtobufCMessage *m = protobuf_c_message_unpack(d, otlpd_arena_pb(a), len, buf);
  /* Find out why (rare, so the slow scan is fine). If every check passes,
   * it was the arena's limit. */
  if (!m && scan_thorough(d, buf, len, err, errlen) == 0)
    seterr(err, errlen, "protobuf: cannot decode %s (%zu bytes): out of memory", d->name, len);
  return m;
}

/* Where the field-1 entries of an already validated message lie. */
static int top_level_slices(const uint8_t *buf, size_t len, otlpd_arena *a, otlpd_raw *raw) {
  const uint8_t *end = buf + len;
  size_t n = 0, cap = 0;
  otlpd_slice *v = NULL;
  for (int pass = 0; pass < 2; pass++) {
    const uint8_t *p = buf;
    n = 0;
    while (p < end) {
      uint64_t key = 0, l = 0;
      if (read_long_varint(&p, end, &key) < 0) return -EINVAL;
      switch (key & 7) {
      case PROTOBUF_C_WIRE_TYPE_VARINT: {
        int k = pb_read_varint(p, end, 10, &l);
        if (k <= 0) return -EINVAL;
        p += k;
        break;
      }
      case PROTOBUF_C_WIRE_TYPE_64BIT: p += 8; break;
      case PROTOBUF_C_WIRE_TYPE_32BIT: p += 4; break;
      case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
        if (read_long_varint(&p, end, &l) < 0 || l > (uint64_t)(end - p)) return -EINVAL;
        if ((key >> 3) == 1) {
          if (pass == 1 && n < cap) v[n] = (otlpd_slice){p, (size_t)l};
          n++;
        }
        p += l;
        break;
      default: return -EINVAL;
      }
      if (p > end) return -EINVAL;
    }
    if (pass == 0) {
      if (n == 0) return 0;
      if (!(v = otlpd_arena_alloc(a, n * sizeof(*v)))) return -ENOMEM;
      cap = n;
    }
  }
  raw->v = v;
  raw->n = n;
  return 0;
}

/* A copy of buf in the arena (NULL with *copy_len 0 for an empty body). */
static int keep_copy(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len, otlpd_arena *a,
                     char *err, size_t errlen, uint8_t **copy) {
  *copy = NULL;
  if (!buf || !len) return 0;
  if (!(*copy = otlpd_arena_alloc(a, len))) {
    seterr(err, errlen, "protobuf: cannot keep %s (%zu bytes): out of memory", d->name, len);
    return -ENOMEM;
  }
  memcpy(*copy, buf, len);
  return 0;
}

ProtobufCMessage *otlpd_pb_decode_keep(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
                                       size_t len, otlpd_arena *a, char *err, size_t errlen,
                                       otlpd_raw *raw) {
  raw->v = NULL;
  raw->n = 0;
  uint8_t *copy;
  if (keep_copy(d, buf, len, a, err, errlen, &copy)) return NULL;
  ProtobufCMessage *m = otlpd_pb_decode(d, copy, len, a, err, errlen);
  /* Without the slices the data is still good: it will be re-encoded. */
  if (m && copy && top_level_slices(copy, len, a, raw) < 0) raw->v = NULL, raw->n = 0;
  return m;
}

/* The body is checked against the full schema exactly as a full decode
 * would (what protobuf-c would refuse deep inside a span is refused here
 * too, so no batch downstream is poisoned), then unpacked shallow. */
ProtobufCMessage *otlpd_pb_decode_shallow_keep(otlpd_signal s, const uint8_t *buf, size_t len,
                                               otlpd_arena *a, char *err, size_t errlen, otlpd_raw *raw) {
  const ProtobufCMessageDescriptor *full = otlpd_request_descriptor(s);
  const ProtobufCMessageDescriptor *shallow = otlpd_request_descriptor_shallow(s);
  if (!shallow) return otlpd_pb_decode_keep(full, buf, len, a, err, errlen, raw);
  raw->v = NULL;
  raw->n = 0;
  uint8_t *copy;
  if (keep_copy(full, buf, len, a, err, errlen, &copy)) return NULL;
  static const uint8_t empty[1];
  const uint8_t *body = copy ? copy : empty;
  /* The table walk is the fast answer; on a refusal the thorough scan
   * words it (and decides: only an agreeing refusal refuses). */
  if (otlpd_pb_validate(s, body, len) < 0 && scan_thorough(full, body, len, err, errlen) < 0) return NULL;
  ProtobufCMessage *m = NULL;
  int rc = otlpd_pb_shallow_unpack(shallow, copy, len, a, &m);
  if (rc == 1) m = protobuf_c_message_unpack(shallow, otlpd_arena_pb(a), len, body);
  if (!m) {
    seterr(err, errlen, "protobuf: cannot decode %s (%zu bytes): out of memory", full->name, len);
    return NULL;
  }
  if (copy && top_level_slices(copy, len, a, raw) < 0) raw->v = NULL, raw->n = 0;
  return m;
}

int otlpd_pb_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len, char *err,
                   size_t errlen) {
  static const uint8_t empty[1];
  return scan_thorough(d, buf ? buf : empty, buf ? len : 0, err, errlen);
}

int otlpd_pb_encode(const ProtobufCMessage *m, otlpd_buf *out) {
  size_t n = protobuf_c_message_get_packed_size(m);
  if (n == 0) return 0; /* an empty message has no bytes (and out may have no storage) */
  int rc = otlpd_buf_reserve(out, n);
  if (rc) return rc;
  size_t w = protobuf_c_message_pack(m, out->data + out->len);
  out->len += w;
  return w == n ? 0 : -EIO;
}
