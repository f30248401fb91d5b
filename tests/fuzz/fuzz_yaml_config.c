/* Fuzz target: YAML config text -> node tree -> a settings table covering
 * every setting type. Config files come from operators, not attackers, but
 * a typo must give an error, never a crash or a hang. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "otlpd/config.h"

typedef struct inner {
  int64_t n;
  otlpd_strings list;
} inner;

typedef struct cfg {
  bool b;
  int64_t i, dur, size;
  double d;
  char *s, *ep;
  int e;
  otlpd_strings strs;
  otlpd_strmap map;
  bool has_sec;
  inner sec;
} cfg;

static const char *const choices[] = {"basic", "normal", "detailed", NULL};

static const otlpd_setting inner_tbl[] = {
    OTLPD_S_INT(inner, "n", n, "3", 0, 100, "n"),
    OTLPD_S_STRINGS(inner, "list", list, "list"),
    OTLPD_S_END,
};

static const otlpd_setting tbl[] = {
    OTLPD_S_BOOL(cfg, "b", b, "false", "b"),
    OTLPD_S_INT(cfg, "i", i, "1", -5, 1e6, "i"),
    OTLPD_S_DOUBLE(cfg, "d", d, "0.5", 0, 1, "d"),
    OTLPD_S_STRING(cfg, "s", s, "x", "s"),
    OTLPD_S_DURATION(cfg, "dur", dur, "200ms", "dur"),
    OTLPD_S_SIZE(cfg, "size", size, "1MiB", "size"),
    OTLPD_S_ENDPOINT(cfg, "ep", ep, "localhost:4318", "ep"),
    OTLPD_S_ENUM(cfg, "e", e, "basic", choices, "e"),
    OTLPD_S_STRINGS(cfg, "strs", strs, "strs"),
    OTLPD_S_MAP(cfg, "map", map, "map"),
    OTLPD_S_SECTION_P(cfg, "sec", sec, has_sec, inner_tbl, "sec"),
    OTLPD_S_IGNORED("ignored", "ignored"),
    OTLPD_S_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otlpd_errors errs = {0};
  otlpd_node *root = otlpd_yaml_parse((const char *)data, size, "fuzz.yaml", &errs);
  if (root) {
    cfg c;
    otlpd_settings_defaults(tbl, &c);
    otlpd_settings_apply(tbl, &c, root, "fuzz", &errs);
    const otlpd_node *sub = otlpd_node_get(root, "receivers");
    if (sub) otlpd_settings_apply(tbl, &c, sub, "fuzz::receivers", &errs);
    otlpd_settings_free(tbl, &c);
    otlpd_config_set(root, "a::b::c=[1, 2]", &errs);
    otlpd_node_free(root);
  }
  otlpd_errors_free(&errs);
  return 0;
}
