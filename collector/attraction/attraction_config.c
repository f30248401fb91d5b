/* The action list's settings and otelcol's rules for it (coreinternal/
 * attraction's NewAttrProc), with its field names in the errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attraction.h"
#include "otlpd/config.h"

const otlpd_setting attraction_item_settings[] = {
    OTLPD_S_STRING(attraction_item_cfg, "key", key, NULL, "attribute the action works on"),
    OTLPD_S_VALUE(attraction_item_cfg, "value", value,
                  "value to set (string, int, double or bool as YAML types it)"),
    OTLPD_S_STRING(attraction_item_cfg, "from_attribute", from_attribute, NULL,
                   "take the value from this attribute instead"),
    OTLPD_S_STRING(attraction_item_cfg, "from_context", from_context, NULL,
                   "take the value from the client: client.address, metadata.<header>, auth.<attr>"),
    OTLPD_S_STRING(attraction_item_cfg, "action", action, NULL,
                   "insert, update, upsert, delete, hash, extract or convert"),
    OTLPD_S_STRING(attraction_item_cfg, "pattern", pattern, NULL,
                   "extract: regex with named groups; delete/hash: regex of keys"),
    OTLPD_S_STRING(attraction_item_cfg, "converted_type", converted_type, NULL,
                   "convert: int, double or string"),
    OTLPD_S_END,
};

static const char *const kind_names[] = {"insert", "update", "upsert", "delete",
                                         "hash",   "extract", "convert", NULL};
static const char *const conv_names[] = {"int", "double", "string", NULL};

static int find(const char *const *names, const char *s, int nocase) {
  for (int i = 0; s && names[i]; i++)
    if (nocase ? !strcasecmp(s, names[i]) : !strcmp(s, names[i])) return i;
  return -1;
}

int attraction_kind_parse(const char *name) { return find(kind_names, name, 1); }
int attraction_conv_parse(const char *name) { return find(conv_names, name, 0); }

static int set(const char *s) { return s && *s; }

int attraction_regex_compile(attraction_regex *r, const char *pattern, char *err, size_t errlen) {
  int code;
  PCRE2_SIZE off;
  memset(r, 0, sizeof(*r));
  r->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
  if (!r->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof(msg));
    snprintf(err, errlen, "invalid regular expression \"%s\" at offset %zu: %s", pattern, (size_t)off,
             (const char *)msg);
    return -EINVAL;
  }
  pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
  if (!(r->md = pcre2_match_data_create_from_pattern(r->code, NULL))) {
    attraction_regex_free(r);
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
  }
  return 0;
}

bool attraction_regex_search(const attraction_regex *r, const char *s, size_t len) {
  return pcre2_match(r->code, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, r->md, NULL) >= 0;
}

void attraction_regex_free(attraction_regex *r) {
  pcre2_match_data_free(r->md);
  pcre2_code_free(r->code);
  memset(r, 0, sizeof(*r));
}

/* extract's pattern: at least one group, every group named. */
static int check_groups(const pcre2_code *code, char *err, size_t errlen) {
  uint32_t groups = 0, names = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &names);
  if (groups == 0) {
    snprintf(err, errlen, "contains no named matcher groups");
    return -EINVAL;
  }
  if (names < groups) {
    snprintf(err, errlen, "contains at least one unnamed matcher group");
    return -EINVAL;
  }
  return 0;
}

static void check_pattern(const attraction_item_cfg *a, int kind, const char *p, otlpd_errors *errs) {
  attraction_regex r;
  char err[400];
  if (attraction_regex_compile(&r, a->pattern, err, sizeof(err))) {
    otlpd_errorf(errs, "%s::pattern: %s", p, err);
    return;
  }
  if (kind == ATTRACTION_EXTRACT && check_groups(r.code, err, sizeof(err)))
    otlpd_errorf(errs, "%s::pattern: \"%s\" %s", p, a->pattern, err);
  attraction_regex_free(&r);
}

static void check_item(const attraction_item_cfg *a, const char *p, otlpd_errors *errs) {
  int kind = attraction_kind_parse(a->action);
  int sources = (a->value.kind != OTLPD_VALUE_NONE) + set(a->from_attribute) + set(a->from_context);
  if (!set(a->action)) {
    otlpd_errorf(errs, "%s::action: missing (one of insert, update, upsert, delete, hash, extract, convert)", p);
    return;
  }
  if (kind < 0) {
    otlpd_errorf(errs, "%s::action: unsupported action \"%s\"", p, a->action);
    return;
  }
  bool by_pattern = kind == ATTRACTION_DELETE || kind == ATTRACTION_HASH;
  if (!set(a->key) && !(by_pattern && set(a->pattern))) {
    otlpd_errorf(errs, "%s::key: missing%s", p, by_pattern ? " (key or pattern is required)" : "");
    return;
  }
  if (kind != ATTRACTION_CONVERT && set(a->converted_type))
    otlpd_errorf(errs, "%s::converted_type: only used by action convert", p);
  if (set(a->pattern) && !by_pattern && kind != ATTRACTION_EXTRACT)
    otlpd_errorf(errs, "%s::pattern: action %s does not use pattern", p, kind_names[kind]);
  switch (kind) {
  case ATTRACTION_INSERT:
  case ATTRACTION_UPDATE:
  case ATTRACTION_UPSERT:
    if (sources != 1)
      otlpd_errorf(errs, "%s: %s needs exactly one of value, from_attribute, from_context (%d given)", p,
                   kind_names[kind], sources);
    break;
  case ATTRACTION_DELETE:
  case ATTRACTION_HASH:
  case ATTRACTION_EXTRACT:
    if (sources)
      otlpd_errorf(errs, "%s: %s does not use value, from_attribute or from_context", p, kind_names[kind]);
    if (kind == ATTRACTION_EXTRACT && !set(a->pattern))
      otlpd_errorf(errs, "%s::pattern: missing (extract needs a regex with named groups)", p);
    else if (set(a->pattern))
      check_pattern(a, kind, p, errs);
    break;
  default: /* convert */
    if (sources)
      otlpd_errorf(errs, "%s: convert does not use value, from_attribute or from_context", p);
    else if (!set(a->converted_type))
      otlpd_errorf(errs, "%s::converted_type: missing (int, double or string)", p);
    else if (attraction_conv_parse(a->converted_type) < 0)
      otlpd_errorf(errs, "%s::converted_type: invalid value \"%s\" (expected int, double or string)", p,
                   a->converted_type);
    break;
  }
}

int attraction_validate(const otlpd_sections *items, const char *path, bool required, otlpd_errors *errs) {
  size_t before = errs->n;
  if (required && items->n == 0) otlpd_errorf(errs, "%s: missing (at least one action is needed)", path);
  for (size_t i = 0; i < items->n; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%s[%zu]", path, i);
    check_item((const attraction_item_cfg *)items->v + i, p, errs);
  }
  return errs->n > before ? -EINVAL : 0;
}

/* Group g's name at groups[g]; every group is named (validated). */
static int name_groups(attraction_action *a) {
  uint32_t n = 0, size = 0;
  PCRE2_SPTR table;
  pcre2_pattern_info(a->re.code, PCRE2_INFO_CAPTURECOUNT, &a->ngroups);
  pcre2_pattern_info(a->re.code, PCRE2_INFO_NAMECOUNT, &n);
  pcre2_pattern_info(a->re.code, PCRE2_INFO_NAMEENTRYSIZE, &size);
  pcre2_pattern_info(a->re.code, PCRE2_INFO_NAMETABLE, &table);
  if (!(a->groups = calloc(a->ngroups + 1, sizeof(*a->groups)))) return -ENOMEM;
  for (uint32_t k = 0; k < n; k++) {
    const unsigned char *e = table + (size_t)k * size;
    uint32_t g = ((uint32_t)e[0] << 8) | e[1];
    if (g <= a->ngroups) a->groups[g] = (const char *)e + 2;
  }
  for (uint32_t g = 1; g <= a->ngroups; g++)
    if (!a->groups[g]) return -EINVAL;
  return 0;
}

static int build_one(attraction_action *a, const attraction_item_cfg *c) {
  char err[400];
  a->kind = (attraction_kind)attraction_kind_parse(c->action);
  a->key = set(c->key) ? c->key : NULL;
  if (c->value.kind != OTLPD_VALUE_NONE) a->value = &c->value;
  a->from_attribute = set(c->from_attribute) ? c->from_attribute : NULL;
  a->from_context = set(c->from_context) ? c->from_context : NULL;
  if (a->kind == ATTRACTION_CONVERT) a->conv = (attraction_conv)attraction_conv_parse(c->converted_type);
  if (a->kind == ATTRACTION_HASH && attraction_digest_init(&a->digest)) return -ENOMEM;
  if (!set(c->pattern)) return 0;
  int rc = attraction_regex_compile(&a->re, c->pattern, err, sizeof(err));
  if (rc == 0 && a->kind == ATTRACTION_EXTRACT) rc = name_groups(a);
  return rc;
}

int attraction_build(attraction *out, const otlpd_sections *items) {
  out->n = 0;
  if (!(out->a = calloc(items->n ? items->n : 1, sizeof(*out->a)))) return -ENOMEM;
  for (size_t i = 0; i < items->n; i++) {
    out->n = i + 1;
    int rc = build_one(&out->a[i], (const attraction_item_cfg *)items->v + i);
    if (rc) {
      attraction_free(out);
      return rc;
    }
  }
  return 0;
}

void attraction_free(attraction *a) {
  for (size_t i = 0; a->a && i < a->n; i++) {
    attraction_regex_free(&a->a[i].re);
    attraction_digest_free(&a->a[i].digest);
    free(a->a[i].groups);
  }
  free(a->a);
  a->a = NULL;
  a->n = 0;
}
