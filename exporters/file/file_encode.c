/* consume(): the batch becomes one record appended to the current chunk,
 * encoded straight into the chunk's buffer (no copy, no per-item malloc).
 *
 * Framing, as otelcol's fileexporter writes it:
 *   json, no compression: the OTLP-JSON request, then '\n'
 *   proto:                4-byte big-endian length, then the protobuf request
 *   any format with zstd: 4-byte big-endian length, then one zstd frame of
 *                         the encoded request (json frames carry no '\n') */
#include <errno.h>
#include <string.h>
#include <zstd.h>

#include "file_exporter.h"
#include "otlpd/codec.h"

#define ZSTD_LEVEL 1 /* this runs on the loop thread: favour speed */

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Protobuf reuses the clients' bytes where it can (otlpd_batch_encode_pb);
 * JSON is always encoded from the decoded request view. */
static int encode_plain(const file_exporter *fe, const otlpd_batch *b, const ProtobufCMessage *req,
                        otlpd_buf *out) {
  if (fe->cfg->format == FILE_FORMAT_JSON) return otlpd_json_encode(req, out);
  return otlpd_batch_encode_pb(b, out);
}

/* Reserves the length prefix, runs the body, then writes the length in. */
static int frame_length(otlpd_buf *out, size_t at) {
  size_t n = out->len - at - 4;
  if (n > UINT32_MAX) return -EFBIG;
  put_be32(out->data + at, (uint32_t)n);
  return 0;
}

static int encode_zstd(file_exporter *fe, const otlpd_batch *b, const ProtobufCMessage *req,
                       otlpd_buf *out) {
  otlpd_buf_clear(&fe->scratch);
  int rc = encode_plain(fe, b, req, &fe->scratch);
  if (rc) return rc;
  size_t bound = ZSTD_compressBound(fe->scratch.len);
  if ((rc = otlpd_buf_reserve(out, 4 + bound)) != 0) return rc;
  size_t at = out->len;
  size_t z = ZSTD_compressCCtx(fe->zctx, out->data + at + 4, bound, fe->scratch.data,
                               fe->scratch.len, ZSTD_LEVEL);
  if (ZSTD_isError(z)) return -EIO;
  out->len = at + 4 + z;
  return frame_length(out, at);
}

static int encode_record(file_exporter *fe, const otlpd_batch *b, const ProtobufCMessage *req,
                         otlpd_buf *out) {
  int rc;
  if (fe->zstd) return encode_zstd(fe, b, req, out);
  if (fe->cfg->format == FILE_FORMAT_JSON) {
    if ((rc = otlpd_json_encode(req, out)) != 0) return rc;
    return otlpd_buf_append(out, "\n", 1);
  }
  if ((rc = otlpd_buf_reserve(out, 4)) != 0) return rc;
  size_t at = out->len;
  out->len += 4;
  if ((rc = otlpd_batch_encode_pb(b, out)) != 0) return rc;
  return frame_length(out, at);
}

/* Lumberjack rotates before a write that would take the file past the
 * limit; here the "write" is the record just encoded at [start, start+n). */
static void mark_rotation(file_exporter *fe, size_t start, size_t n) {
  if (fe->max_file_bytes && fe->logical_size > 0 && fe->logical_size + n > fe->max_file_bytes) {
    fe->cur->rotate_at = start;
    fe->logical_size = n;
    file_queue_seal(fe, 0); /* one rotation point per chunk */
    return;
  }
  fe->logical_size += n;
}

/* The write queue is bounded in bytes; a record may take it past the
 * bound once (its size is known only after encoding). */
int file_admit(otlpd_consumer *self, const otlpd_batch *batch) {
  file_exporter *fe = (file_exporter *)self;
  (void)batch;
  if (!fe->started || fe->stopping) return OTLPD_ERR_RETRY;
  /* While the daemon drains, processors flush what they hold into us; the
   * receivers are closed, so taking it all is bounded and loses nothing. */
  bool draining = fe->host->shutting_down && *fe->host->shutting_down;
  if (fe->queued_bytes < fe->queue_limit || draining) return OTLPD_OK;
  /* Make sure what is queued is on its way, or nothing would free room
   * before the next flush tick. */
  fe->refused++;
  file_queue_seal(fe, 0);
  file_queue_kick(fe);
  return OTLPD_ERR_RETRY;
}

int file_consume(otlpd_consumer *self, otlpd_batch *batch) {
  file_exporter *fe = (file_exporter *)self;
  int rc = file_admit(self, batch);
  if (rc != OTLPD_OK) return rc;
  if (batch->n == 0) return OTLPD_OK;
  if (file_queue_reserve(fe, 0) != 0) return OTLPD_ERR_RETRY;
  otlpd_request_view view;
  const ProtobufCMessage *req = otlpd_batch_view(batch, &view);
  file_chunk *c = fe->cur;
  size_t start = c->buf.len;
  rc = encode_record(fe, batch, req, &c->buf);
  if (rc) {
    c->buf.len = start;
    return rc == -ENOMEM ? OTLPD_ERR_RETRY : OTLPD_ERR_PERMANENT;
  }
  size_t n = c->buf.len - start;
  c->items[batch->signal] += batch->items;
  fe->queued_bytes += n;
  otlpd_memacct_charge(fe->host->mem, n);
  mark_rotation(fe, start, n);
  if (fe->cur && fe->cur->buf.len >= fe->chunk_target) file_queue_seal(fe, 0);
  file_queue_kick(fe);
  return OTLPD_OK;
}
