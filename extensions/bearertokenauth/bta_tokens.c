/* Token lists: from a file's lines (pure parsing, unit-tested). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bearertokenauth.h"

#define TOKEN_FILE_MAX ((size_t)1024 * 1024)

void otlpd_bta_tokens_free(otlpd_bta_tokens *t) {
  for (size_t i = 0; i < t->n; i++) {
    explicit_bzero(t->v[i], strlen(t->v[i]));
    free(t->v[i]);
  }
  free(t->v);
  t->v = NULL;
  t->n = 0;
}

static bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static int push(otlpd_bta_tokens *t, const char *p, size_t n) {
  char **v = realloc(t->v, (t->n + 1) * sizeof(*v));
  if (!v) return -ENOMEM;
  t->v = v;
  if (!(v[t->n] = strndup(p, n))) return -ENOMEM;
  t->n++;
  return 0;
}

int otlpd_bta_tokens_parse(const char *text, size_t len, otlpd_bta_tokens *out) {
  otlpd_bta_tokens t = {NULL, 0};
  size_t i = 0;
  while (i < len) {
    while (i < len && space(text[i])) i++;
    size_t start = i;
    while (i < len && !space(text[i]) && text[i] != '\n') i++;
    if (i > start && push(&t, text + start, i - start) != 0) {
      otlpd_bta_tokens_free(&t);
      return -ENOMEM;
    }
    while (i < len && text[i] != '\n') i++; /* the rest of the line is a comment */
    i++;
  }
  if (t.n == 0) return -ENODATA;
  *out = t;
  return 0;
}

int otlpd_bta_tokens_read(const char *path, otlpd_bta_tokens *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  char *buf = malloc(TOKEN_FILE_MAX);
  if (!buf) {
    close(fd);
    return -ENOMEM;
  }
  size_t len = 0;
  ssize_t r;
  while (len < TOKEN_FILE_MAX && (r = read(fd, buf + len, TOKEN_FILE_MAX - len)) != 0) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      r = -errno;
      close(fd);
      free(buf);
      return (int)r;
    }
    len += (size_t)r;
  }
  close(fd);
  int rc = otlpd_bta_tokens_parse(buf, len, out);
  explicit_bzero(buf, len);
  free(buf);
  return rc;
}
