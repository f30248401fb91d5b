/* Hex (trace/span ids) and base64 (other bytes) for OTLP-JSON. */
#include <string.h>

#include "codec_internal.h"

static const char hexdig[] = "0123456789abcdef";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int otlpd_hex_encode(otlpd_buf *b, const uint8_t *p, size_t n) {
  int rc = otlpd_buf_reserve(b, n * 2);
  if (rc) return rc;
  char *o = (char *)b->data + b->len;
  for (size_t i = 0; i < n; i++) {
    o[2 * i] = hexdig[p[i] >> 4];
    o[2 * i + 1] = hexdig[p[i] & 15];
  }
  b->len += n * 2;
  return 0;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20; /* fold to lower case */
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

long otlpd_hex_decode(const char *s, size_t n, uint8_t *out) {
  if (n % 2) return -1;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

int otlpd_base64_encode(otlpd_buf *b, const uint8_t *p, size_t n) {
  size_t outlen = (n + 2) / 3 * 4;
  int rc = otlpd_buf_reserve(b, outlen);
  if (rc) return rc;
  char *o = (char *)b->data + b->len;
  size_t i = 0, j = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    o[j++] = b64[v >> 18];
    o[j++] = b64[(v >> 12) & 63];
    o[j++] = b64[(v >> 6) & 63];
    o[j++] = b64[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
    o[j++] = b64[v >> 18];
    o[j++] = b64[(v >> 12) & 63];
    o[j++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    o[j++] = '=';
  }
  b->len += j;
  return 0;
}

/* Standard and URL-safe alphabets both accepted; padding optional. */
static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

long otlpd_base64_decode(const char *s, size_t n, uint8_t *out) {
  size_t pad = 0;
  while (n && s[n - 1] == '=' && pad < 2) {
    n--;
    pad++;
  }
  if (n % 4 == 1 || (pad && (n + pad) % 4)) return -1;
  size_t j = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (uint8_t)(acc >> bits);
    }
  }
  return (long)j;
}
