/* Path globbing for the filelog receiver (filelog_glob.c). */
#ifndef OTLPD_FILELOG_GLOB_H
#define OTLPD_FILELOG_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "otlpd/settings.h"

typedef struct fl_paths {
  char **v;
  size_t n, cap;
} fl_paths;

/* Whether name matches pattern (`*`, `?`, `[..]` within one component;
 * `**` any number of components). */
bool fl_glob_match(const char *pattern, const char *name);
/* Regular files matching an include and no exclude, each once. 0 or -ENOMEM. */
int fl_glob_expand(const otlpd_strings *include, const otlpd_strings *exclude, fl_paths *out);
void fl_paths_free(fl_paths *p);

#endif
