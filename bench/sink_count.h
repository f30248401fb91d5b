/* Items of an uncompressed OTLP traces/logs Export request, for the bench
 * sinks: each field-1 message's field-2 messages' field-2 messages
 * (ResourceSpans.scope_spans.spans, ResourceLogs.scope_logs.log_records),
 * counted by walking the protobuf without decoding it. */
#ifndef OTLPD_BENCH_SINK_COUNT_H
#define OTLPD_BENCH_SINK_COUNT_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t sink_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (int s = 0; *p < end && s < 64; s += 7) {
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7f) << s;
    if (c < 0x80) break;
  }
  return v;
}

static inline uint64_t sink_count_level(const uint8_t *p, const uint8_t *end, int depth) {
  uint64_t n = 0;
  while (p < end) {
    uint64_t key = sink_varint(&p, end);
    size_t skip;
    switch (key & 7) {
    case 0: sink_varint(&p, end); continue;
    case 1: skip = 8; break;
    case 5: skip = 4; break;
    case 2: skip = (size_t)sink_varint(&p, end); break;
    default: return n;
    }
    if (skip > (size_t)(end - p)) return n;
    if ((key & 7) == 2 && key >> 3 == (depth == 0 ? 1u : 2u))
      n += depth == 2 ? 1 : sink_count_level(p, p + skip, depth + 1);
    p += skip;
  }
  return n;
}

static inline uint64_t sink_count_items(const uint8_t *p, size_t n) { return sink_count_level(p, p + n, 0); }

#endif
