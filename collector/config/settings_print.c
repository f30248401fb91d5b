/* `otlpd components` listing of a settings table. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* Whether a row of [tbl, end) other than a squash already has key: a
 * component's own row overrides a squashed one, so only it is listed. */
static bool shadowed(const otlpd_setting *tbl, const otlpd_setting *end, const char *key) {
  for (const otlpd_setting *r = tbl; r && r < end; r++)
    if (r->type != OTLPD_SET_SQUASH && strcmp(r->key, key) == 0) return true;
  return false;
}

static void print_rows(FILE *f, const otlpd_setting *tbl, int indent, const otlpd_setting *outer,
                       const otlpd_setting *outer_end) {
  for (const otlpd_setting *r = tbl; r && r->type != OTLPD_SET_END; r++) {
    if (r->type == OTLPD_SET_SQUASH) {
      print_rows(f, r->sub, indent, tbl, r);
      continue;
    }
    if (outer && shadowed(outer, outer_end, r->key)) continue;
    fprintf(f, "%*s%s (", indent, "", r->key);
    print_type(f, r);
    fprintf(f, ")%s%s\n", r->doc ? ": " : "", r->doc ? r->doc : "");
    if (r->type == OTLPD_SET_SECTION || r->type == OTLPD_SET_SECTIONS)
      print_rows(f, r->sub, indent + 2, NULL, NULL);
  }
}

void otlpd_settings_print(FILE *f, const otlpd_setting *tbl, int indent) {
  print_rows(f, tbl, indent, NULL, NULL);
}
