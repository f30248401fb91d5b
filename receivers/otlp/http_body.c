/* Request body decompression with a hard cap on the output size.
 *
 * The cap is what stops a "zip bomb": a few KiB of gzip can expand to
 * gigabytes, so output is produced into a buffer that grows only while it
 * stays under max, and decompression stops as soon as max is passed. The
 * buffer and the decoder states live across requests (no per-request
 * growth from zero, no per-request zlib/zstd setup). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_server.h"

#define INFLATE_FIRST_CHUNK (64 * 1024)

static bool token_is(const char *v, size_t len, const char *tok) {
  size_t n = strlen(tok);
  return len == n && strncasecmp(v, tok, n) == 0;
}

otlp_http_encoding otlp_http_encoding_parse(const char *v, size_t len) {
  while (len && (*v == ' ' || *v == '\t')) v++, len--;
  while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
  if (len == 0 || token_is(v, len, "identity")) return OTLP_HTTP_ENC_IDENTITY;
  if (token_is(v, len, "gzip") || token_is(v, len, "x-gzip") || token_is(v, len, "deflate"))
    return OTLP_HTTP_ENC_GZIP;
  if (token_is(v, len, "zstd")) return OTLP_HTTP_ENC_ZSTD;
  return OTLP_HTTP_ENC_UNKNOWN;
}

/* Makes room for more output: at least one byte more than max in total so
 * that overflowing max is detected rather than silently truncated. */
static int grow(otlpd_buf *b, size_t max, size_t hint) {
  size_t limit = max + 1;
  if (b->len >= limit) return -E2BIG;
  size_t room = b->cap - b->len;
  if (room > 0) return 0;
  size_t want = hint > INFLATE_FIRST_CHUNK ? hint : INFLATE_FIRST_CHUNK;
  if (want > limit - b->len) want = limit - b->len;
  return otlpd_buf_reserve(b, want);
}

static size_t room_under(const otlpd_buf *b, size_t max) {
  size_t room = b->cap - b->len;
  size_t left = max + 1 - b->len;
  return room < left ? room : left;
}

static int gunzip(otlp_http_inflater *d, const uint8_t *in, size_t len, size_t max, const char **why) {
  z_stream *z = &d->z;
  if (!d->z_ready) {
    memset(z, 0, sizeof(*z));
    /* 15 + 32: gzip or zlib header, detected automatically */
    if (inflateInit2(z, 15 + 32) != Z_OK) return -ENOMEM;
    d->z_ready = true;
  } else if (inflateReset(z) != Z_OK) {
    return -ENOMEM;
  }
  z->next_in = (Bytef *)in;
  size_t in_left = len;
  for (;;) {
    int rc = grow(&d->out, max, len * 4);
    if (rc) return rc;
    /* zlib counts in uInt; feed huge inputs in slices */
    uInt in_now = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
    size_t room = room_under(&d->out, max);
    uInt out_now = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
    z->avail_in = in_now;
    z->next_out = d->out.data + d->out.len;
    z->avail_out = out_now;
    int zr = inflate(z, Z_NO_FLUSH);
    in_left -= in_now - z->avail_in;
    d->out.len += out_now - z->avail_out;
    if (d->out.len > max) return -E2BIG;
    if (zr == Z_STREAM_END) {
      if (in_left == 0) return 0;
      /* concatenated gzip members are one valid body (RFC 1952) */
      if (inflateReset(z) != Z_OK) return -ENOMEM;
      continue;
    }
    if (zr == Z_BUF_ERROR && in_left == 0 && z->avail_out > 0) {
      *why = "gzip body is truncated";
      return -EINVAL;
    }
    if (zr != Z_OK && zr != Z_BUF_ERROR) {
      *why = zr == Z_MEM_ERROR ? "out of memory" : "gzip body is corrupt";
      return zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    if (in_left == 0 && z->avail_out > 0) {
      *why = "gzip body is truncated";
      return -EINVAL;
    }
  }
}

static int unzstd(otlp_http_inflater *d, const uint8_t *in, size_t len, size_t max, const char **why) {
  if (!d->zstd) {
    d->zstd = ZSTD_createDCtx();
    if (!d->zstd) return -ENOMEM;
  } else {
    ZSTD_DCtx_reset(d->zstd, ZSTD_reset_session_only);
  }
  ZSTD_inBuffer ib = {in, len, 0};
  size_t last = 1; /* 0 once a frame ended exactly */
  for (;;) {
    int rc = grow(&d->out, max, len * 4);
    if (rc) return rc;
    size_t room = room_under(&d->out, max);
    ZSTD_outBuffer ob = {d->out.data + d->out.len, room, 0};
    last = ZSTD_decompressStream(d->zstd, &ob, &ib);
    d->out.len += ob.pos;
    if (ZSTD_isError(last)) {
      *why = "zstd body is corrupt";
      return -EINVAL;
    }
    if (d->out.len > max) return -E2BIG;
    if (ib.pos == ib.size && ob.pos < ob.size) break; /* all input consumed, no output pending */
  }
  if (last != 0) {
    *why = "zstd body is truncated";
    return -EINVAL;
  }
  return 0;
}

int otlp_http_inflate(otlp_http_inflater *d, otlp_http_encoding enc, const uint8_t *in, size_t len, size_t max,
                 const char **why) {
  const char *ignored;
  if (!why) why = &ignored;
  d->out.len = 0;
  switch (enc) {
  case OTLP_HTTP_ENC_GZIP: return gunzip(d, in, len, max, why);
  case OTLP_HTTP_ENC_ZSTD: return unzstd(d, in, len, max, why);
  case OTLP_HTTP_ENC_IDENTITY:
    if (len > max) return -E2BIG;
    return otlpd_buf_append(&d->out, in, len);
  default: *why = "unsupported Content-Encoding"; return -EINVAL;
  }
}

void otlp_http_inflater_settle(otlp_http_inflater *d, size_t keep) {
  if (d->out.cap > keep) otlpd_buf_free(&d->out);
  if (d->out.cap > d->charged) otlpd_memacct_charge(d->mem, d->out.cap - d->charged);
  else otlpd_memacct_release(d->mem, d->charged - d->out.cap);
  d->charged = d->out.cap;
}

void otlp_http_inflater_free(otlp_http_inflater *d) {
  if (d->z_ready) inflateEnd(&d->z);
  d->z_ready = false;
  ZSTD_freeDCtx(d->zstd); /* NULL is fine */
  d->zstd = NULL;
  otlpd_buf_free(&d->out);
  otlp_http_inflater_settle(d, 0);
}
