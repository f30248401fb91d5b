/* One tenant's push. Protobuf: logproto.PushRequest written by hand (field
 * numbers from Loki's pkg/push/push.proto, see README) into a reused buffer,
 * then snappy block compression, as Loki's push endpoint takes it. JSON:
 * Loki's {"streams":[{"stream":{..},"values":[["<ns>","<line>",{..}]]}]}.
 *
 *   PushRequest      { repeated StreamAdapter streams = 1; }
 *   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter     { Timestamp timestamp = 1; string line = 2;
 *                      repeated LabelPairAdapter structuredMetadata = 3; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 *   Timestamp        { int64 seconds = 1; int32 nanos = 2; } */
#include <inttypes.h>
#include <stdbool.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>

#include "loki.h"
#include "otlpd/json_write.h"

static size_t vlen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static size_t field_len(size_t n) { return 1 + vlen(n) + n; }

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Structured-metadata pairs of one range, as loki_collect.c wrote them. */
typedef struct pair_it {
  const uint8_t *p, *end;
  const uint8_t *name, *val;
  uint32_t nl, vl;
} pair_it;

static pair_it pairs(const uint8_t *d, uint32_t off, uint32_t len) {
  return (pair_it){.p = d + off, .end = d + off + len};
}

static bool next_pair(pair_it *it) {
  if (it->p >= it->end) return false;
  it->nl = get_u32(it->p);
  it->name = it->p + 4;
  it->vl = get_u32(it->name + it->nl);
  it->val = it->name + it->nl + 4;
  it->p = it->val + it->vl;
  return true;
}

static void split_ts(int64_t ns, int64_t *sec, int32_t *nanos) {
  *sec = ns / 1000000000LL;
  *nanos = (int32_t)(ns % 1000000000LL);
  if (*nanos < 0) {
    *nanos += 1000000000;
    (*sec)--;
  }
}

static size_t ts_len(int64_t ns) {
  int64_t sec;
  int32_t nanos;
  split_ts(ns, &sec, &nanos);
  return (sec ? 1 + vlen((uint64_t)sec) : 0) + (nanos ? 1 + vlen((uint64_t)nanos) : 0);
}

static size_t entry_len(const loki_entry *e) {
  return field_len(ts_len(e->ts_ns)) + field_len(e->line_len) + e->sm_len + e->rsm_len;
}

static uint8_t *put_bytes(uint8_t *o, uint8_t tag, const void *p, size_t n) {
  *o++ = tag;
  o += otlpd_varint_put(o, n);
  memcpy(o, p, n);
  return o + n;
}

static uint8_t *put_entry(uint8_t *o, const loki_work *w, const loki_entry *e) {
  *o++ = 0x12;
  o += otlpd_varint_put(o, e->pb_len);
  int64_t sec;
  int32_t nanos;
  split_ts(e->ts_ns, &sec, &nanos);
  *o++ = 0x0a;
  o += otlpd_varint_put(o, ts_len(e->ts_ns));
  if (sec) {
    *o++ = 0x08;
    o += otlpd_varint_put(o, (uint64_t)sec);
  }
  if (nanos) {
    *o++ = 0x10;
    o += otlpd_varint_put(o, (uint64_t)nanos);
  }
  o = put_bytes(o, 0x12, w->data.data + e->line, e->line_len);
  /* structured metadata is stored encoded (loki_collect.c) */
  memcpy(o, w->data.data + e->sm, e->sm_len);
  o += e->sm_len;
  memcpy(o, w->data.data + e->rsm, e->rsm_len);
  return o + e->rsm_len;
}

/* Sizes each entry once (kept in pb_len for put_entry). */
static size_t stream_len(loki_work *w, const loki_stream *s) {
  size_t n = field_len(s->labels_len);
  for (uint32_t i = 0; i < s->count; i++) {
    loki_entry *e = &w->entries[s->first + i];
    e->pb_len = (uint32_t)entry_len(e);
    n += field_len(e->pb_len);
  }
  return n;
}

int loki_encode_pb(loki_work *w, uint32_t tenant, otlpd_buf *out) {
  size_t total = 0;
  for (size_t i = 0; i < w->n_streams; i++)
    if (w->streams[i].tenant == tenant && w->streams[i].count)
      total += field_len(w->streams[i].pb_len = stream_len(w, &w->streams[i]));
  otlpd_buf_clear(&w->scratch);
  if (otlpd_buf_reserve(&w->scratch, total) < 0) return -ENOMEM;
  uint8_t *o = w->scratch.data;
  for (size_t i = 0; i < w->n_streams; i++) {
    const loki_stream *s = &w->streams[i];
    if (s->tenant != tenant || !s->count) continue;
    *o++ = 0x0a;
    o += otlpd_varint_put(o, s->pb_len);
    o = put_bytes(o, 0x0a, w->data.data + s->labels, s->labels_len);
    for (uint32_t j = 0; j < s->count; j++) o = put_entry(o, w, &w->entries[s->first + j]);
  }
  w->scratch.len = (size_t)(o - w->scratch.data);
  size_t max = snappy_max_compressed_length(w->scratch.len);
  if (otlpd_buf_reserve(out, max) < 0) return -ENOMEM;
  size_t got = max;
  if (snappy_compress((const char *)w->scratch.data, w->scratch.len,
                      (char *)out->data + out->len, &got) != SNAPPY_OK)
    return -ENOMEM;
  out->len += got;
  return 0;
}

static int json_pairs(otlpd_buf *b, bool *first, const uint8_t *d, uint32_t off, uint32_t len) {
  for (pair_it it = pairs(d, off, len); next_pair(&it);) {
    if (otlpd_buf_append(b, *first ? ",{" : ",", *first ? 2 : 1) < 0 ||
        otlpd_json_strn(b, (const char *)it.name, it.nl) < 0 || otlpd_buf_append(b, ":", 1) < 0 ||
        otlpd_json_strn(b, (const char *)it.val, it.vl) < 0)
      return -ENOMEM;
    *first = false;
  }
  return 0;
}

int loki_encode_json(loki_work *w, uint32_t tenant, otlpd_buf *out) {
  if (otlpd_buf_append(out, "{\"streams\":[", 12) < 0) return -ENOMEM;
  bool first_stream = true;
  for (size_t i = 0; i < w->n_streams; i++) {
    const loki_stream *s = &w->streams[i];
    if (s->tenant != tenant || !s->count) continue;
    if ((!first_stream && otlpd_buf_append(out, ",", 1) < 0) ||
        otlpd_buf_append(out, "{\"stream\":", 10) < 0 ||
        otlpd_buf_append(out, w->data.data + s->jlabels, s->jlabels_len) < 0 ||
        otlpd_buf_append(out, ",\"values\":[", 11) < 0)
      return -ENOMEM;
    first_stream = false;
    for (uint32_t j = 0; j < s->count; j++) {
      const loki_entry *e = &w->entries[s->first + j];
      char ts[24];
      int n = snprintf(ts, sizeof(ts), "%" PRId64, e->ts_ns);
      if ((j && otlpd_buf_append(out, ",", 1) < 0) || otlpd_buf_append(out, "[\"", 2) < 0 ||
          otlpd_buf_append(out, ts, (size_t)n) < 0 || otlpd_buf_append(out, "\",", 2) < 0 ||
          otlpd_json_strn(out, (const char *)w->data.data + e->line, e->line_len) < 0)
        return -ENOMEM;
      bool first = true;
      if (json_pairs(out, &first, w->data.data, e->sm, e->sm_len) < 0 ||
          json_pairs(out, &first, w->data.data, e->rsm, e->rsm_len) < 0)
        return -ENOMEM;
      if (!first && otlpd_buf_append(out, "}", 1) < 0) return -ENOMEM;
      if (otlpd_buf_append(out, "]", 1) < 0) return -ENOMEM;
    }
    if (otlpd_buf_append(out, "]}", 2) < 0) return -ENOMEM;
  }
  return otlpd_buf_append(out, "]}", 2);
}
