/* libFuzzer target: protobuf decode of each signal's request (and the
 * responses), then re-encode both ways; and the shallow decode of traces
 * and logs, which must accept exactly what the full decode accepts, count
 * the same items, and survive a batch split whose halves decode fully. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void check_shallow(otlpd_signal s, const uint8_t *data, size_t size, const ProtobufCMessage *full) {
  char err[256] = "";
  otlpd_raw raw;
  otlpd_arena *a = fuzz_arena();
  ProtobufCMessage *m = otlpd_pb_decode_shallow_keep(s, data, size, a, err, sizeof err, &raw);
  if (!m != !full) fuzz_die("shallow and full decode disagree on validity", err);
  if (!m) {
    otlpd_arena_free(a);
    return;
  }
  size_t items = otlpd_request_items(s, m);
  if (items != otlpd_request_items(s, full)) fuzz_die("shallow item count differs from the full decode's", NULL);
  /* our unpack (unknown fields pointing into the body) and protobuf-c's
   * with the same descriptors encode to the same bytes */
  ProtobufCMessage *ref = protobuf_c_message_unpack(otlpd_request_descriptor_shallow(s), otlpd_arena_pb(a), size,
                                                    size ? data : (const uint8_t *)"");
  if (!ref) fuzz_die("protobuf-c refused a body the shallow decode took", NULL);
  otlpd_buf mine = {0}, theirs = {0};
  if (otlpd_pb_encode(m, &mine) || otlpd_pb_encode(ref, &theirs)) fuzz_die("out of memory", NULL);
  if (mine.len != theirs.len || (mine.len && memcmp(mine.data, theirs.data, mine.len)))
    fuzz_die("the shallow unpack differs from protobuf-c's", NULL);
  free(mine.data);
  free(theirs.data);
  otlpd_payload *p = otlpd_payload_new(s, a, m, NULL);
  if (!p) fuzz_die("out of memory", NULL);
  p->raw = raw;
  otlpd_batch *tail = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  otlpd_batch *head = tail ? otlpd_batch_take(tail, items / 2 + (size & 1)) : NULL;
  if (!head) fuzz_die("out of memory", NULL);
  size_t got = 0;
  for (int half = 0; half < 2; half++) {
    otlpd_buf b = {0};
    if (otlpd_batch_encode_pb(half ? tail : head, &b)) fuzz_die("cannot encode a shallow batch", NULL);
    otlpd_arena *ra = fuzz_arena();
    ProtobufCMessage *back = otlpd_pb_decode(otlpd_request_descriptor(s), b.data, b.len, ra, err, sizeof err);
    if (!back) fuzz_die("a shallow batch encodes to what a full decode refuses", err);
    got += otlpd_request_items(s, back);
    otlpd_arena_free(ra);
    free(b.data);
  }
  if (got != items) fuzz_die("a split shallow batch lost or duplicated items", NULL);
  otlpd_batch_unref(head);
  otlpd_batch_unref(tail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    /* the table-driven check accepts exactly what the descriptor walk does */
    char why[256] = "";
    int slow = otlpd_pb_check(otlpd_request_descriptor((otlpd_signal)s), data, size, why, sizeof why);
    if ((otlpd_pb_validate((otlpd_signal)s, data, size) == 0) != (slow == 0))
      fuzz_die("otlpd_pb_validate and the thorough scan disagree", why);
    const ProtobufCMessageDescriptor *ds[2] = {otlpd_request_descriptor((otlpd_signal)s),
                                               otlpd_response_descriptor((otlpd_signal)s)};
    for (int k = 0; k < 2; k++) {
      char err[256] = "";
      otlpd_arena *a = fuzz_arena();
      ProtobufCMessage *m = otlpd_pb_decode(ds[k], data, size, a, err, sizeof err);
      if (m) fuzz_check_reencode(ds[k], m);
      else if (!err[0]) fuzz_die("pb decode failed without a reason", NULL);
      /* Fuzz inputs are far too small to reach the arena limit, so if
       * protobuf-c refused what the pre-scan passed, the pre-scan missed a
       * case it should name. */
      else if (strstr(err, "cannot decode")) fuzz_die("pre-scan accepted what protobuf-c refused", err);
      if (k == 0 && otlpd_request_descriptor_shallow((otlpd_signal)s)) check_shallow((otlpd_signal)s, data, size, m);
      otlpd_arena_free(a);
    }
  }
  return 0;
}
