/* Error collection: configuration problems are gathered, not fatal one by
 * one, so a user fixes a file in one round instead of many. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "otlpd/config.h"

static int errors_grow(otlpd_errors *e) {
  if (e->n < e->cap)
    return 0;
  size_t cap = e->cap ? e->cap * 2 : 8;
  char **m = realloc(e->msgs, cap * sizeof(*m));
  if (!m)
    return -1;
  e->msgs = m;
  e->cap = cap;
  return 0;
}

void otlpd_errorf(otlpd_errors *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0 || errors_grow(e) != 0)
    return; /* out of memory: nowhere better to report it */
  char *msg = malloc((size_t)len + 1);
  if (!msg)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)len + 1, fmt, ap);
  va_end(ap);
  e->msgs[e->n++] = msg;
}

void otlpd_errors_free(otlpd_errors *e) {
  for (size_t i = 0; i < e->n; i++)
    free(e->msgs[i]);
  free(e->msgs);
  e->msgs = NULL;
  e->n = e->cap = 0;
}

void otlpd_errors_print(const otlpd_errors *e, FILE *f) {
  for (size_t i = 0; i < e->n; i++)
    fprintf(f, "error: %s\n", e->msgs[i]);
}
