/* The declarative settings engine: one table row per key drives parsing,
 * defaults, validation and freeing of a component's config struct. Leaf
 * values are parsed in settings_scalar.c and settings_lists.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void apply_row(const otlpd_setting *r, void *base, const otlpd_node *v, const char *path,
                      otlpd_errors *errs) {
  if (r->type == OTLPD_SET_IGNORED)
    return;
  if (r->type == OTLPD_SET_SECTION) {
    /* `http:` alone means "enabled with defaults" */
    if (r->present_offset != OTLPD_NO_OFFSET)
      *(bool *)(void *)((char *)base + r->present_offset) = true;
    otlpd_settings_apply(r->sub, OTLPD_FIELD(base, r, char), v, path, errs);
    return;
  }
  if (otlpd_node_is_null(v))
    return; /* null keeps the default, as mapstructure does */
  if (r->type == OTLPD_SET_STRINGS) {
    otlpd_setting_strings(r, base, v, path, errs);
    return;
  }
  if (r->type == OTLPD_SET_MAP) {
    otlpd_setting_map(r, base, v, path, errs);
    return;
  }
  if (r->type == OTLPD_SET_SECTIONS) {
    otlpd_setting_sections(r, base, v, path, errs);
    return;
  }
  if (v->kind != OTLPD_NODE_SCALAR) {
    otlpd_setting_type_error(r, path, v, errs);
    return;
  }
  otlpd_setting_scalar(r, base, v, path, errs);
}

/* The row for key, looking into squashed tables too; *base moves to the
 * struct the row's offset is relative to. */
static const otlpd_setting *find_row(const otlpd_setting *tbl, const char *key, void **base) {
  for (; tbl && tbl->type != OTLPD_SET_END; tbl++) {
    if (tbl->type == OTLPD_SET_SQUASH) {
      void *sub = (char *)*base + tbl->offset;
      const otlpd_setting *r = find_row(tbl->sub, key, &sub);
      if (r) {
        *base = sub;
        return r;
      }
    } else if (strcmp(tbl->key, key) == 0) {
      return tbl;
    }
  }
  return NULL;
}

int otlpd_settings_apply(const otlpd_setting *tbl, void *cfg, const otlpd_node *node,
                         const char *path, otlpd_errors *errs) {
  size_t before = errs->n;
  if (otlpd_node_is_null(node))
    return 0;
  if (node->kind != OTLPD_NODE_MAP) {
    char buf[256];
    otlpd_errorf(errs, "%s: expected a map, got %s", path,
                 otlpd_node_describe(node, buf, sizeof(buf)));
    return -EINVAL;
  }
  for (size_t i = 0; i < node->n; i++) {
    char sub[OTLPD_PATH_MAX];
    otlpd_path_join(sub, path, node->keys[i]);
    void *base = cfg;
    const otlpd_setting *r = find_row(tbl, node->keys[i], &base);
    if (r && r->type == OTLPD_SET_IGNORED && !otlpd_node_is_null(node->items[i]))
      otlpd_warnf(errs, "%s: accepted for compatibility with otelcol but has no effect in otlpd", sub);
    if (r) {
      apply_row(r, base, node->items[i], sub, errs);
      continue;
    }
    const char *near = otlpd_settings_suggest(tbl, node->keys[i]);
    if (near)
      otlpd_errorf(errs, "%s: unknown key (did you mean \"%s\"?)", sub, near);
    else
      otlpd_errorf(errs, "%s: unknown key", sub);
  }
  return errs->n > before ? -EINVAL : 0;
}

/* Defaults are written as YAML so tables read like config files; they go
 * through the same parsing as user input. */
static void apply_default(const otlpd_setting *r, void *cfg) {
  otlpd_errors errs = {0};
  otlpd_node *n = (r->def[0] == '[' || r->def[0] == '{')
                      ? otlpd_yaml_parse(r->def, strlen(r->def), r->key, &errs)
                      : otlpd_node_scalar(r->def, false, 0);
  if (n) {
    otlpd_node_retype(n);
    apply_row(r, cfg, n, r->key, &errs);
  }
  for (size_t i = 0; i < errs.n; i++)
    fprintf(stderr, "otlpd: internal error: bad default: %s\n", errs.msgs[i]);
  otlpd_errors_free(&errs);
  otlpd_node_free(n);
}

static void zero_field(const otlpd_setting *r, void *cfg) {
  switch (r->type) {
  case OTLPD_SET_BOOL: *OTLPD_FIELD(cfg, r, bool) = false; break;
  case OTLPD_SET_INT:
  case OTLPD_SET_DURATION:
  case OTLPD_SET_SIZE: *OTLPD_FIELD(cfg, r, int64_t) = 0; break;
  case OTLPD_SET_DOUBLE: *OTLPD_FIELD(cfg, r, double) = 0; break;
  case OTLPD_SET_STRING:
  case OTLPD_SET_ENDPOINT: *OTLPD_FIELD(cfg, r, char *) = NULL; break;
  case OTLPD_SET_ENUM: *OTLPD_FIELD(cfg, r, int) = 0; break;
  case OTLPD_SET_STRINGS: *OTLPD_FIELD(cfg, r, otlpd_strings) = (otlpd_strings){0}; break;
  case OTLPD_SET_MAP: *OTLPD_FIELD(cfg, r, otlpd_strmap) = (otlpd_strmap){0}; break;
  case OTLPD_SET_SECTIONS: *OTLPD_FIELD(cfg, r, otlpd_sections) = (otlpd_sections){0}; break;
  case OTLPD_SET_VALUE: *OTLPD_FIELD(cfg, r, otlpd_value) = (otlpd_value){0}; break;
  default: break;
  }
}

/* Squashed tables first, so that a component's own row for the same key
 * (which may alias the shared field) sets the default last. */
void otlpd_settings_defaults(const otlpd_setting *tbl, void *cfg) {
  for (const otlpd_setting *r = tbl; r && r->type != OTLPD_SET_END; r++)
    if (r->type == OTLPD_SET_SQUASH) otlpd_settings_defaults(r->sub, OTLPD_FIELD(cfg, r, char));
  for (const otlpd_setting *r = tbl; r && r->type != OTLPD_SET_END; r++) {
    if (r->type == OTLPD_SET_IGNORED || r->type == OTLPD_SET_SQUASH)
      continue;
    if (r->type == OTLPD_SET_SECTION) {
      if (r->present_offset != OTLPD_NO_OFFSET)
        *(bool *)(void *)((char *)cfg + r->present_offset) = false;
      otlpd_settings_defaults(r->sub, OTLPD_FIELD(cfg, r, char));
      continue;
    }
    zero_field(r, cfg);
    if (r->def)
      apply_default(r, cfg);
  }
}

void otlpd_settings_free(const otlpd_setting *tbl, void *cfg) {
  if (!cfg)
    return;
  for (const otlpd_setting *r = tbl; r && r->type != OTLPD_SET_END; r++) {
    switch (r->type) {
    case OTLPD_SET_STRING:
    case OTLPD_SET_ENDPOINT:
      free(*OTLPD_FIELD(cfg, r, char *));
      *OTLPD_FIELD(cfg, r, char *) = NULL;
      break;
    case OTLPD_SET_STRINGS: otlpd_strings_clear(OTLPD_FIELD(cfg, r, otlpd_strings)); break;
    case OTLPD_SET_MAP: otlpd_strmap_clear(OTLPD_FIELD(cfg, r, otlpd_strmap)); break;
    case OTLPD_SET_SECTION:
    case OTLPD_SET_SQUASH: otlpd_settings_free(r->sub, OTLPD_FIELD(cfg, r, char)); break;
    case OTLPD_SET_SECTIONS: otlpd_sections_clear(r, OTLPD_FIELD(cfg, r, otlpd_sections)); break;
    case OTLPD_SET_VALUE:
      free(OTLPD_FIELD(cfg, r, otlpd_value)->s);
      *OTLPD_FIELD(cfg, r, otlpd_value) = (otlpd_value){0};
      break;
    default: break;
    }
  }
}
