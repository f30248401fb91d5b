/* The request message of one queued batch, gathered without a copy.
 *
 * Every Export*ServiceRequest keeps its resources in field 1, so the
 * message is, per resource, a tag and length followed by the resource's
 * bytes. Where the client's encoding of a resource is known (nobody edited
 * or split it) the message references those bytes where they are, in the
 * payloads' arenas, instead of copying them into a buffer of its own: no
 * memcpy of the whole batch per request, no multi-megabyte allocation, and
 * the bytes are not held (and charged to the memory accounting) twice while
 * the call is in flight. Resources without their encoding are packed into
 * the body's own buffer. The header of each resource is an inlined slice
 * (no allocation).
 *
 * Lifetime: the body references the batch, so its payloads stay alive as
 * long as any slice over them does. gRPC core may drop its slices on its
 * own threads after the call completed; whoever lets go last (the
 * request on the loop, or gRPC core anywhere) frees the body and drops the
 * batch (payload and batch reference counts are atomic). */
#include <errno.h>
#include <stdlib.h>

#include "otlpgrpc.h"
#include "otlpd/buf.h"
#include "otlpd/pb_encode_otlp.h"

#define RESOURCES_TAG 0x0a /* field 1, wire type 2 (length-delimited) */

struct otlpgrpc_body {
  atomic_int refs;             /* the request's + one per data slice alive */
  otlpd_batch *batch;          /* referenced: data slices point into its payloads */
  otlpd_buf packed;            /* resources without their client encoding */
  grpc_byte_buffer *message;   /* the whole message; copied (slice refs) per attempt */
};

static void body_unref(void *p) {
  otlpgrpc_body *b = p;
  if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
  otlpd_batch_unref(b->batch);
  otlpd_buf_free(&b->packed);
  free(b);
}

/* Pack every resource whose encoding is not known; len[i] = its size. */
static int pack_edited(otlpgrpc_body *body, const otlpd_batch *b, size_t *len) {
  size_t total = 0;
  for (size_t i = 0; i < b->n; i++) {
    len[i] = b->raw[i].p ? b->raw[i].len : otlpd_pb_otlp_size(b->resources[i]);
    if (!b->raw[i].p) total += len[i];
  }
  if (!total) return 0;
  int rc = otlpd_buf_reserve(&body->packed, total);
  if (rc) return rc;
  for (size_t i = 0; i < b->n; i++) {
    if (b->raw[i].p) continue;
    uint8_t *p = body->packed.data + body->packed.len;
    if (otlpd_pb_otlp_pack(b->resources[i], len[i], p) != len[i]) return -EIO;
    body->packed.len += len[i];
  }
  return 0;
}

static grpc_slice data_slice(otlpgrpc_body *body, const uint8_t *p, size_t n) {
  atomic_fetch_add_explicit(&body->refs, 1, memory_order_relaxed);
  return grpc_slice_new_with_user_data((void *)p, n, body_unref, body);
}

/* Two slices per resource: header, then its bytes (client's or packed). */
static size_t gather(otlpgrpc_body *body, const otlpd_batch *b, const size_t *len, grpc_slice *s) {
  size_t n = 0, off = 0;
  for (size_t i = 0; i < b->n; i++) {
    uint8_t hdr[11];
    hdr[0] = RESOURCES_TAG;
    size_t hl = 1 + otlpd_varint_put(hdr + 1, len[i]);
    s[n++] = grpc_slice_from_copied_buffer((const char *)hdr, hl);
    if (!len[i]) continue;
    const uint8_t *p = b->raw[i].p;
    if (!p) {
      p = body->packed.data + off;
      off += len[i];
    }
    s[n++] = data_slice(body, p, len[i]);
  }
  return n;
}

int otlpgrpc_body_build(otlpd_batch *batch, otlpgrpc_body **out, size_t *charged) {
  otlpgrpc_body *body = calloc(1, sizeof(*body));
  size_t *len = malloc((batch->n ? batch->n : 1) * sizeof(*len));
  grpc_slice *s = malloc((batch->n ? 2 * batch->n : 1) * sizeof(*s));
  int rc = body && len && s ? 0 : -ENOMEM;
  if (body) {
    atomic_init(&body->refs, 1);
    otlpd_batch_ref(batch);
    body->batch = batch;
  }
  if (!rc) rc = pack_edited(body, batch, len);
  if (!rc) {
    size_t n = gather(body, batch, len, s);
    body->message = grpc_raw_byte_buffer_create(s, n); /* takes its own slice references */
    for (size_t i = 0; i < n; i++) grpc_slice_unref(s[i]);
    if (!body->message) rc = -ENOMEM;
  }
  free(len);
  free(s);
  if (rc) {
    if (body) body_unref(body);
    return rc;
  }
  *out = body;
  *charged = body->packed.cap;
  return 0;
}

grpc_byte_buffer *otlpgrpc_body_message(otlpgrpc_body *body) { return grpc_byte_buffer_copy(body->message); }

void otlpgrpc_body_release(otlpgrpc_body *body) {
  if (!body) return;
  grpc_byte_buffer_destroy(body->message);
  body_unref(body);
}
