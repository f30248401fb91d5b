/* resource processor settings: otelcol's `attributes:` action list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otlpd/config.h"
#include "resource_processor.h"

static const otlpd_setting attr_settings[] = {
    OTLPD_S_STRING(res_attr_cfg, "key", key, NULL, "attribute the action works on"),
    OTLPD_S_VALUE(res_attr_cfg, "value", value, "value to set (string, int, double or bool as YAML types it)"),
    OTLPD_S_STRING(res_attr_cfg, "from_attribute", from_attribute, NULL,
                   "take the value from this resource attribute instead"),
    OTLPD_S_STRING(res_attr_cfg, "from_context", from_context, NULL, "not supported yet (config error)"),
    OTLPD_S_STRING(res_attr_cfg, "action", action, NULL,
                   "insert, update, upsert, delete, hash, convert (extract: not supported yet)"),
    OTLPD_S_STRING(res_attr_cfg, "pattern", pattern, NULL, "not supported yet (config error)"),
    OTLPD_S_STRING(res_attr_cfg, "converted_type", converted_type, NULL, "convert: int, double or string"),
    OTLPD_S_END,
};

const otlpd_setting resource_settings[] = {
    OTLPD_S_SECTIONS(resource_cfg, "attributes", attributes, res_attr_cfg, attr_settings,
                     "actions applied in order to each resource's attributes"),
    OTLPD_S_END,
};

static const char *const action_names[] = {"insert", "update", "upsert", "delete",
                                           "hash",   "extract", "convert", NULL};
static const char *const conv_names[] = {"int", "double", "string", NULL};

static int find(const char *const *names, const char *s, int nocase) {
  for (int i = 0; s && names[i]; i++)
    if (nocase ? !strcasecmp(s, names[i]) : !strcmp(s, names[i])) return i;
  return -1;
}

int res_action_parse(const char *name) { return find(action_names, name, 1); }
int res_conv_parse(const char *name) { return find(conv_names, name, 0); }

static int set(const char *s) { return s && *s; }

/* The same rules as otelcol's attraction, with its field names. */
static void check_item(const res_attr_cfg *a, const char *p, otlpd_errors *errs) {
  int act = res_action_parse(a->action);
  int sources = (a->value.kind != OTLPD_VALUE_NONE) + set(a->from_attribute) + set(a->from_context);
  if (!set(a->action)) {
    otlpd_errorf(errs, "%s::action: missing (one of insert, update, upsert, delete, hash, extract, convert)", p);
    return;
  }
  if (act < 0) {
    otlpd_errorf(errs, "%s::action: unsupported action \"%s\"", p, a->action);
    return;
  }
  if (act == RES_EXTRACT) {
    otlpd_errorf(errs, "%s::action: extract is not supported yet (key \"%s\")", p, a->key ? a->key : "");
    return;
  }
  if (set(a->pattern)) {
    otlpd_errorf(errs, "%s::pattern: not supported yet (no regular expressions); use key", p);
    return;
  }
  if (!set(a->key)) {
    otlpd_errorf(errs, "%s::key: missing", p);
    return;
  }
  if (act != RES_CONVERT && set(a->converted_type))
    otlpd_errorf(errs, "%s::converted_type: only used by action convert", p);
  switch (act) {
  case RES_INSERT:
  case RES_UPDATE:
  case RES_UPSERT:
    if (sources != 1)
      otlpd_errorf(errs, "%s: %s needs exactly one of value, from_attribute, from_context (%d given)", p,
                   action_names[act], sources);
    else if (set(a->from_context))
      otlpd_errorf(errs, "%s::from_context: not supported yet (no client metadata)", p);
    break;
  case RES_DELETE:
  case RES_HASH:
    if (sources)
      otlpd_errorf(errs, "%s: %s does not use value, from_attribute or from_context", p, action_names[act]);
    break;
  default: /* convert */
    if (sources)
      otlpd_errorf(errs, "%s: convert does not use value, from_attribute or from_context", p);
    else if (!set(a->converted_type))
      otlpd_errorf(errs, "%s::converted_type: missing (int, double or string)", p);
    else if (res_conv_parse(a->converted_type) < 0)
      otlpd_errorf(errs, "%s::converted_type: invalid value \"%s\" (expected int, double or string)", p,
                   a->converted_type);
    break;
  }
}

int resource_validate(const void *config, const char *path, otlpd_errors *errs) {
  const resource_cfg *c = config;
  size_t before = errs->n;
  if (c->attributes.n == 0)
    otlpd_errorf(errs, "%s::attributes: missing (the resource processor needs at least one action)", path);
  for (size_t i = 0; i < c->attributes.n; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%s::attributes[%zu]", path, i);
    check_item((const res_attr_cfg *)c->attributes.v + i, p, errs);
  }
  return errs->n > before ? -EINVAL : 0;
}

int res_actions_build(const resource_cfg *c, res_action **out, size_t *n) {
  res_action *a = calloc(c->attributes.n ? c->attributes.n : 1, sizeof(*a));
  if (!a) return -ENOMEM;
  const res_attr_cfg *items = c->attributes.v;
  for (size_t i = 0; i < c->attributes.n; i++) {
    a[i].kind = (res_action_kind)res_action_parse(items[i].action);
    a[i].key = items[i].key;
    if (items[i].value.kind != OTLPD_VALUE_NONE) a[i].value = &items[i].value;
    a[i].from_attribute = items[i].from_attribute;
    if (a[i].kind == RES_CONVERT) a[i].conv = (res_conv)res_conv_parse(items[i].converted_type);
  }
  *out = a;
  *n = c->attributes.n;
  return 0;
}
