/* The practical ceiling for otlpd's throughput on this machine: one thread
 * doing nothing but what the daemon must do per request at minimum, on the
 * same payload files the load test sends.
 *
 *   decode:      otlpd_pb_decode into an arena reset per request
 *   pb re-encode: decode + otlpd_pb_encode into one reused otlpd_buf
 *   json encode: decode + otlpd_json_encode (what format: json costs)
 *
 * Rates are per CPU-second of this process (so a busy machine lowers them
 * less than it lowers wall-clock rates) and per wall-clock second.
 *
 * usage: otlpd_bench_ceiling <traces|logs|metrics> <cpu-seconds> <file.pb>...
 * Prints one line per mode:
 *   "ceiling <signal> <mode> <items/cpu-s> <items/wall-s> <MB/cpu-s in>" */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlpd/codec.h"

typedef struct payload {
  uint8_t *data;
  size_t len;
} payload;

typedef enum { MODE_DECODE, MODE_PB, MODE_JSON } mode;

static const char *const mode_names[] = {"decode", "pb-reencode", "json-encode"};

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_file(const char *path, payload *p) {
  FILE *f = fopen(path, "rb");
  if (!f) return -errno;
  int rc = 0;
  if (fseek(f, 0, SEEK_END) != 0) rc = -errno;
  long n = rc ? -1 : ftell(f);
  if (n < 0 && !rc) rc = -errno;
  if (!rc && fseek(f, 0, SEEK_SET) != 0) rc = -errno;
  p->data = rc ? NULL : malloc(n ? (size_t)n : 1);
  if (!rc && !p->data) rc = -ENOMEM;
  if (!rc && fread(p->data, 1, (size_t)n, f) != (size_t)n) rc = -EIO;
  p->len = rc ? 0 : (size_t)n;
  fclose(f);
  return rc;
}

/* One pass over every payload; returns items handled or -1 on error. */
static long long one_pass(otlpd_signal sig, mode m, const payload *ps, size_t n, otlpd_arena *a,
                          otlpd_buf *out) {
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(sig);
  long long items = 0;
  char err[256];
  for (size_t i = 0; i < n; i++) {
    otlpd_arena_reset(a);
    ProtobufCMessage *msg = otlpd_pb_decode(d, ps[i].data, ps[i].len, a, err, sizeof(err));
    if (!msg) {
      fprintf(stderr, "ceiling: payload %zu does not decode: %s\n", i, err);
      return -1;
    }
    items += (long long)otlpd_request_items(sig, msg);
    otlpd_buf_clear(out);
    int rc = 0;
    if (m == MODE_PB) rc = otlpd_pb_encode(msg, out);
    if (m == MODE_JSON) rc = otlpd_json_encode(msg, out);
    if (rc < 0) {
      fprintf(stderr, "ceiling: encode failed: %s\n", strerror(-rc));
      return -1;
    }
  }
  return items;
}

static int run_mode(otlpd_signal sig, mode m, double seconds, const payload *ps, size_t n) {
  otlpd_arena *a = otlpd_arena_new(0);
  otlpd_buf out = {0};
  if (!a) return -ENOMEM;
  size_t bytes_per_pass = 0;
  for (size_t i = 0; i < n; i++) bytes_per_pass += ps[i].len;

  /* One untimed pass warms caches and grows the arena and buffer. */
  int rc = one_pass(sig, m, ps, n, a, &out) < 0 ? -EINVAL : 0;
  long long items = 0, passes = 0;
  double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), c = c0;
  double w0 = clock_s(CLOCK_MONOTONIC);
  while (rc == 0 && c - c0 < seconds) {
    long long k = one_pass(sig, m, ps, n, a, &out);
    if (k < 0) rc = -EINVAL;
    items += k;
    passes++;
    c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  }
  if (rc == 0) {
    double cpu = c - c0, wall = clock_s(CLOCK_MONOTONIC) - w0;
    printf("ceiling %s %s %.0f %.0f %.1f\n", otlpd_signal_name(sig), mode_names[m], (double)items / cpu,
           (double)items / wall, (double)passes * (double)bytes_per_pass / cpu / 1e6);
    fflush(stdout);
  }
  otlpd_buf_free(&out);
  otlpd_arena_free(a);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <traces|logs|metrics> <seconds> <file.pb>...\n", argv[0]);
    return 2;
  }
  otlpd_signal sig;
  if (otlpd_signal_parse(argv[1], strlen(argv[1]), &sig) != 0) {
    fprintf(stderr, "ceiling: unknown signal '%s'\n", argv[1]);
    return 2;
  }
  double seconds = atof(argv[2]);
  size_t n = (size_t)(argc - 3);
  payload *ps = calloc(n, sizeof(*ps));
  if (!ps) return 1;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = read_file(argv[3 + i], &ps[i]);
    if (rc) fprintf(stderr, "ceiling: %s: %s\n", argv[3 + i], strerror(-rc));
  }
  for (int m = MODE_DECODE; m <= MODE_JSON && rc == 0; m++) rc = run_mode(sig, (mode)m, seconds, ps, n);
  for (size_t i = 0; i < n; i++) free(ps[i].data);
  free(ps);
  return rc ? 1 : 0;
}
