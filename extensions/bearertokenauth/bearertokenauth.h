/* bearertokenauth extension: a static token (or tokens, or a file of
 * them) checked on receivers and sent by exporters. */
#ifndef OTLPD_BEARERTOKENAUTH_H
#define OTLPD_BEARERTOKENAUTH_H

#include <stdbool.h>
#include <sys/stat.h>
#include <uv.h>

#include "otlpd/auth.h"
#include "otlpd/component.h"

typedef struct otlpd_bta_cfg {
  char *header;
  char *scheme;
  char *token;
  otlpd_strings tokens;
  char *filename;
} otlpd_bta_cfg;

extern const otlpd_setting otlpd_bta_settings[];
int otlpd_bta_validate(const void *config, const char *path, struct otlpd_errors *errs);

/* The accepted tokens: the config's, or the file's lines (first
 * whitespace-delimited word of each non-empty line). */
typedef struct otlpd_bta_tokens {
  char **v;
  size_t n;
} otlpd_bta_tokens;

void otlpd_bta_tokens_free(otlpd_bta_tokens *t);
/* Parse file content into tokens. 0, -ENOMEM, or -ENODATA when it holds none. */
int otlpd_bta_tokens_parse(const char *text, size_t len, otlpd_bta_tokens *out);
/* Read and parse a token file (at most 1 MiB). 0 or negative errno. */
int otlpd_bta_tokens_read(const char *path, otlpd_bta_tokens *out);

typedef struct otlpd_bta {
  otlpd_auth pub; /* first: handed out by host->auth */
  const otlpd_bta_cfg *cfg;
  const otlpd_host *host;
  char header_lc[64]; /* the header's lower-case name, for lookups */
  /* Guards tokens and seen: authenticate runs on the loop and on the gRPC
   * receiver thread. */
  uv_mutex_t lock;
  otlpd_bta_tokens tokens;
  struct stat seen; /* the token file as last read */
  bool warned;      /* a failed re-read was logged (once per failure streak) */
  char challenge[80];
} otlpd_bta;

/* Re-read the token file if it changed since it was read (lock held). */
void otlpd_bta_refresh(otlpd_bta *b);

#endif
