/* What a filelog receiver builds once from its config (operators, the
 * multiline patterns, the worker's scratch) and frees at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"
#include "filelog_read.h"

static int compile(const char *re, pcre2_code **out) {
  int code;
  PCRE2_SIZE at;
  if (!re) return 0;
  if (!(*out = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &at, NULL))) return -EINVAL;
  pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE); /* best effort: the interpreter is the fallback */
  return 0;
}

int fl_recv_init(filelog_recv *r, char *why, size_t whylen) {
  int rc;
  if (!(r->scratch = calloc(1, sizeof(*r->scratch)))) return -ENOMEM;
  if ((rc = fl_ops_build(r->cfg, &r->ops, why, whylen)) < 0) return rc;
  if ((r->enc = fl_encoding_parse(r->cfg->encoding)) < 0) {
    snprintf(why, whylen, "encoding: not supported");
    return -EINVAL;
  }
  if ((r->gz = fl_compression_parse(r->cfg->compression)) < 0) {
    snprintf(why, whylen, "compression: not supported");
    return -EINVAL;
  }
  if (!r->cfg->has_multiline) return 0;
  if (compile(r->cfg->multiline.line_start_pattern, &r->ml_start) < 0 ||
      compile(r->cfg->multiline.line_end_pattern, &r->ml_end) < 0) {
    snprintf(why, whylen, "multiline: bad pattern");
    return -EINVAL;
  }
  return (r->md = pcre2_match_data_create(32, NULL)) ? 0 : -ENOMEM;
}

void fl_recv_fini(filelog_recv *r) {
  while (r->readers) {
    fl_reader *rd = r->readers;
    r->readers = rd->next;
    fl_reader_free(rd);
  }
  while (r->known) {
    fl_known *k = r->known;
    r->known = k->next;
    free(k->fp);
    free(k);
  }
  fl_ops_free(&r->ops);
  if (r->md) pcre2_match_data_free(r->md);
  if (r->ml_start) pcre2_code_free(r->ml_start);
  if (r->ml_end) pcre2_code_free(r->ml_end);
  if (r->scratch) {
    free(r->scratch->lines);
    free(r->scratch->ents);
    free(r->scratch);
  }
  free(r->store_path);
  r->md = NULL;
  r->ml_start = r->ml_end = NULL;
  r->scratch = NULL;
  r->store_path = NULL;
}
