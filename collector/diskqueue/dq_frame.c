/* Record framing: u32 len | u32 items | u32 crc32c over the first eight
 * header bytes and the payload, little endian. The length is covered by
 * the checksum, so a damaged length cannot pass as a shorter record. */
#include <errno.h>

#include "diskqueue.h"

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void otlpd_dq_frame_header(uint8_t hdr[OTLPD_DQ_REC_HDR], const uint8_t *payload, uint32_t len,
                           uint32_t items) {
  put32(hdr, len);
  put32(hdr + 4, items);
  put32(hdr + 8, otlpd_crc32c_update(otlpd_crc32c(hdr, 8), payload, len));
}

int otlpd_dq_frame_parse(const uint8_t hdr[OTLPD_DQ_REC_HDR], uint32_t *len, uint32_t *items) {
  *len = get32(hdr);
  *items = get32(hdr + 4);
  return *len == 0 || *len > OTLPD_DQ_REC_MAX ? -EBADMSG : 0;
}

bool otlpd_dq_frame_check(const uint8_t hdr[OTLPD_DQ_REC_HDR], const uint8_t *payload) {
  uint32_t crc = otlpd_crc32c_update(otlpd_crc32c(hdr, 8), payload, get32(hdr));
  return crc == get32(hdr + 8);
}

uint64_t otlpd_dq_measure(int sizer, size_t len, uint32_t items) {
  switch (sizer) {
  case OTLPD_DQ_ITEMS: return items;
  case OTLPD_DQ_BYTES: return len;
  default: return 1;
  }
}
