/* otelcol's filterset: strict (whole string equal) or regexp (PCRE2,
 * unanchored like Go's MatchString). Compiled once at create. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "hostmetrics.h"

int hm_filter_init(hm_filter *f, const hm_match_cfg *cfg, size_t *err_item, char *msg, size_t msglen) {
  f->cfg = cfg;
  f->re = NULL;
  if (cfg->match_type != HM_MATCH_REGEXP || cfg->items.n == 0) return 0;
  f->re = calloc(cfg->items.n, sizeof(void *));
  if (!f->re) return -ENOMEM;
  for (size_t i = 0; i < cfg->items.n; i++) {
    int code;
    PCRE2_SIZE off;
    f->re[i] = pcre2_compile((PCRE2_SPTR)cfg->items.v[i], PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!f->re[i]) {
      if (err_item) *err_item = i;
      if (msg) pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, msglen);
      hm_filter_free(f);
      return -EINVAL;
    }
  }
  return 0;
}

void hm_filter_free(hm_filter *f) {
  if (f->re)
    for (size_t i = 0; i < f->cfg->items.n; i++) pcre2_code_free(f->re[i]);
  free(f->re);
  f->re = NULL;
}

bool hm_filter_match(const hm_filter *f, const char *s) {
  if (!f->cfg) return false;
  for (size_t i = 0; i < f->cfg->items.n; i++) {
    if (!f->re) {
      if (strcmp(f->cfg->items.v[i], s) == 0) return true;
      continue;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(f->re[i], NULL);
    if (!md) return false;
    int rc = pcre2_match(f->re[i], (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    if (rc >= 0) return true;
  }
  return false;
}

bool hm_filter_keep(const hm_filter *inc, const hm_filter *exc, const char *s) {
  if (inc->cfg && inc->cfg->items.n && !hm_filter_match(inc, s)) return false;
  return !hm_filter_match(exc, s);
}
