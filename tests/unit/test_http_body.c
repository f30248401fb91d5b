/* OTLP/HTTP pieces: bounded decompression, Content-Encoding parsing, CORS. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "../../receivers/otlp/http_server.h"

/* windowBits: 15 + 16 = gzip, 15 = zlib ("deflate" in HTTP) */
static uint8_t *deflate_bytes(const void *in, size_t len, int window_bits, size_t *out_len) {
  z_stream z = {0};
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  size_t cap = deflateBound(&z, len) + 64;
  uint8_t *out = malloc(cap);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  *out_len = z.total_out;
  deflateEnd(&z);
  return out;
}

static uint8_t *pattern(size_t n) {
  uint8_t *p = malloc(n);
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 31 + i / 7);
  return p;
}

static void test_gzip_roundtrip_and_reuse(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  for (size_t n = 1; n <= 300000; n *= 7) {
    uint8_t *plain = pattern(n);
    size_t zlen;
    uint8_t *gz = deflate_bytes(plain, n, 15 + 16, &zlen);
    const char *why = NULL;
    assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 1 << 20, &why), 0);
    assert_int_equal(d.out.len, n);
    assert_memory_equal(d.out.data, plain, n);
    /* zlib framing ("Content-Encoding: deflate") through the same stream */
    free(gz);
    gz = deflate_bytes(plain, n, 15, &zlen);
    assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 1 << 20, &why), 0);
    assert_memory_equal(d.out.data, plain, n);
    free(gz);
    free(plain);
  }
  size_t cap = d.out.cap;
  uint8_t *plain = pattern(1000);
  size_t zlen;
  uint8_t *gz = deflate_bytes(plain, 1000, 15 + 16, &zlen);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 1 << 20, NULL), 0);
  assert_int_equal(d.out.cap, cap); /* the buffer is reused, not regrown */
  free(gz);
  free(plain);
  otlp_http_inflater_free(&d);
}

static void test_gzip_concatenated_members(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  size_t l1, l2;
  uint8_t *a = deflate_bytes("hello ", 6, 31, &l1);
  uint8_t *b = deflate_bytes("world", 5, 31, &l2);
  uint8_t *both = malloc(l1 + l2);
  memcpy(both, a, l1);
  memcpy(both + l1, b, l2);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, both, l1 + l2, 100, NULL), 0);
  assert_int_equal(d.out.len, 11);
  assert_memory_equal(d.out.data, "hello world", 11);
  free(a);
  free(b);
  free(both);
  otlp_http_inflater_free(&d);
}

static void test_limit_is_exact(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  uint8_t *plain = pattern(5000);
  size_t zlen;
  uint8_t *gz = deflate_bytes(plain, 5000, 31, &zlen);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 5000, NULL), 0);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 4999, NULL), -E2BIG);
  size_t zs = ZSTD_compressBound(5000);
  uint8_t *z = malloc(zs);
  zs = ZSTD_compress(z, zs, plain, 5000, 1);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zs, 5000, NULL), 0);
  assert_memory_equal(d.out.data, plain, 5000);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zs, 4999, NULL), -E2BIG);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_IDENTITY, plain, 5000, 4999, NULL), -E2BIG);
  free(z);
  free(gz);
  free(plain);
  otlp_http_inflater_free(&d);
}

static void test_bomb_is_stopped_early(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  size_t n = 64u << 20; /* 64 MiB of zeros */
  uint8_t *zeros = calloc(1, n);
  size_t zlen;
  uint8_t *gz = deflate_bytes(zeros, n, 31, &zlen);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 1 << 20, NULL), -E2BIG);
  /* no more than about the limit was ever allocated */
  assert_true(d.out.cap <= 2 * ((1 << 20) + 1));
  free(gz);
  free(zeros);
  otlp_http_inflater_free(&d);
}

static void test_corrupt_and_truncated(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  uint8_t *plain = pattern(4000);
  size_t zlen;
  uint8_t *gz = deflate_bytes(plain, 4000, 31, &zlen);
  const char *why = NULL;
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen / 2, 1 << 20, &why), -EINVAL);
  assert_non_null(why);
  why = NULL;
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, (const uint8_t *)"not gzip at all", 15, 1 << 20, &why),
                   -EINVAL);
  assert_non_null(why);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, 0, 1 << 20, &why), -EINVAL);
  size_t zs = ZSTD_compressBound(4000);
  uint8_t *z = malloc(zs);
  zs = ZSTD_compress(z, zs, plain, 4000, 1);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zs - 3, 1 << 20, &why), -EINVAL);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, (const uint8_t *)"junkjunkjunk", 12, 1 << 20, &why), -EINVAL);
  /* and the states recover for the next request */
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_GZIP, gz, zlen, 1 << 20, NULL), 0);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zs, 1 << 20, NULL), 0);
  assert_memory_equal(d.out.data, plain, 4000);
  free(z);
  free(gz);
  free(plain);
  otlp_http_inflater_free(&d);
}

/* A zstd frame of in as a streaming compressor writes it: no content size,
 * the window given. */
static uint8_t *zstd_stream_frame(const void *in, size_t len, int window_log, size_t *out_len) {
  ZSTD_CCtx *c = ZSTD_createCCtx();
  assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log)));
  assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0)));
  size_t cap = ZSTD_compressBound(len) + 64;
  uint8_t *out = malloc(cap);
  ZSTD_outBuffer ob = {out, cap, 0};
  ZSTD_inBuffer ib = {in, len, 0};
  /* fed in two calls, so zstd cannot shrink the window to the input */
  assert_false(ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
  ZSTD_inBuffer none = {NULL, 0, 0};
  assert_int_equal(ZSTD_compressStream2(c, &ob, &none, ZSTD_e_end), 0);
  ZSTD_freeCCtx(c);
  *out_len = ob.pos;
  return out;
}

/* zstd allocates the whole window a frame declares when it has no content
 * size: a 2^27 window in a 20-byte body would cost 128 MiB. The window is
 * bounded by the body limit, never below 2^23 (what streaming compressors
 * declare below the ultra levels). */
static void test_zstd_window_bound(void **state) {
  (void)state;
  otlp_http_inflater d = {0};
  uint8_t *plain = pattern(5000);
  size_t zlen;
  const char *why = NULL;
  uint8_t *z = zstd_stream_frame(plain, 5000, 23, &zlen);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zlen, 8192, &why), 0);
  assert_int_equal(d.out.len, 5000);
  assert_memory_equal(d.out.data, plain, 5000);
  free(z);
  z = zstd_stream_frame(plain, 5000, 27, &zlen);
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zlen, 4 << 20, &why), -EINVAL);
  assert_string_equal(why, "zstd body declares a window larger than the body limit allows");
  /* a limit of 128 MiB admits it */
  assert_int_equal(otlp_http_inflate(&d, OTLP_HTTP_ENC_ZSTD, z, zlen, 128u << 20, &why), 0);
  assert_memory_equal(d.out.data, plain, 5000);
  free(z);
  free(plain);
  otlp_http_inflater_free(&d);
}

static void test_encoding_parse(void **state) {
  (void)state;
  assert_int_equal(otlp_http_encoding_parse("", 0), OTLP_HTTP_ENC_IDENTITY);
  assert_int_equal(otlp_http_encoding_parse("identity", 8), OTLP_HTTP_ENC_IDENTITY);
  assert_int_equal(otlp_http_encoding_parse(" GZIP ", 6), OTLP_HTTP_ENC_GZIP);
  assert_int_equal(otlp_http_encoding_parse("deflate", 7), OTLP_HTTP_ENC_GZIP);
  assert_int_equal(otlp_http_encoding_parse("zstd", 4), OTLP_HTTP_ENC_ZSTD);
  assert_int_equal(otlp_http_encoding_parse("br", 2), OTLP_HTTP_ENC_UNKNOWN);
  assert_int_equal(otlp_http_encoding_parse("gzip, zstd", 10), OTLP_HTTP_ENC_UNKNOWN);
}

static bool allowed(const char *const *pats, size_t n, const char *origin) {
  otlpd_strings s = {(char **)pats, n};
  return otlp_http_cors_origin_allowed(&s, origin, strlen(origin));
}

static void test_cors_origins(void **state) {
  (void)state;
  const char *pats[] = {"https://*.example.com", "http://exact.test", "http://*.a.*.b"};
  assert_true(allowed(pats, 3, "https://app.example.com"));
  assert_true(allowed(pats, 3, "https://x.y.example.com"));
  assert_true(allowed(pats, 3, "HTTP://Exact.Test"));
  assert_true(allowed(pats, 3, "http://1.a.2.b"));
  assert_false(allowed(pats, 3, "https://example.com"));
  assert_false(allowed(pats, 3, "http://app.example.com"));
  assert_false(allowed(pats, 3, "https://app.example.com.evil.test"));
  assert_false(allowed(pats, 3, "http://exact.test:8080"));
  assert_false(allowed(pats, 3, ""));
  const char *any[] = {"*"};
  assert_true(allowed(any, 1, "http://whatever"));
  assert_false(allowed(pats, 0, "https://app.example.com"));
}

static void test_cors_allow_headers(void **state) {
  (void)state;
  const char *extra[] = {"X-Custom", "content-type"};
  otlpd_strings s = {(char **)extra, 2};
  char *h = otlp_http_cors_allow_headers(&s);
  assert_non_null(h);
  assert_non_null(strstr(h, "Content-Type"));
  assert_non_null(strstr(h, "X-Custom"));
  assert_null(strstr(h, "content-type")); /* not listed twice */
  free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gzip_roundtrip_and_reuse),
      cmocka_unit_test(test_gzip_concatenated_members),
      cmocka_unit_test(test_limit_is_exact),
      cmocka_unit_test(test_bomb_is_stopped_early),
      cmocka_unit_test(test_corrupt_and_truncated),
      cmocka_unit_test(test_zstd_window_bound),
      cmocka_unit_test(test_encoding_parse),
      cmocka_unit_test(test_cors_origins),
      cmocka_unit_test(test_cors_allow_headers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
