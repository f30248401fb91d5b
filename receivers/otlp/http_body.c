/* Request body decompression with a hard cap on the output size.
 *
 * The cap is what stops a "zip bomb": a few KiB of gzip can expand to
 * gigabytes. A first pass inflates into a small scratch buffer only to
 * count the output, and stops as soon as max is passed: a bomb costs no
 * memory. The second pass fills a buffer of exactly the counted size. The
 * buffer and the decoder states live across requests (no per-request
 * growth from zero, no per-request zlib/zstd setup). */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <zstd_errors.h>

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

/* Where inflated bytes go: d->out (growing, capped), or a scratch buffer
 * that is overwritten each round and only counted. */
typedef struct sink {
  otlpd_buf *out;       /* NULL: count only */
  uint8_t *scratch;
  size_t counted;
} sink;

#define SCRATCH_LEN (32 * 1024)

static size_t sink_len(const sink *k) { return k->out ? k->out->len : k->counted; }

/* Room for the next round, at most one byte past max so that passing max
 * is seen rather than silently truncated. */
static int sink_room(sink *k, size_t max, uint8_t **p, size_t *n) {
  size_t len = sink_len(k), limit = max + 1;
  if (len >= limit) return -E2BIG;
  if (!k->out) {
    *p = k->scratch;
    *n = limit - len < SCRATCH_LEN ? limit - len : SCRATCH_LEN;
    return 0;
  }
  otlpd_buf *b = k->out;
  if (b->cap == b->len) {
    size_t want = INFLATE_FIRST_CHUNK < limit - b->len ? INFLATE_FIRST_CHUNK : limit - b->len;
    int rc = otlpd_buf_reserve(b, want);
    if (rc) return rc;
  }
  *p = b->data + b->len;
  *n = b->cap - b->len < limit - b->len ? b->cap - b->len : limit - b->len;
  return 0;
}

static void sink_put(sink *k, size_t n) {
  if (k->out) k->out->len += n;
  else k->counted += n;
}

static int gunzip(otlp_http_inflater *d, sink *k, const uint8_t *in, size_t len, size_t max, const char **why) {
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
    uint8_t *p;
    size_t room;
    int rc = sink_room(k, max, &p, &room);
    if (rc) return rc;
    /* zlib counts in uInt; feed huge inputs in slices */
    uInt in_now = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
    uInt out_now = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
    z->avail_in = in_now;
    z->next_out = p;
    z->avail_out = out_now;
    int zr = inflate(z, Z_NO_FLUSH);
    in_left -= in_now - z->avail_in;
    sink_put(k, out_now - z->avail_out);
    if (sink_len(k) > max) return -E2BIG;
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

/* The largest zstd window a body may declare. A frame without a content
 * size makes the decoder allocate its whole declared window, and zstd's
 * own limit is 2^27: a few bytes of header would cost 128 MiB. No body
 * needs a window past its own size limit, but streaming compressors
 * declare their level's window whatever the content (at most 2^23 below
 * the ultra levels), so the bound is the larger of the two. */
#define ZSTD_WINDOW_LOG_CAP 27 /* zstd's default limit (a static-linking-only name) */

static int zstd_window_log(size_t max) {
  int log = 23;
  while (log < ZSTD_WINDOW_LOG_CAP && ((size_t)1 << log) < max) log++;
  return log;
}

/* limit: the body limit, which bounds the window (max may be lower: the
 * exact size counted by a first pass). */
static int unzstd(otlp_http_inflater *d, sink *k, const uint8_t *in, size_t len, size_t max, size_t limit,
                  const char **why) {
  if (!d->zstd) {
    d->zstd = ZSTD_createDCtx();
    if (!d->zstd) return -ENOMEM;
  } else {
    ZSTD_DCtx_reset(d->zstd, ZSTD_reset_session_only);
  }
  if (ZSTD_isError(ZSTD_DCtx_setParameter(d->zstd, ZSTD_d_windowLogMax, zstd_window_log(limit)))) return -ENOMEM;
  ZSTD_inBuffer ib = {in, len, 0};
  size_t last = 1; /* 0 once a frame ended exactly */
  for (;;) {
    uint8_t *p;
    size_t room;
    int rc = sink_room(k, max, &p, &room);
    if (rc) return rc;
    ZSTD_outBuffer ob = {p, room, 0};
    last = ZSTD_decompressStream(d->zstd, &ob, &ib);
    sink_put(k, ob.pos);
    if (ZSTD_isError(last)) {
      *why = ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge
                 ? "zstd body declares a window larger than the body limit allows"
                 : "zstd body is corrupt";
      return -EINVAL;
    }
    if (sink_len(k) > max) return -E2BIG;
    if (ib.pos == ib.size && ob.pos < ob.size) break; /* all input consumed, no output pending */
  }
  if (last != 0) {
    *why = "zstd body is truncated";
    return -EINVAL;
  }
  return 0;
}

static int run(otlp_http_inflater *d, sink *k, otlp_http_encoding enc, const uint8_t *in, size_t len, size_t max,
               size_t limit, const char **why) {
  return enc == OTLP_HTTP_ENC_GZIP ? gunzip(d, k, in, len, max, why) : unzstd(d, k, in, len, max, limit, why);
}

/* Count first, then inflate into a buffer of exactly that size. */
static int inflate_exact(otlp_http_inflater *d, otlp_http_encoding enc, const uint8_t *in, size_t len, size_t max,
                         const char **why) {
  uint8_t scratch[SCRATCH_LEN];
  sink count = {NULL, scratch, 0};
  int rc = run(d, &count, enc, in, len, max, max, why);
  if (rc) return rc;
  /* +1: the second pass also asks for room past the end to see the end */
  if (d->out.cap < count.counted + 1) {
    otlpd_buf_free(&d->out);
    if ((rc = otlpd_buf_reserve(&d->out, count.counted + 1)) != 0) return rc;
  }
  sink fill = {&d->out, NULL, 0};
  return run(d, &fill, enc, in, len, count.counted, max, why);
}

int otlp_http_inflate(otlp_http_inflater *d, otlp_http_encoding enc, const uint8_t *in, size_t len, size_t max,
                 const char **why) {
  const char *ignored;
  if (!why) why = &ignored;
  d->out.len = 0;
  switch (enc) {
  case OTLP_HTTP_ENC_GZIP:
  case OTLP_HTTP_ENC_ZSTD: return inflate_exact(d, enc, in, len, max, why);
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
