/* Config files -> one merged node tree; `--set` overrides on top. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Config files are small; anything bigger is a mistake, not a config. */
#define CONFIG_FILE_MAX (16u << 20)

static char *read_file(const char *path, size_t *len, otlpd_errors *errs) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    otlpd_errorf(errs, "cannot read config file \"%s\": %s", path, strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (cap - n < 4096) {
      cap = cap ? cap * 2 : 8192;
      char *b = cap <= CONFIG_FILE_MAX * 2u ? realloc(buf, cap) : NULL;
      if (!b) {
        otlpd_errorf(errs, "cannot read config file \"%s\": too large or out of memory", path);
        goto fail;
      }
      buf = b;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n > CONFIG_FILE_MAX) {
      otlpd_errorf(errs, "cannot read config file \"%s\": larger than %u bytes", path,
                   CONFIG_FILE_MAX);
      goto fail;
    }
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    otlpd_errorf(errs, "cannot read config file \"%s\": %s", path, strerror(errno));
    goto fail;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
fail:
  free(buf);
  fclose(f);
  return NULL;
}

static otlpd_node *load_one(const char *path, otlpd_errors *errs) {
  size_t len;
  char *text = read_file(path, &len, errs);
  if (!text)
    return NULL;
  otlpd_node *n = otlpd_yaml_parse(text, len, path, errs);
  free(text);
  if (!n)
    return NULL;
  if (n->kind != OTLPD_NODE_MAP && n->kind != OTLPD_NODE_NULL) {
    otlpd_errorf(errs, "%s: the top level must be a map of sections", path);
    otlpd_node_free(n);
    return NULL;
  }
  if (otlpd_env_expand_tree(n, path, errs) != 0) {
    otlpd_node_free(n);
    return NULL;
  }
  return n;
}

otlpd_node *otlpd_config_load(const char *const *files, size_t n_files, otlpd_errors *errs) {
  if (n_files == 0) {
    otlpd_errorf(errs, "no config file given");
    return NULL;
  }
  otlpd_node *root = otlpd_node_new(OTLPD_NODE_MAP);
  if (!root) {
    otlpd_errorf(errs, "out of memory");
    return NULL;
  }
  bool ok = true;
  for (size_t i = 0; i < n_files; i++) {
    otlpd_node *n = load_one(files[i], errs);
    if (!n) {
      ok = false; /* still load the rest: report their problems too */
      continue;
    }
    if (n->kind == OTLPD_NODE_MAP)
      root = otlpd_node_merge(root, n);
    else
      otlpd_node_free(n); /* an empty file adds nothing */
  }
  if (!ok) {
    otlpd_node_free(root);
    return NULL;
  }
  return root;
}

/* Next key of a --set path: "::" separates when present (component ids
 * never contain it); otherwise "." does, as older otelcol accepted. */
static const char *next_segment(const char *p, const char *end, const char *sep, size_t *len) {
  const char *hit = NULL;
  size_t sl = strlen(sep);
  for (const char *q = p; q + sl <= end; q++)
    if (memcmp(q, sep, sl) == 0) {
      hit = q;
      break;
    }
  *len = (size_t)((hit ? hit : end) - p);
  return hit ? hit + sl : NULL;
}

/* Wrap value into maps named by the path, innermost last. */
static otlpd_node *wrap_path(const char *key, size_t klen, const char *sep, otlpd_node *value,
                             const char *arg, otlpd_errors *errs) {
  const char *end = key + klen;
  size_t len;
  const char *next = next_segment(key, end, sep, &len);
  if (len == 0) {
    otlpd_errorf(errs, "--set \"%s\": empty key in path", arg);
    otlpd_node_free(value);
    return NULL;
  }
  otlpd_node *inner = value;
  if (next && !(inner = wrap_path(next, (size_t)(end - next), sep, value, arg, errs)))
    return NULL;
  otlpd_node *map = otlpd_node_new(OTLPD_NODE_MAP);
  char *k = otlpd_strndup0(key, len);
  if (!map || !k || otlpd_node_append(map, k, inner) != 0) {
    otlpd_errorf(errs, "--set \"%s\": out of memory", arg);
    otlpd_node_free(map);
    otlpd_node_free(inner);
    free(k);
    return NULL;
  }
  free(k);
  return map;
}

int otlpd_config_set(otlpd_node *root, const char *assignment, otlpd_errors *errs) {
  const char *eq = strchr(assignment, '=');
  if (!eq) {
    otlpd_errorf(errs, "--set \"%s\": expected key=value", assignment);
    return -EINVAL;
  }
  if (!root || root->kind != OTLPD_NODE_MAP) {
    otlpd_errorf(errs, "--set \"%s\": no configuration to apply it to", assignment);
    return -EINVAL;
  }
  otlpd_node *value = otlpd_yaml_parse(eq + 1, strlen(eq + 1), "--set value", errs);
  if (!value)
    return -EINVAL;
  size_t klen = (size_t)(eq - assignment);
  const char *sep = ".";
  for (size_t i = 0; i + 1 < klen; i++)
    if (assignment[i] == ':' && assignment[i + 1] == ':')
      sep = "::";
  otlpd_node *tree = wrap_path(assignment, klen, sep, value, assignment, errs);
  if (!tree)
    return -EINVAL;
  /* root is the caller's; merging into it keeps the pointer valid */
  otlpd_node *merged = otlpd_node_merge(root, tree);
  return merged == root ? 0 : -EINVAL;
}
