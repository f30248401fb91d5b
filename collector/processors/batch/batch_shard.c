/* Batches per client metadata (metadata_keys): which shard an entry goes
 * to. Shards live until the processor is destroyed, as in otelcol. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch_processor.h"

/* metadata_keys are matched case-insensitively; the receiver lower-cased
 * what it kept. */
static const char *meta(const otlpd_client_info *ci, const char *key) {
  if (!ci) return NULL;
  for (size_t i = 0; i < ci->nmeta; i++)
    if (strcasecmp(ci->keys[i], key) == 0) return ci->values[i];
  return NULL;
}

static bool matches(const batch_shard *s, const otlpd_strings *keys, const otlpd_client_info *ci) {
  for (size_t k = 0; k < keys->n; k++) {
    const char *v = meta(ci, keys->v[k]);
    if (!v != !s->values[k] || (v && strcmp(v, s->values[k]) != 0)) return false;
  }
  return true;
}

void batch_shard_free(batch_shard *s) {
  if (!s) return;
  size_t n = s->bp->cfg->metadata_keys.n;
  for (size_t k = 0; s->values && k < n; k++) free(s->values[k]);
  free(s->values);
  otlpd_batch_unref(s->refused);
  otlpd_batch_unref(s->pending);
  free(s);
}

batch_shard *batch_shard_new(batch_proc *bp, const otlpd_client_info *ci) {
  const otlpd_strings *keys = &bp->cfg->metadata_keys;
  batch_shard *s = calloc(1, sizeof(*s));
  if (!s) return NULL;
  s->bp = bp;
  s->pending = otlpd_batch_new(bp->signal, bp->host->mem);
  s->values = keys->n ? calloc(keys->n, sizeof(*s->values)) : NULL;
  bool ok = s->pending && (!keys->n || s->values);
  for (size_t k = 0; ok && k < keys->n; k++) {
    const char *v = meta(ci, keys->v[k]);
    if (v && !(s->values[k] = strdup(v))) ok = false;
  }
  if (ok && bp->started) { /* shards made after start need their timer now */
    ok = uv_timer_init(bp->host->loop, &s->timer) == 0;
    s->timer.data = s;
    s->timer_init = ok;
  }
  if (!ok) {
    batch_shard_free(s);
    return NULL;
  }
  return s;
}

batch_shard *batch_shard_for(batch_proc *bp, const otlpd_client_info *ci, bool *full) {
  *full = false;
  const otlpd_strings *keys = &bp->cfg->metadata_keys;
  if (!keys->n) return bp->shards[0];
  for (size_t i = 0; i < bp->n_shards; i++)
    if (matches(bp->shards[i], keys, ci)) {
      if (i == 0 && !bp->shards[0]->used) { /* the first use of "no metadata" is a new combination too */
        if (bp->n_shards - 1 >= (size_t)bp->cfg->metadata_cardinality_limit) {
          *full = true;
          return NULL;
        }
        bp->shards[0]->used = true;
      }
      return bp->shards[i];
    }
  /* shards[0] (no metadata at all) counts once data without the keys came */
  size_t combos = bp->n_shards - (bp->shards[0]->used ? 0 : 1);
  if (combos >= (size_t)bp->cfg->metadata_cardinality_limit) {
    *full = true;
    return NULL;
  }
  if (bp->n_shards == bp->cap_shards) {
    size_t cap = bp->cap_shards * 2;
    batch_shard **v = realloc(bp->shards, cap * sizeof(*v));
    if (!v) return NULL;
    bp->shards = v;
    bp->cap_shards = cap;
  }
  batch_shard *s = batch_shard_new(bp, ci);
  if (s) {
    s->index = bp->n_shards;
    bp->shards[bp->n_shards++] = s;
  }
  return s;
}
