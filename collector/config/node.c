/* The configuration node tree: construction, lookup, copy and merge. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

char *otlpd_strndup0(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

otlpd_node *otlpd_node_new(otlpd_node_kind k) {
  otlpd_node *n = calloc(1, sizeof(*n));
  if (n)
    n->kind = k;
  return n;
}

void otlpd_node_free(otlpd_node *n) {
  if (!n)
    return;
  for (size_t i = 0; i < n->n; i++) {
    if (n->keys)
      free(n->keys[i]);
    otlpd_node_free(n->items[i]);
  }
  free(n->keys);
  free(n->items);
  free(n->scalar);
  free(n);
}

otlpd_node *otlpd_node_scalar(const char *text, bool quoted, int line) {
  otlpd_node *n = otlpd_node_new(OTLPD_NODE_SCALAR);
  if (!n)
    return NULL;
  n->scalar = otlpd_strndup0(text, strlen(text));
  if (!n->scalar) {
    free(n);
    return NULL;
  }
  n->quoted = quoted;
  n->line = line;
  return n;
}

static int node_grow(otlpd_node *p) {
  if (p->n < p->cap)
    return 0;
  size_t cap = p->cap ? p->cap * 2 : 4;
  otlpd_node **items = realloc(p->items, cap * sizeof(*items));
  if (!items)
    return -ENOMEM;
  p->items = items;
  if (p->kind == OTLPD_NODE_MAP) {
    char **keys = realloc(p->keys, cap * sizeof(*keys));
    if (!keys)
      return -ENOMEM;
    p->keys = keys;
  }
  p->cap = cap;
  return 0;
}

int otlpd_node_append(otlpd_node *p, const char *key, otlpd_node *value) {
  if (node_grow(p) != 0)
    return -ENOMEM;
  if (p->kind == OTLPD_NODE_MAP) {
    char *k = otlpd_strndup0(key, strlen(key));
    if (!k)
      return -ENOMEM;
    p->keys[p->n] = k;
  }
  p->items[p->n++] = value;
  return 0;
}

long otlpd_node_find(const otlpd_node *map, const char *key) {
  if (!map || map->kind != OTLPD_NODE_MAP)
    return -1;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i], key) == 0)
      return (long)i;
  return -1;
}

const otlpd_node *otlpd_node_get(const otlpd_node *map, const char *key) {
  long i = otlpd_node_find(map, key);
  return i < 0 ? NULL : map->items[i];
}

static bool is_null_word(const char *s) {
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

bool otlpd_node_is_null(const otlpd_node *n) {
  if (!n || n->kind == OTLPD_NODE_NULL)
    return true;
  return n->kind == OTLPD_NODE_SCALAR && !n->quoted && is_null_word(n->scalar);
}

void otlpd_node_retype(otlpd_node *n) {
  if (n->kind != OTLPD_NODE_SCALAR || n->quoted || !is_null_word(n->scalar))
    return;
  free(n->scalar);
  n->scalar = NULL;
  n->kind = OTLPD_NODE_NULL;
}

otlpd_node *otlpd_node_copy(const otlpd_node *n, size_t *budget) {
  if (budget) {
    if (*budget == 0)
      return NULL;
    (*budget)--;
  }
  otlpd_node *c = otlpd_node_new(n->kind);
  if (!c)
    return NULL;
  c->quoted = n->quoted;
  c->line = n->line;
  if (n->scalar && !(c->scalar = otlpd_strndup0(n->scalar, strlen(n->scalar))))
    goto fail;
  for (size_t i = 0; i < n->n; i++) {
    otlpd_node *item = otlpd_node_copy(n->items[i], budget);
    if (!item)
      goto fail;
    if (otlpd_node_append(c, n->keys ? n->keys[i] : NULL, item) != 0) {
      otlpd_node_free(item);
      goto fail;
    }
  }
  return c;
fail:
  otlpd_node_free(c);
  return NULL;
}

otlpd_node *otlpd_node_merge(otlpd_node *dst, otlpd_node *src) {
  if (!dst)
    return src;
  if (!src || dst->kind != OTLPD_NODE_MAP || src->kind != OTLPD_NODE_MAP) {
    if (!src)
      return dst;
    otlpd_node_free(dst);
    return src;
  }
  for (size_t i = 0; i < src->n; i++) {
    long j = otlpd_node_find(dst, src->keys[i]);
    if (j >= 0) {
      dst->items[j] = otlpd_node_merge(dst->items[j], src->items[i]);
      src->items[i] = NULL;
    } else if (otlpd_node_append(dst, src->keys[i], src->items[i]) == 0) {
      src->items[i] = NULL;
    } /* on ENOMEM the key is dropped with src below */
  }
  otlpd_node_free(src);
  return dst;
}

const char *otlpd_node_describe(const otlpd_node *n, char *buf, size_t len) {
  if (otlpd_node_is_null(n))
    return "null";
  if (n->kind == OTLPD_NODE_MAP)
    return "a map";
  if (n->kind == OTLPD_NODE_SEQ)
    return "a sequence";
  snprintf(buf, len, "\"%s\"", n->scalar);
  return buf;
}

void otlpd_path_join(char *out, const char *path, const char *key) {
  if (path && *path)
    snprintf(out, OTLPD_PATH_MAX, "%s::%s", path, key);
  else
    snprintf(out, OTLPD_PATH_MAX, "%s", key);
}
