/* Shared checks for the codec fuzz targets.
 *
 * Beyond "does not crash", every accepted input must survive re-encoding:
 * our protobuf output decodes again, and our JSON output decodes again to
 * the same JSON (the encoder's output is a fixed point). A violation aborts
 * so libFuzzer records it as a crash. */
#ifndef OTLPD_FUZZ_COMMON_H
#define OTLPD_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/codec.h"

/* Bounds what one hostile input may allocate (protobuf expands ~100x). */
#define FUZZ_ARENA_LIMIT (256u << 20)

static void fuzz_die(const char *what, const char *err) {
  fprintf(stderr, "fuzz invariant broken: %s: %s\n", what, err ? err : "");
  abort();
}

static otlpd_arena *fuzz_arena(void) {
  otlpd_arena *a = otlpd_arena_new(0);
  if (!a) abort();
  otlpd_arena_set_limit(a, FUZZ_ARENA_LIMIT);
  return a;
}

/* m was decoded from fuzz input; check both encodings round-trip. */
static void fuzz_check_reencode(const ProtobufCMessageDescriptor *d, const ProtobufCMessage *m) {
  char err[256];
  otlpd_buf pb = {0}, js = {0}, js2 = {0};
  otlpd_arena *a = fuzz_arena();

  if (otlpd_pb_encode(m, &pb)) fuzz_die("pb encode", NULL);
  ProtobufCMessage *p = otlpd_pb_decode(d, pb.data, pb.len, a, err, sizeof err);
  if (!p) fuzz_die("decoding our own protobuf", err);

  if (otlpd_json_encode(m, &js)) fuzz_die("json encode", NULL);
  ProtobufCMessage *j = otlpd_json_decode(d, (const char *)js.data, js.len, a, err, sizeof err);
  if (!j) {
    fprintf(stderr, "json was: %.*s\n", (int)(js.len > 4000 ? 4000 : js.len), (const char *)js.data);
    fuzz_die("decoding our own JSON", err);
  }
  if (otlpd_json_encode(j, &js2)) fuzz_die("json re-encode", NULL);
  if (js.len != js2.len || memcmp(js.data, js2.data, js.len)) fuzz_die("JSON is not a fixed point", NULL);

  /* The protobuf copy carries the same data (unknown fields aside). */
  otlpd_buf_clear(&js2);
  if (otlpd_json_encode(p, &js2)) fuzz_die("json encode of pb copy", NULL);
  if (js.len != js2.len || memcmp(js.data, js2.data, js.len)) fuzz_die("pb round trip changed data", NULL);

  otlpd_buf_free(&pb);
  otlpd_buf_free(&js);
  otlpd_buf_free(&js2);
  otlpd_arena_free(a);
}

#endif
