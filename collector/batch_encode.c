/* Protobuf encoding of a batch that reuses the client's bytes.
 *
 * Every Export*ServiceRequest has its resources in field 1. An entry whose
 * original encoding is known is written back as it came (tag, length,
 * bytes): a copy instead of a size pass, a pack pass and a strlen per
 * string over data that has long left the cache. Others (edited, split or
 * from JSON) go through the OTLP-specialised encoder, which writes the
 * same bytes as protobuf-c. */
#include <errno.h>
#include <string.h>

#include "otlpd/buf.h"
#include "otlpd/data.h"
#include "otlpd/pb_encode_otlp.h"

#define RESOURCES_TAG 0x0a /* field 1, wire type 2 (length-delimited) */

static int put_entry(otlpd_buf *out, const ProtobufCMessage *res, otlpd_slice raw) {
  size_t n = raw.p ? raw.len : otlpd_pb_otlp_size(res);
  int rc = otlpd_buf_reserve(out, 1 + 10 + n);
  if (rc) return rc;
  uint8_t *p = out->data + out->len;
  *p++ = RESOURCES_TAG;
  p += otlpd_varint_put(p, n);
  if (raw.p)
    memcpy(p, raw.p, n);
  else if (otlpd_pb_otlp_pack(res, n, p) != n)
    return -EIO;
  out->len = (size_t)(p - out->data) + n;
  return 0;
}

int otlpd_batch_encode_pb(const otlpd_batch *b, otlpd_buf *out) {
  for (size_t i = 0; i < b->n; i++) {
    int rc = put_entry(out, b->resources[i], b->raw[i]);
    if (rc) return rc;
  }
  return 0;
}
