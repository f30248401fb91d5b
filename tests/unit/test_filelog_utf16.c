/* filelog encoding: utf-16le / utf-16be. The converter (surrogate pairs,
 * unpaired surrogates and a lone trailing byte -> U+FFFD, BOM), and cycles
 * over UTF-16 files: lines split on the encoded newline, bodies in UTF-8,
 * offsets in the file's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "filelog_fixture.h"
#include "../../receivers/filelog/filelog_read.h"
#include "../../receivers/filelog/filelog_utf16.h"

static size_t conv(const uint8_t *in, size_t n, bool be, char *out) {
  assert_true(fl_utf16_utf8_cap(n) < 256);
  size_t k = fl_utf16_to_utf8(in, n, be, out);
  out[k] = 0;
  return k;
}

static void converts_bmp_and_pairs(void **st) {
  (void)st;
  char out[256];
  /* "aé€" then U+1F600 as the pair D83D DE00, little-endian */
  const uint8_t le[] = {'a', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
  assert_int_equal(conv(le, sizeof(le), false, out), 1 + 2 + 3 + 4);
  assert_string_equal(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  const uint8_t be[] = {0, 'a', 0, 0xE9, 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00};
  conv(be, sizeof(be), true, out);
  assert_string_equal(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

static void invalid_units_become_replacement(void **st) {
  (void)st;
  char out[256];
  /* a high surrogate followed by 'x', a lone low surrogate, a high
   * surrogate at the end, then an odd trailing byte */
  const uint8_t le[] = {0x3D, 0xD8, 'x', 0, 0x00, 0xDE, 'y', 0, 0x3D, 0xD8, 'z'};
  conv(le, sizeof(le), false, out);
  assert_string_equal(out, "\xEF\xBF\xBDx\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD");
  const uint8_t odd[] = {'a', 0, 'b'};
  conv(odd, sizeof(odd), false, out);
  assert_string_equal(out, "a\xEF\xBF\xBD");
}

static void bom_and_newline(void **st) {
  (void)st;
  const uint8_t le[] = {0xFF, 0xFE, 'a', 0, 0x0A, 0, 'b', 0};
  assert_true(fl_utf16_bom(le, sizeof(le), false));
  assert_false(fl_utf16_bom(le, sizeof(le), true));
  assert_int_equal(fl_utf16_find_nl(le, 2, sizeof(le), false), 4);
  /* 0x0A as the high byte of a unit (U+0A61) is no newline; misaligned neither */
  const uint8_t tricky[] = {0x61, 0x0A, 0x0A, 0x0A, 0x00, 'c', 0};
  assert_int_equal(fl_utf16_find_nl(tricky, 0, sizeof(tricky), false), FL_UTF16_NONE);
  const uint8_t be[] = {0, 'a', 0, 0x0A};
  assert_int_equal(fl_utf16_find_nl(be, 0, sizeof(be), true), 2);
  assert_int_equal(fl_utf16_find_nl(be, 0, sizeof(be), false), FL_UTF16_NONE);
}

/* ---- cycles over files ---- */

typedef struct fx {
  char dir[64];
  filelog_cfg *cfg;
  filelog_recv r;
  uint64_t now_ms;
  char bodies[4096];
} fx;

static void fx_init(fx *f, const char *extra) {
  memset(f, 0, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/fl_u16_XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  char yaml[512];
  snprintf(yaml, sizeof(yaml), "include: [%s/*.log]\nstart_at: beginning\nfingerprint_size: 16\n%s", f->dir,
           extra);
  assert_int_equal(fl_test_recv_open(&f->r, &f->cfg, yaml), 0);
  f->now_ms = 1000;
}

static void fx_free(fx *f) {
  assert_int_equal(fl_test_recv_close(&f->r, f->cfg, f->dir), 0);
}

/* Appends text (UTF-8, BMP only) encoded as UTF-16. */
static void put16(fx *f, const char *text, bool be, bool bom) {
  char p[128];
  snprintf(p, sizeof(p), "%s/a.log", f->dir);
  FILE *fp = fopen(p, "a");
  assert_non_null(fp);
  if (bom) fputs(be ? "\xFE\xFF" : "\xFF\xFE", fp);
  for (const unsigned char *s = (const unsigned char *)text; *s;) {
    unsigned cp = *s++;
    if (cp >= 0xE0) cp = (cp & 0x0F) << 12 | (s[0] & 0x3Fu) << 6 | (s[1] & 0x3Fu), s += 2;
    else if (cp >= 0xC0) cp = (cp & 0x1F) << 6 | (s[0] & 0x3Fu), s += 1;
    unsigned char u[2] = {(unsigned char)(cp & 0xFF), (unsigned char)(cp >> 8)};
    if (be) fputc(u[1], fp), fputc(u[0], fp);
    else fputc(u[0], fp), fputc(u[1], fp);
  }
  fclose(fp);
}

/* One accepted cycle; the bodies it produced, "|"-joined, in f->bodies. */
static size_t cycle(fx *f) {
  int err = 0;
  size_t n = fl_test_cycle(&f->r, f->now_ms, f->bodies, &err);
  assert_int_equal(err, 0);
  return n;
}

static void reads_utf16le_file(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "encoding: utf-16le\n");
  put16(&f, "gr\xC3\xBC\xC3\x9F dich\r\n\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\n\n", false, true);
  assert_int_equal(cycle(&f), 2);
  assert_string_equal(f.bodies, "gr\xC3\xBC\xC3\x9F dich|\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  /* offsets are bytes of the file: BOM + 11 units + 4 units + 1 unit */
  assert_int_equal(f.r.readers->offset, 2 + 2 * (11 + 4 + 1));
  put16(&f, "caf\xC3\xA9\nta", false, false);
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "caf\xC3\xA9");
  f.now_ms += 100;
  assert_int_equal(cycle(&f), 0);
  f.now_ms += 1000; /* force_flush_period: the tail */
  assert_int_equal(cycle(&f), 1);
  assert_string_equal(f.bodies, "ta");
  fx_free(&f);
}

static void reads_utf16be_multiline(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "encoding: utf-16be\nmultiline: {line_start_pattern: '^\\d'}\n");
  put16(&f, "1 \xC3\xA9rror\n  at x\n2 ok\n3 next\n", true, true);
  assert_int_equal(cycle(&f), 2); /* the last entry stays open */
  assert_string_equal(f.bodies, "1 \xC3\xA9rror\n  at x|2 ok");
  fx_free(&f);
}

static void long_line_split_on_units(void **st) {
  (void)st;
  fx f;
  fx_init(&f, "encoding: utf-16le\nmax_log_size: 65\n"); /* odd: 64 bytes, 32 units per piece */
  char line[80];
  memset(line, 'x', 40);
  line[40] = '\n';
  line[41] = 0;
  put16(&f, line, false, false);
  assert_int_equal(cycle(&f), 2);
  assert_int_equal(strlen(f.bodies), 32 + 1 + 8);
  fx_free(&f);
}

static void config_accepts_utf16(void **st) {
  (void)st;
  assert_int_equal(fl_encoding_parse("utf-16le"), FL_ENC_UTF16LE);
  assert_int_equal(fl_encoding_parse("UTF-16BE"), FL_ENC_UTF16BE);
  assert_int_equal(fl_encoding_parse("utf-8"), FL_ENC_RAW);
  assert_int_equal(fl_encoding_parse(NULL), FL_ENC_RAW);
  assert_true(fl_encoding_parse("big5") < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(converts_bmp_and_pairs),   cmocka_unit_test(invalid_units_become_replacement),
      cmocka_unit_test(bom_and_newline),          cmocka_unit_test(reads_utf16le_file),
      cmocka_unit_test(reads_utf16be_multiline),  cmocka_unit_test(long_line_split_on_units),
      cmocka_unit_test(config_accepts_utf16),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
