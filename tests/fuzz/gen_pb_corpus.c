/* Turns an OTLP-JSON seed into its protobuf seed with our own codec:
 *   gen_pb_corpus traces|metrics|logs in.json out.pb
 * Build (from the repo root, after any build that generated build-x/gen):
 *   cc -std=c11 -Iinclude -Ibuild-x/gen tests/fuzz/gen_pb_corpus.c \
 *      collector/codec/[a-z]*.c collector/arena.c build-x/libotlpd_proto.a -lprotobuf-c -lm
 * Not part of the build: the seeds it made are committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/codec.h"

static int parse_signal(const char *name, size_t len, otlpd_signal *out) {
  static const char *const names[] = {"traces", "metrics", "logs"};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++)
    if (strlen(names[s]) == len && !memcmp(names[s], name, len)) {
      *out = (otlpd_signal)s;
      return 0;
    }
  return -1;
}

int main(int argc, char **argv) {
  otlpd_signal s;
  if (argc != 4 || parse_signal(argv[1], strlen(argv[1]), &s)) {
    fprintf(stderr, "usage: %s traces|metrics|logs in.json out.pb\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[2], "rb");
  if (!f) return perror(argv[2]), 1;
  otlpd_buf in = {0}, out = {0};
  char chunk[4096], err[256];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) otlpd_buf_append(&in, chunk, n);
  fclose(f);
  otlpd_arena *a = otlpd_arena_new(0);
  ProtobufCMessage *m = otlpd_json_decode(otlpd_request_descriptor(s), (const char *)in.data, in.len, a, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s: %s\n", argv[2], err);
    return 1;
  }
  otlpd_pb_encode(m, &out);
  f = fopen(argv[3], "wb");
  if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f)) return perror(argv[3]), 1;
  otlpd_arena_free(a);
  otlpd_buf_free(&in);
  otlpd_buf_free(&out);
  return 0;
}
