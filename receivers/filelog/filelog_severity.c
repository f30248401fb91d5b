/* Severity parsing: otelcol's default mapping (names and their common
 * spellings, case-insensitive) plus the `mapping:` entries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filelog.h"

static const struct { const char *name; int num; } levels[] = {
    {"trace", 1}, {"trace2", 2}, {"trace3", 3}, {"trace4", 4}, {"debug", 5}, {"debug2", 6}, {"debug3", 7},
    {"debug4", 8}, {"info", 9}, {"information", 9}, {"informational", 9}, {"info2", 10}, {"info3", 11},
    {"info4", 12}, {"warn", 13}, {"warning", 13}, {"warn2", 14}, {"warn3", 15}, {"warn4", 16},
    {"error", 17}, {"err", 17}, {"error2", 18}, {"error3", 19}, {"error4", 20}, {"fatal", 21},
    {"critical", 21}, {"crit", 21}, {"emergency", 21}, {"fatal2", 22}, {"fatal3", 23}, {"fatal4", 24}};

static int level_num(const char *name) {
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    if (!strcasecmp(name, levels[i].name)) return levels[i].num;
  return -1;
}

int fl_sev_spec_init(fl_sev_spec *s, const char *parse_from, const otlpd_strmap *mapping, char *why, size_t whylen) {
  memset(s, 0, sizeof(*s));
  if (fl_field_parse(parse_from ? parse_from : "attributes.severity", &s->from) < 0) {
    snprintf(why, whylen, "parse_from \"%s\" is not a field", parse_from);
    return -EINVAL;
  }
  for (size_t i = 0; mapping && i < mapping->n; i++)
    if (level_num(mapping->keys[i]) < 0) {
      snprintf(why, whylen, "mapping: \"%s\" is not a severity (trace, debug, info, warn, error, fatal)",
               mapping->keys[i]);
      fl_field_free(&s->from);
      return -EINVAL;
    }
  if (mapping) s->mapping = *mapping;
  s->set = true;
  return 0;
}

void fl_sev_spec_free(fl_sev_spec *s) { fl_field_free(&s->from); }

int fl_sev_apply(const fl_sev_spec *s, fl_entry *e) {
  const otlp_any_value *v = fl_field_get(e, &s->from);
  if (!v) return -ENOENT;
  char buf[32];
  const char *text = fl_value_str(v);
  if (!text && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE) {
    snprintf(buf, sizeof(buf), "%lld", (long long)v->int_value);
    text = buf;
  }
  if (!text) return -EINVAL;
  int num = -1;
  for (size_t i = 0; i < s->mapping.n && num < 0; i++)
    if (!strcasecmp(s->mapping.values[i], text)) num = level_num(s->mapping.keys[i]);
  if (num < 0) num = level_num(text);
  if (num < 0) return -EINVAL;
  e->severity = num;
  e->severity_text = text == buf ? NULL : text;
  return 0;
}
