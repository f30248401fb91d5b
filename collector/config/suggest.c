/* "Did you mean" hints for misspelled keys and component types. */
#include <stdlib.h>
#include <string.h>

#include "otlpd/config.h"

#define SUGGEST_MAX 64 /* longer words get no hint */

/* Levenshtein distance, one row at a time. */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
    return SIZE_MAX;
  size_t row[SUGGEST_MAX + 1];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

typedef struct nearest {
  const char *word, *best;
  size_t best_d, limit;
} nearest;

static void consider(nearest *n, const char *cand) {
  if (!cand || !*cand)
    return;
  size_t d = distance(n->word, cand);
  if (d <= n->limit && d < n->best_d) {
    n->best = cand;
    n->best_d = d;
  }
}

static nearest nearest_init(const char *word) {
  size_t len = strlen(word), limit = len / 3;
  return (nearest){word, NULL, SIZE_MAX, limit ? limit : 1};
}

const char *otlpd_suggest(const char *word, const char *const *cands, size_t n) {
  nearest nr = nearest_init(word);
  for (size_t i = 0; i < n; i++)
    consider(&nr, cands[i]);
  return nr.best;
}

static void consider_table(nearest *nr, const otlpd_setting *tbl) {
  for (; tbl && tbl->type != OTLPD_SET_END; tbl++) {
    if (tbl->type == OTLPD_SET_SQUASH)
      consider_table(nr, tbl->sub);
    else
      consider(nr, tbl->key);
  }
}

const char *otlpd_settings_suggest(const otlpd_setting *tbl, const char *word) {
  nearest nr = nearest_init(word);
  consider_table(&nr, tbl);
  return nr.best;
}
