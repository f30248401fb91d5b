/* The request body's compressed copy: made once per body and kept in the
 * request, so a resend costs no compression and no allocation. */
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "http_internal.h"

void otlpd_http_req_set_body(otlpd_http_req *req, const void *p, size_t len) {
  req->body_ = p;
  req->body_len_ = len;
  req->packed_valid_ = false;
}

static void charge(otlpd_http_req *req) {
  if (req->packed_.cap == req->charged_) return;
  otlpd_memacct_release(req->mem, req->charged_);
  otlpd_memacct_charge(req->mem, req->packed_.cap);
  req->charged_ = req->packed_.cap;
}

void otlpd_http_req_release(otlpd_http_req *req) {
  otlpd_buf_free(&req->packed_);
  charge(req);
  req->packed_valid_ = false;
}

static int gzip_into(otlpd_buf *out, const void *p, size_t len, int level) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  /* 15 + 16: a gzip wrapper, as Content-Encoding: gzip means. */
  if (deflateInit2(&z, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return -ENOMEM;
  size_t bound = deflateBound(&z, (uLong)len);
  if (otlpd_buf_reserve(out, bound) < 0) {
    deflateEnd(&z);
    return -ENOMEM;
  }
  z.next_in = (Bytef *)(uintptr_t)p;
  z.avail_in = (uInt)len;
  z.next_out = out->data + out->len;
  z.avail_out = (uInt)bound;
  int rc = deflate(&z, Z_FINISH);
  out->len += bound - z.avail_out;
  deflateEnd(&z);
  return rc == Z_STREAM_END ? 0 : -EIO;
}

static int zstd_into(otlpd_buf *out, const void *p, size_t len, int level) {
  size_t bound = ZSTD_compressBound(len);
  if (otlpd_buf_reserve(out, bound) < 0) return -ENOMEM;
  size_t n = ZSTD_compress(out->data + out->len, bound, p, len, level ? level : 3);
  if (ZSTD_isError(n)) return -EIO;
  out->len += n;
  return 0;
}

int otlpd_http_compress(otlpd_http_req *req) {
  if (req->compression == OTLPD_HTTP_COMPRESS_NONE) return 0;
  if (req->packed_valid_ && req->packed_kind_ == req->compression) return 0;
  if (req->body_len_ > UINT32_MAX) return -E2BIG; /* zlib's counters are 32-bit */
  otlpd_buf_clear(&req->packed_);
  int rc = req->compression == OTLPD_HTTP_COMPRESS_GZIP
               ? gzip_into(&req->packed_, req->body_, req->body_len_, req->compression_level)
               : zstd_into(&req->packed_, req->body_, req->body_len_, req->compression_level);
  charge(req);
  if (rc < 0) return rc;
  req->packed_kind_ = req->compression;
  req->packed_valid_ = true;
  return 0;
}
