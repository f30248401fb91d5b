/* The request body's compressed copy: made once per body and kept in the
 * request, so a resend costs no compression and no allocation.
 *
 * gzip is one-shot (the body is whole in memory). Level 1, the fastest and
 * the Elasticsearch exporter's default (contrib's gzip.BestSpeed), goes
 * through ISA-L's igzip: on the bulk JSON it compresses about 5x faster
 * than libdeflate's level 1 for a 4 % larger result, and at libdeflate's
 * speed compression cost as much CPU as the JSON encoding it follows
 * (bench/RESULTS.md). Higher levels, chosen for size, go through
 * libdeflate, which beats zlib on both speed and size at every level. */
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
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

/* Stored blocks are the worst case: 5 bytes per 64 KiB block, plus the
 * gzip header and trailer; the margin covers both many times over. */
static size_t igzip_bound(size_t len) { return len + len / 64 + 1024; }

static int igzip_into(otlpd_buf *out, const void *p, size_t len) {
  size_t bound = igzip_bound(len);
  if (otlpd_buf_reserve(out, bound) < 0) return -ENOMEM;
  /* The stream holds igzip's hash tables (hundreds of KiB): heap, not stack. */
  struct isal_zstream *z = malloc(sizeof(*z));
  uint8_t *lvl = malloc(ISAL_DEF_LVL1_DEFAULT);
  int rc = -ENOMEM;
  if (z && lvl) {
    isal_deflate_stateless_init(z);
    z->level = 1;
    z->level_buf = lvl;
    z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    z->gzip_flag = IGZIP_GZIP;
    z->end_of_stream = 1;
    z->next_in = (uint8_t *)p;
    z->avail_in = (uint32_t)len;
    z->next_out = out->data + out->len;
    z->avail_out = (uint32_t)bound;
    rc = isal_deflate_stateless(z) == COMP_OK ? 0 : -EIO;
    if (rc == 0) out->len += z->total_out;
  }
  free(lvl);
  free(z);
  return rc;
}

static int gzip_into(otlpd_buf *out, const void *p, size_t len, int level) {
  if (level == 1 && igzip_bound(len) <= UINT32_MAX) return igzip_into(out, p, len);
  /* -1 (or 0, unset) is zlib's default, 6; libdeflate goes up to 12. */
  if (level <= 0) level = 6;
  if (level > 12) level = 12;
  struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
  if (!c) return -ENOMEM;
  size_t bound = libdeflate_gzip_compress_bound(c, len);
  if (otlpd_buf_reserve(out, bound) < 0) {
    libdeflate_free_compressor(c);
    return -ENOMEM;
  }
  size_t n = libdeflate_gzip_compress(c, p, len, out->data + out->len, bound);
  libdeflate_free_compressor(c);
  if (n == 0) return -EIO;
  out->len += n;
  return 0;
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
  if (req->body_len_ > UINT32_MAX) return -E2BIG; /* one buffer; far above any flush size */
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
