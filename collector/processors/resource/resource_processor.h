/* resource processor: otelcol's attribute actions (insert, update, upsert,
 * delete, hash, convert) on the resource attributes of every signal. It
 * edits through the copy-on-write API of data.h, so a pipeline that shares
 * its input with others never changes what they see. */
#ifndef OTLPD_RESOURCE_PROCESSOR_H
#define OTLPD_RESOURCE_PROCESSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/component.h"

/* One `attributes:` item as written (settings table fills it). */
typedef struct res_attr_cfg {
  char *key;
  otlpd_value value;
  char *from_attribute;
  char *from_context;
  char *action;
  char *pattern;
  char *converted_type;
} res_attr_cfg;

typedef struct resource_cfg {
  otlpd_sections attributes; /* res_attr_cfg */
} resource_cfg;

extern const otlpd_setting resource_settings[];
int resource_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

typedef enum {
  RES_INSERT,
  RES_UPDATE,
  RES_UPSERT,
  RES_DELETE,
  RES_HASH,
  RES_EXTRACT,
  RES_CONVERT,
} res_action_kind;

typedef enum { RES_TO_INT, RES_TO_DOUBLE, RES_TO_STRING } res_conv;

/* A validated action; strings point into the config (which outlives it). */
typedef struct res_action {
  res_action_kind kind;
  const char *key;
  const otlpd_value *value;   /* set: insert/update/upsert with `value` */
  const char *from_attribute; /* set: insert/update/upsert with `from_attribute` */
  res_conv conv;              /* convert */
} res_action;

/* -1 when not an action name (case-insensitive, as otelcol). */
int res_action_parse(const char *name);
int res_conv_parse(const char *name);
/* Actions from a validated config; 0 or -ENOMEM. */
int res_actions_build(const resource_cfg *c, res_action **out, size_t *n);

/* Would the actions change this attribute list? Read-only and exact enough
 * to be safe: false only when applying them would change nothing. */
bool res_actions_change(const res_action *a, size_t n, size_t nkv, otlp_key_value *const *kv);
/* Apply to an attribute list private to entry i of an editable batch;
 * new memory comes from that entry. 0 or -ENOMEM. */
int res_actions_apply(const res_action *a, size_t n, otlpd_batch *b, size_t i, size_t *nkv,
                      otlp_key_value ***kv);

/* Value transforms (resource_values.c), in place on a private AnyValue. */
int res_value_hash(otlpd_batch *b, size_t i, otlp_any_value *v);
/* Whether convert would change v (same rules as res_value_convert). */
bool res_value_converts(const otlp_any_value *v, res_conv to);
int res_value_convert(otlpd_batch *b, size_t i, otlp_any_value *v, res_conv to);
/* Shortest text that reads back as d, in pdata's AsString form. */
void res_format_double(double d, char *buf, size_t len);

#endif
