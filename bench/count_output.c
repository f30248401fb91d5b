/* Counts the telemetry items (spans, metric data points, log records) in a
 * file exporter output, so the benchmark reports what was written rather
 * than what the HTTP status codes claimed.
 *
 * usage: otlpd_bench_count <traces|metrics|logs> <proto|json> <file>
 *   proto: records of 4-byte big-endian length + ExportXServiceRequest
 *   json:  one OTLP-JSON ExportXServiceRequest per line
 * Prints "<items> <requests>"; exits 1 on a malformed file. */
#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "otlpd/codec.h"

typedef struct counts {
  unsigned long long items, records;
} counts;

static int count_one(otlpd_signal sig, int json, const uint8_t *p, size_t n, otlpd_arena *a,
                     counts *c) {
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(sig);
  char err[256];
  otlpd_arena_reset(a);
  ProtobufCMessage *m = json ? otlpd_json_decode(d, (const char *)p, n, a, err, sizeof(err))
                             : otlpd_pb_decode(d, p, n, a, err, sizeof(err));
  if (!m) {
    fprintf(stderr, "count_output: record %llu does not decode: %s\n", c->records + 1, err);
    return -EINVAL;
  }
  c->items += otlpd_request_items(sig, m);
  c->records++;
  return 0;
}

static int count_proto(FILE *f, otlpd_signal sig, otlpd_arena *a, counts *c) {
  uint8_t *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  for (;;) {
    uint8_t hdr[4];
    size_t got = fread(hdr, 1, 4, f);
    if (got == 0) break;
    if (got != 4) {
      fprintf(stderr, "count_output: truncated length prefix after record %llu\n", c->records);
      rc = -EINVAL;
      break;
    }
    size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    if (n > cap) {
      uint8_t *nb = realloc(buf, n);
      if (!nb) {
        rc = -ENOMEM;
        break;
      }
      buf = nb;
      cap = n;
    }
    if (fread(buf, 1, n, f) != n) {
      fprintf(stderr, "count_output: record %llu is truncated\n", c->records + 1);
      rc = -EINVAL;
      break;
    }
    if ((rc = count_one(sig, 0, buf, n, a, c)) != 0) break;
  }
  free(buf);
  return rc;
}

static int count_json(FILE *f, otlpd_signal sig, otlpd_arena *a, counts *c) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] != '\n') {
      fprintf(stderr, "count_output: last line is not terminated\n");
      rc = -EINVAL;
      break;
    }
    if ((rc = count_one(sig, 1, (const uint8_t *)line, (size_t)n - 1, a, c)) != 0) break;
  }
  free(line);
  return rc;
}

int main(int argc, char **argv) {
  /* A record is a whole batch (MBs); with glibc's defaults its arena
   * blocks would be mmapped and unmapped per record, which made counting a
   * 10 s run take a minute. Keep them in the heap, as the daemon does. */
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
  otlpd_signal sig;
  if (argc != 4 || otlpd_signal_parse(argv[1], strlen(argv[1]), &sig) != 0 ||
      (strcmp(argv[2], "proto") != 0 && strcmp(argv[2], "json") != 0)) {
    fprintf(stderr, "usage: %s <traces|metrics|logs> <proto|json> <file>\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[3], "rb");
  if (!f) {
    fprintf(stderr, "count_output: %s: %s\n", argv[3], strerror(errno));
    return 1;
  }
  otlpd_arena *a = otlpd_arena_new(0);
  counts c = {0, 0};
  int rc = a ? 0 : -ENOMEM;
  if (rc == 0) rc = strcmp(argv[2], "json") == 0 ? count_json(f, sig, a, &c) : count_proto(f, sig, a, &c);
  if (rc == 0) printf("%llu %llu\n", c.items, c.records);
  otlpd_arena_free(a);
  fclose(f);
  return rc ? 1 : 0;
}
