/* The shallow decode's own fast parts against the slow references, on the
 * fuzz seed corpus, every single-byte mutation and every truncation of
 * those seeds:
 * - the table-driven schema check (otlpd_pb_validate) takes exactly what
 *   the reason-giving descriptor walk (otlpd_pb_check) takes, for all three
 *   signals (one that accepted more would let a forwarder pass on bytes a
 *   full decode refuses);
 * - the unpack that leaves items in the body (otlpd_pb_shallow_unpack)
 *   encodes to the same bytes as protobuf-c's unpack with the same
 *   shallow descriptors. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "otlpd/codec.h"
#include "otlpd/otlp.h"

typedef struct {
  size_t checked, valid, unpacked, fallbacks;
} tally;

static void same_unpack(otlpd_signal s, const uint8_t *p, size_t n, tally *t, const char *what) {
  const ProtobufCMessageDescriptor *d = otlpd_request_descriptor_shallow(s);
  otlpd_arena *a = otlpd_arena_new(0);
  uint8_t *copy = n ? otlpd_arena_alloc(a, n) : NULL;
  if (n) memcpy(copy, p, n);
  ProtobufCMessage *mine = NULL, *ref = protobuf_c_message_unpack(d, otlpd_arena_pb(a), n, n ? p : (const uint8_t *)"");
  int rc = otlpd_pb_shallow_unpack(d, copy, n, a, &mine);
  assert_true(rc == 0 || rc == 1);
  if (rc == 1) t->fallbacks++;
  if (rc == 0) {
    assert_non_null(ref);
    otlpd_buf x = {0}, y = {0};
    assert_int_equal(otlpd_pb_encode(mine, &x), 0);
    assert_int_equal(otlpd_pb_encode(ref, &y), 0);
    if (x.len != y.len || (x.len && memcmp(x.data, y.data, x.len)))
      fail_msg("%s (%zu bytes), signal %d: the shallow unpack encodes differently from protobuf-c's", what, n, s);
    assert_int_equal(otlpd_request_items(s, mine), otlpd_request_items(s, ref));
    free(x.data);
    free(y.data);
    t->unpacked++;
  }
  otlpd_arena_free(a);
}

static void agree(const uint8_t *p, size_t n, tally *t, const char *what) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    char why[256] = "";
    int slow = otlpd_pb_check(otlpd_request_descriptor((otlpd_signal)s), p, n, why, sizeof why);
    int fast = otlpd_pb_validate((otlpd_signal)s, p, n);
    if ((fast == 0) != (slow == 0))
      fail_msg("%s (%zu bytes), signal %d: table check says %s, descriptor walk says %s", what, n, s,
               fast ? "invalid" : "valid", slow ? why : "valid");
    t->checked++;
    if (!slow) t->valid++;
    if (!slow && otlpd_request_descriptor_shallow((otlpd_signal)s)) same_unpack((otlpd_signal)s, p, n, t, what);
  }
}

static uint8_t *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  uint8_t *b = malloc(1 << 20);
  *n = fread(b, 1, 1 << 20, f);
  fclose(f);
  return b;
}

/* Each seed, then every byte of it replaced by a few values that change
 * keys, wire types and lengths, then every prefix. */
static void test_corpus_and_mutations(void **state) {
  (void)state;
  const char *dir = OTLPD_SOURCE_DIR "/tests/fuzz/corpus/pb";
  DIR *d = opendir(dir);
  assert_non_null(d);
  tally t = {0};
  int seeds = 0;
  struct dirent *e;
  static const uint8_t subs[] = {0x00, 0x01, 0x02, 0x05, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0xff};
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t n;
    uint8_t *b = read_all(path, &n);
    seeds++;
    agree(b, n, &t, e->d_name);
    for (size_t i = 0; i < n; i++) {
      uint8_t keep = b[i];
      for (size_t k = 0; k < sizeof subs; k++) {
        b[i] = subs[k];
        agree(b, n, &t, e->d_name);
      }
      b[i] = (uint8_t)(keep ^ 0x07); /* another wire type, same field */
      agree(b, n, &t, e->d_name);
      b[i] = keep;
      agree(b, i, &t, e->d_name); /* the first i bytes */
    }
    free(b);
  }
  closedir(d);
  assert_true(seeds >= 5);
  /* both answers occur, so agreement means something */
  assert_true(t.valid > 100);
  assert_true(t.checked - t.valid > 100);
  assert_true(t.unpacked > 100);
  assert_true(t.fallbacks > 0); /* a resource or scope sent twice occurs among the mutations */
}

/* Hand-made refusals of each kind the table check must see. */
static void test_refusals(void **state) {
  (void)state;
  static const struct {
    const char *what;
    uint8_t b[24];
    size_t n;
  } bad[] = {
      {"field 0", {0x02, 0x00}, 2},
      {"resource_spans as a varint", {0x08, 0x01}, 2},
      {"Span.start_time_unix_nano as a varint", {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x38, 0x01}, 8},
      {"nested length past its parent", {0x0a, 0x02, 0x12, 0x05}, 4},
      {"group", {0x2b, 0x2c}, 2},
      {"wire type 7", {0x2f}, 1},
      {"overlong key", {0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 6},
      {"field number past 2^29-1", {0x80, 0x80, 0x80, 0x80, 0x10, 0x00}, 6},
      {"bool with wire type 2",
       {0x0a, 0x0e, 0x12, 0x0c, 0x12, 0x0a, 0x4a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x12, 0x01, 0x01},
       16},
      /* a span attribute's AnyValue twice, neither with a value */
      {"unmergeable AnyValue repeat",
       {0x0a, 0x0d, 0x12, 0x0b, 0x12, 0x09, 0x4a, 0x07, 0x0a, 0x01, 'k', 0x12, 0x00, 0x12, 0x00},
       15},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char why[256] = "";
    assert_int_not_equal(otlpd_pb_check(otlpd_request_descriptor(OTLPD_TRACES), bad[i].b, bad[i].n, why, sizeof why), 0);
    if (otlpd_pb_validate(OTLPD_TRACES, bad[i].b, bad[i].n) == 0) fail_msg("table check took: %s", bad[i].what);
  }
  assert_int_equal(otlpd_pb_validate(OTLPD_LOGS, NULL, 0), 0); /* an empty request is valid */
  assert_int_equal(otlpd_pb_validate((otlpd_signal)OTLPD_SIGNAL_COUNT, NULL, 0), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_corpus_and_mutations),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
