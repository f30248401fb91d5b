/* Error collection: configuration problems are gathered, not fatal one by
 * one, so a user fixes a file in one round instead of many. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "otlpd/config.h"

static int list_grow(char ***v, size_t n, size_t *cap) {
  if (n < *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : 8;
  char **m = realloc(*v, c * sizeof(*m));
  if (!m)
    return -1;
  *v = m;
  *cap = c;
  return 0;
}

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int len = vsnprintf(NULL, 0, fmt, ap);
  char *msg = len < 0 ? NULL : malloc((size_t)len + 1);
  if (msg)
    vsnprintf(msg, (size_t)len + 1, fmt, ap2);
  va_end(ap2);
  return msg;
}

/* Out of memory drops the message: there is nowhere better to report it. */
void otlpd_errorf(otlpd_errors *e, const char *fmt, ...) {
  if (list_grow(&e->msgs, e->n, &e->cap) != 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = vformat(fmt, ap);
  va_end(ap);
  if (msg)
    e->msgs[e->n++] = msg;
}

void otlpd_warnf(otlpd_errors *e, const char *fmt, ...) {
  if (list_grow(&e->warns, e->nw, &e->capw) != 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = vformat(fmt, ap);
  va_end(ap);
  if (msg)
    e->warns[e->nw++] = msg;
}

void otlpd_errors_free(otlpd_errors *e) {
  for (size_t i = 0; i < e->n; i++)
    free(e->msgs[i]);
  for (size_t i = 0; i < e->nw; i++)
    free(e->warns[i]);
  free(e->msgs);
  free(e->warns);
  *e = (otlpd_errors){0};
}

void otlpd_errors_print(const otlpd_errors *e, FILE *f) {
  for (size_t i = 0; i < e->nw; i++)
    fprintf(f, "warning: %s\n", e->warns[i]);
  for (size_t i = 0; i < e->n; i++)
    fprintf(f, "error: %s\n", e->msgs[i]);
}
