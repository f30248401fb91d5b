/* The request message of a call, decompressed by otlpd with a bound.
 *
 * gRPC core's per-message decompression is off (grpc_options.c): it would
 * inflate a whole message before checking max_recv_msg_size_mib, so a
 * small gzip bomb cost its full inflated size. gRPC core now hands over
 * the message as it came, tagged with its grpc-encoding, and it is
 * inflated here with the same bounded inflater as HTTP bodies. Note that
 * grpc_byte_buffer_reader_init would decompress a compressed buffer
 * itself, without a bound: the slices are read directly instead. gRPC
 * thread only (the inflater in otlp_grpc is that thread's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>

#include "grpc_server.h"

/* The output buffer kept between calls (charged while held). */
#define INFLATE_KEEP ((size_t)1024 * 1024)

static grpc_status_code plain(grpc_byte_buffer *bb, otlp_grpc_msg *m, char *err, size_t errlen) {
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, bb)) {
    snprintf(err, errlen, "cannot read the request message");
    return GRPC_STATUS_INVALID_ARGUMENT;
  }
  m->flat = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  m->p = GRPC_SLICE_START_PTR(m->flat);
  m->len = GRPC_SLICE_LENGTH(m->flat);
  m->has_flat = true;
  return GRPC_STATUS_OK;
}

grpc_status_code otlp_grpc_msg_open(otlp_grpc *g, grpc_byte_buffer *bb, otlp_grpc_msg *m, char *err, size_t errlen) {
  memset(m, 0, sizeof(*m));
  if (bb->type != GRPC_BB_RAW || bb->data.raw.compression == GRPC_COMPRESS_NONE) return plain(bb, m, err, errlen);
  grpc_compression_algorithm alg = bb->data.raw.compression;
  if (alg != GRPC_COMPRESS_GZIP && alg != GRPC_COMPRESS_DEFLATE) {
    snprintf(err, errlen, "unsupported grpc-encoding (supported: gzip, deflate)");
    return GRPC_STATUS_UNIMPLEMENTED;
  }
  /* The compressed message in one piece (it is at most max_recv_msg_size_mib). */
  grpc_slice_buffer *sb = &bb->data.raw.slice_buffer;
  const uint8_t *in;
  uint8_t *copy = NULL;
  size_t inlen = sb->length;
  if (sb->count == 1) {
    in = GRPC_SLICE_START_PTR(sb->slices[0]);
  } else {
    copy = malloc(inlen ? inlen : 1);
    if (!copy) {
      snprintf(err, errlen, "out of memory");
      return GRPC_STATUS_UNAVAILABLE;
    }
    size_t off = 0;
    for (size_t i = 0; i < sb->count; i++) {
      memcpy(copy + off, GRPC_SLICE_START_PTR(sb->slices[i]), GRPC_SLICE_LENGTH(sb->slices[i]));
      off += GRPC_SLICE_LENGTH(sb->slices[i]);
    }
    in = copy;
  }
  size_t max = (size_t)g->r->cfg->protocols.grpc.max_recv_msg_size_mib * 1024 * 1024;
  const char *why = "message cannot be decompressed";
  g->inflater.mem = g->r->host->mem;
  int rc = otlp_http_inflate(&g->inflater, OTLP_HTTP_ENC_GZIP, in, inlen, max, &why);
  otlp_http_inflater_settle(&g->inflater, SIZE_MAX);
  free(copy);
  if (rc == -E2BIG) {
    snprintf(err, errlen, "decompressed message is larger than max_recv_msg_size_mib (%zu bytes)", max);
    return GRPC_STATUS_RESOURCE_EXHAUSTED;
  }
  if (rc == -ENOMEM) {
    snprintf(err, errlen, "out of memory");
    return GRPC_STATUS_UNAVAILABLE;
  }
  if (rc) {
    snprintf(err, errlen, "%s", why);
    return GRPC_STATUS_INVALID_ARGUMENT;
  }
  m->p = g->inflater.out.data ? g->inflater.out.data : (const uint8_t *)"";
  m->len = g->inflater.out.len;
  return GRPC_STATUS_OK;
}

void otlp_grpc_msg_close(otlp_grpc *g, otlp_grpc_msg *m) {
  if (m->has_flat) grpc_slice_unref(m->flat);
  else otlp_http_inflater_settle(&g->inflater, INFLATE_KEEP);
  memset(m, 0, sizeof(*m));
}
