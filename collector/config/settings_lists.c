/* List (STRINGS), map (MAP) and list-of-maps (SECTIONS) settings. Values are built aside and swapped
 * in only when the whole node is valid, so a bad item keeps the default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void otlpd_strings_clear(otlpd_strings *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

void otlpd_strmap_clear(otlpd_strmap *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->keys[i]);
    free(m->values[i]);
  }
  free(m->keys);
  free(m->values);
  m->keys = m->values = NULL;
  m->n = 0;
}

/* A sequence of scalars, or one scalar as a one-item list. */
void otlpd_setting_strings(const otlpd_setting *r, void *base, const otlpd_node *v,
                           const char *path, otlpd_errors *errs) {
  if (v->kind == OTLPD_NODE_MAP) {
    otlpd_setting_type_error(r, path, v, errs);
    return;
  }
  size_t n = v->kind == OTLPD_NODE_SEQ ? v->n : 1;
  otlpd_strings l = {calloc(n ? n : 1, sizeof(char *)), 0};
  if (!l.v) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const otlpd_node *it = v->kind == OTLPD_NODE_SEQ ? v->items[i] : v;
    char buf[256];
    if (it->kind != OTLPD_NODE_SCALAR) {
      otlpd_errorf(errs, "%s: item %zu: expected string, got %s", path, i + 1,
                   otlpd_node_describe(it, buf, sizeof(buf)));
      otlpd_strings_clear(&l);
      return;
    }
    if (!(l.v[l.n] = otlpd_strndup0(it->scalar, strlen(it->scalar)))) {
      otlpd_errorf(errs, "%s: out of memory", path);
      otlpd_strings_clear(&l);
      return;
    }
    l.n++;
  }
  otlpd_strings_clear(OTLPD_FIELD(base, r, otlpd_strings));
  *OTLPD_FIELD(base, r, otlpd_strings) = l;
}

void otlpd_setting_map(const otlpd_setting *r, void *base, const otlpd_node *v, const char *path,
                       otlpd_errors *errs) {
  if (v->kind != OTLPD_NODE_MAP) {
    otlpd_setting_type_error(r, path, v, errs);
    return;
  }
  size_t n = v->n ? v->n : 1;
  otlpd_strmap m = {calloc(n, sizeof(char *)), calloc(n, sizeof(char *)), 0};
  bool bad = !m.keys || !m.values;
  if (bad)
    otlpd_errorf(errs, "%s: out of memory", path);
  for (size_t i = 0; !bad && i < v->n; i++) {
    const otlpd_node *it = v->items[i];
    char buf[256], sub[OTLPD_PATH_MAX];
    if (!otlpd_node_is_null(it) && it->kind != OTLPD_NODE_SCALAR) {
      otlpd_path_join(sub, path, v->keys[i]);
      otlpd_errorf(errs, "%s: expected string, got %s", sub,
                   otlpd_node_describe(it, buf, sizeof(buf)));
      bad = true;
      break;
    }
    const char *val = it->kind == OTLPD_NODE_SCALAR ? it->scalar : "";
    m.keys[i] = otlpd_strndup0(v->keys[i], strlen(v->keys[i]));
    m.values[i] = otlpd_strndup0(val, strlen(val));
    m.n = i + 1;
    if (!m.keys[i] || !m.values[i]) {
      otlpd_errorf(errs, "%s: out of memory", path);
      bad = true;
    }
  }
  if (bad) {
    otlpd_strmap_clear(&m);
    return;
  }
  otlpd_strmap_clear(OTLPD_FIELD(base, r, otlpd_strmap));
  *OTLPD_FIELD(base, r, otlpd_strmap) = m;
}

void otlpd_sections_clear(const otlpd_setting *r, otlpd_sections *l) {
  for (size_t i = 0; i < l->n; i++)
    otlpd_settings_free(r->sub, (char *)l->v + i * r->elem_size);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* The element table's row keyed "." (a STRING) takes an element written
 * as a plain scalar: otelcol lists that hold either strings or maps. */
static const otlpd_setting *scalar_row(const otlpd_setting *tbl) {
  for (; tbl->key; tbl++)
    if (!strcmp(tbl->key, ".") && tbl->type == OTLPD_SET_STRING) return tbl;
  return NULL;
}

static int scalar_elem(const otlpd_setting *sr, void *elem, const otlpd_node *v, const char *sub,
                       otlpd_errors *errs) {
  char **slot = (char **)(void *)((char *)elem + sr->offset);
  free(*slot);
  *slot = strdup(v->scalar ? v->scalar : "");
  if (*slot) return 0;
  otlpd_errorf(errs, "%s: out of memory", sub);
  return -1;
}

/* Items are named "path[i]" (0-based, as otelcol's own messages index). */
void otlpd_setting_sections(const otlpd_setting *r, void *base, const otlpd_node *v,
                            const char *path, otlpd_errors *errs) {
  if (v->kind != OTLPD_NODE_SEQ) {
    otlpd_errorf(errs, "%s: expected a list of maps", path);
    return;
  }
  otlpd_sections l = {calloc(v->n ? v->n : 1, r->elem_size), 0};
  if (!l.v) {
    otlpd_errorf(errs, "%s: out of memory", path);
    return;
  }
  int bad = 0;
  for (size_t i = 0; i < v->n; i++) {
    char sub[OTLPD_PATH_MAX];
    snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
    void *elem = (char *)l.v + i * r->elem_size;
    otlpd_settings_defaults(r->sub, elem);
    l.n = i + 1;
    if (otlpd_node_is_null(v->items[i])) {
      otlpd_errorf(errs, "%s: expected a map, got null", sub);
      bad = 1;
      continue;
    }
    const otlpd_setting *sr = scalar_row(r->sub);
    if (sr && v->items[i]->kind == OTLPD_NODE_SCALAR) {
      bad |= scalar_elem(sr, elem, v->items[i], sub, errs) != 0;
      continue;
    }
    bad |= otlpd_settings_apply(r->sub, elem, v->items[i], sub, errs) != 0;
  }
  if (bad) {
    otlpd_sections_clear(r, &l);
    return;
  }
  otlpd_sections_clear(r, OTLPD_FIELD(base, r, otlpd_sections));
  *OTLPD_FIELD(base, r, otlpd_sections) = l;
}
