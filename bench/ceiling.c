/* The practical ceiling for otlpd's throughput on this machine: one thread
 * doing nothing but what the daemon must do per request at minimum, on the
 * same payload files the load test sends.
 *
 *   decode:      otlpd_pb_decode into an arena reset per request
 *   pb-reencode: decode + otlpd_pb_encode into one reused otlpd_buf
 *   pb-wire:     otlpd_pb_decode_keep + the resources' own bytes copied out
 *                behind their tag and length, as the file exporter writes
 *                unchanged resources (otlpd_batch_encode_pb)
 *   json-encode: decode + otlpd_json_encode (what format: json costs)
 *   shallow-wire (only with -m): otlpd_pb_decode_shallow_keep + the wire
 *                copy, traces and logs: what a forwarder pays to decode,
 *                check and write out a request (not a ceiling, a part)
 *
 * Rates are per CPU-second of this process (so a busy machine lowers them
 * less than it lowers wall-clock rates) and per wall-clock second. The
 * allocator is tuned as the daemon tunes it (collector/main.c), so both pay
 * the same for arena blocks.
 *
 * usage: otlpd_bench_ceiling [-m mode[,mode...]] <traces|logs|metrics> <cpu-seconds> <file.pb>...
 * Prints one line per mode (all modes unless -m):
 *   "ceiling <signal> <mode> <items/cpu-s> <items/wall-s> <MB/cpu-s in>" */
#include <errno.h>
#include <stdbool.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlpd/codec.h"

typedef struct payload {
  uint8_t *data;
  size_t len;
} payload;

typedef enum { MODE_DECODE, MODE_PB, MODE_WIRE, MODE_JSON, MODE_SHALLOW, MODE_COUNT } mode;

static const char *const mode_names[] = {"decode", "pb-reencode", "pb-wire", "json-encode", "shallow-wire"};

/* The daemon's settings (collector/main.c): arena blocks stay in the heap. */
static void tune_allocator(void) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TOP_PAD, 1 * 1024 * 1024);
#endif
}

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

/* Each resource (field 1 of the request) copied from the wire bytes. */
static int write_wire(const otlpd_raw *raw, otlpd_buf *out) {
  for (size_t i = 0; i < raw->n; i++) {
    int rc = otlpd_buf_reserve(out, 11 + raw->v[i].len);
    if (rc) return rc;
    uint8_t *p = out->data + out->len;
    *p++ = 0x0a;
    p += otlpd_varint_put(p, raw->v[i].len);
    memcpy(p, raw->v[i].p, raw->v[i].len);
    out->len = (size_t)(p - out->data) + raw->v[i].len;
  }
  return 0;
}

/* One pass over every payload; returns items handled or -1 on error. */
static long long one_pass(otlpd_signal sig, mode m, const payload *ps, size_t n, otlpd_arena *a,
                          otlpd_buf *out) {
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor(sig);
  long long items = 0;
  char err[256];
  for (size_t i = 0; i < n; i++) {
    otlpd_arena_reset(a);
    otlpd_raw raw = {0};
    ProtobufCMessage *msg =
        m == MODE_WIRE      ? otlpd_pb_decode_keep(d, ps[i].data, ps[i].len, a, err, sizeof(err), &raw)
        : m == MODE_SHALLOW ? otlpd_pb_decode_shallow_keep(sig, ps[i].data, ps[i].len, a, err, sizeof(err), &raw)
                            : otlpd_pb_decode(d, ps[i].data, ps[i].len, a, err, sizeof(err));
    if (!msg) {
      fprintf(stderr, "ceiling: payload %zu does not decode: %s\n", i, err);
      return -1;
    }
    items += (long long)otlpd_request_items(sig, msg);
    otlpd_buf_clear(out);
    int rc = 0;
    if (m == MODE_PB) rc = otlpd_pb_encode(msg, out);
    if (m == MODE_WIRE || m == MODE_SHALLOW) rc = write_wire(&raw, out);
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

/* "-m a,b": which modes to run. 0, or -EINVAL for an unknown name. */
static int parse_modes(const char *list, bool on[MODE_COUNT]) {
  for (int m = 0; m < MODE_COUNT; m++) on[m] = false;
  while (*list) {
    size_t n = strcspn(list, ",");
    int found = -1;
    for (int m = 0; m < MODE_COUNT; m++)
      if (strlen(mode_names[m]) == n && strncmp(list, mode_names[m], n) == 0) found = m;
    if (found < 0) return -EINVAL;
    on[found] = true;
    list += n + (list[n] == ',');
  }
  return 0;
}

int main(int argc, char **argv) {
  bool on[MODE_COUNT] = {true, true, true, true, false};
  int arg = 1;
  if (argc > 2 && strcmp(argv[1], "-m") == 0) {
    if (parse_modes(argv[2], on) != 0) {
      fprintf(stderr, "ceiling: unknown mode in '%s'\n", argv[2]);
      return 2;
    }
    arg = 3;
  }
  if (argc - arg < 3) {
    fprintf(stderr, "usage: %s [-m mode[,mode...]] <traces|logs|metrics> <seconds> <file.pb>...\n", argv[0]);
    return 2;
  }
  otlpd_signal sig;
  if (otlpd_signal_parse(argv[arg], strlen(argv[arg]), &sig) != 0) {
    fprintf(stderr, "ceiling: unknown signal '%s'\n", argv[arg]);
    return 2;
  }
  tune_allocator();
  double seconds = atof(argv[arg + 1]);
  char **files = argv + arg + 2;
  size_t n = (size_t)(argc - arg - 2);
  payload *ps = calloc(n, sizeof(*ps));
  if (!ps) return 1;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = read_file(files[i], &ps[i]);
    if (rc) fprintf(stderr, "ceiling: %s: %s\n", files[i], strerror(-rc));
  }
  for (int m = 0; m < MODE_COUNT && rc == 0; m++)
    if (on[m]) rc = run_mode(sig, (mode)m, seconds, ps, n);
  for (size_t i = 0; i < n; i++) free(ps[i].data);
  free(ps);
  return rc ? 1 : 0;
}
