/* Stream labels: names made valid for Loki (Prometheus' label name rule)
 * and label sets rendered as Loki parses them: {a="b", c="d"}, sorted by
 * name, values quoted as Go's strconv.Quote does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loki.h"

/* Bytes kept as they are in a label name ([a-zA-Z0-9_]); a table, since
 * every structured-metadata name of every record goes through here. */
static const uint8_t name_ok[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
};

int loki_label_name(otlpd_buf *b, const char *name, size_t n) {
  if (otlpd_buf_reserve(b, n + 1) < 0) return -ENOMEM;
  uint8_t *o = b->data + b->len;
  if (n == 0 || (name[0] >= '0' && name[0] <= '9')) *o++ = '_';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    *o++ = name_ok[c] ? c : '_';
  }
  b->len = (size_t)(o - b->data);
  return 0;
}

static const char hex[] = "0123456789abcdef";

/* strconv.Quote keeps printable UTF-8 as is; we keep every byte >= 0x20
 * but DEL, escaping what Loki's parser needs escaped. */
int loki_label_value(otlpd_buf *b, const char *v, size_t n) {
  if (otlpd_buf_reserve(b, n * 4 + 2) < 0) return -ENOMEM;
  uint8_t *o = b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    switch (c) {
    case '"': *o++ = '\\'; *o++ = '"'; break;
    case '\\': *o++ = '\\'; *o++ = '\\'; break;
    case '\n': *o++ = '\\'; *o++ = 'n'; break;
    case '\r': *o++ = '\\'; *o++ = 'r'; break;
    case '\t': *o++ = '\\'; *o++ = 't'; break;
    default:
      if (c < 0x20 || c == 0x7f) {
        *o++ = '\\'; *o++ = 'x'; *o++ = (uint8_t)hex[c >> 4]; *o++ = (uint8_t)hex[c & 15];
      } else {
        *o++ = c;
      }
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
  return 0;
}

static bool same_name(const loki_labels *l, const loki_label *a, const char *name, size_t n) {
  return a->name_len == n && memcmp(l->text.data + a->name, name, n) == 0;
}

int loki_labels_add(loki_labels *l, const char *name, size_t name_len, const char *value,
                    size_t value_len) {
  size_t at = l->text.len;
  if (loki_label_name(&l->text, name, name_len) < 0) return -ENOMEM;
  uint32_t nlen = (uint32_t)(l->text.len - at);
  const char *sanitised = (const char *)l->text.data + at;
  loki_label *slot = NULL;
  for (size_t i = 0; i < l->n; i++)
    if (same_name(l, &l->v[i], sanitised, nlen)) slot = &l->v[i];
  if (!slot) {
    if (l->n == LOKI_MAX_LABELS) {
      l->text.len = at;
      return 0;
    }
    slot = &l->v[l->n++];
    slot->name = (uint32_t)at;
    slot->name_len = nlen;
  } else {
    l->text.len = at; /* the earlier name stays */
  }
  size_t vat = l->text.len;
  if (otlpd_buf_append(&l->text, value, value_len) < 0) return -ENOMEM;
  slot->value = (uint32_t)vat;
  slot->value_len = (uint32_t)value_len;
  return 0;
}

static int cmp_name(const loki_labels *l, const loki_label *a, const loki_label *b) {
  size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
  int c = memcmp(l->text.data + a->name, l->text.data + b->name, n);
  if (c) return c;
  return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

int loki_labels_render(const loki_labels *l, otlpd_buf *out) {
  /* Sorted copy: l stays as built, so a caller can take labels off its
   * end again (a resource's set, reused for each of its records). */
  loki_label v[LOKI_MAX_LABELS];
  for (size_t i = 0; i < l->n; i++) {
    loki_label x = l->v[i];
    size_t j = i;
    for (; j > 0 && cmp_name(l, &v[j - 1], &x) > 0; j--) v[j] = v[j - 1];
    v[j] = x;
  }
  if (otlpd_buf_append(out, "{", 1) < 0) return -ENOMEM;
  for (size_t i = 0; i < l->n; i++) {
    const loki_label *a = &v[i];
    if (i && otlpd_buf_append(out, ", ", 2) < 0) return -ENOMEM;
    if (otlpd_buf_append(out, l->text.data + a->name, a->name_len) < 0 ||
        otlpd_buf_append(out, "=", 1) < 0 ||
        loki_label_value(out, (const char *)l->text.data + a->value, a->value_len) < 0)
      return -ENOMEM;
  }
  return otlpd_buf_append(out, "}", 1);
}

void loki_labels_free(loki_labels *l) { otlpd_buf_free(&l->text); }
