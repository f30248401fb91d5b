/* `otlpd components` listing of a settings table. */
#include <stdio.h>

#include "internal.h"

static const char *const type_names[] = {
    [OTLPD_SET_BOOL] = "bool",         [OTLPD_SET_INT] = "int",
    [OTLPD_SET_DOUBLE] = "number",     [OTLPD_SET_STRING] = "string",
    [OTLPD_SET_DURATION] = "duration", [OTLPD_SET_SIZE] = "size",
    [OTLPD_SET_ENDPOINT] = "endpoint", [OTLPD_SET_ENUM] = "enum",
    [OTLPD_SET_STRINGS] = "list",      [OTLPD_SET_SECTION] = "section",
    [OTLPD_SET_MAP] = "map",           [OTLPD_SET_IGNORED] = "ignored",
    [OTLPD_SET_SECTIONS] = "list of maps", [OTLPD_SET_VALUE] = "scalar",
};

static void print_type(FILE *f, const otlpd_setting *r) {
  const char *name =
      (unsigned)r->type < sizeof(type_names) / sizeof(type_names[0]) ? type_names[r->type] : NULL;
  fputs(name ? name : "?", f);
  if (r->type == OTLPD_SET_ENUM && r->choices) {
    for (size_t i = 0; r->choices[i]; i++)
      fprintf(f, "%s%s", i ? "|" : " ", r->choices[i]);
  }
  if (r->min < r->max && r->type != OTLPD_SET_SECTION)
    fprintf(f, ", %.15g..%.15g", r->min, r->max);
  if (r->def)
    fprintf(f, ", default %s", r->def);
}

void otlpd_settings_print(FILE *f, const otlpd_setting *tbl, int indent) {
  for (const otlpd_setting *r = tbl; r && r->type != OTLPD_SET_END; r++) {
    if (r->type == OTLPD_SET_SQUASH) {
      otlpd_settings_print(f, r->sub, indent);
      continue;
    }
    fprintf(f, "%*s%s (", indent, "", r->key);
    print_type(f, r);
    fprintf(f, ")%s%s\n", r->doc ? ": " : "", r->doc ? r->doc : "");
    if (r->type == OTLPD_SET_SECTION || r->type == OTLPD_SET_SECTIONS)
      otlpd_settings_print(f, r->sub, indent + 2);
  }
}
