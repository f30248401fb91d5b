/* batch processor: groups data into batches by size and time (otelcol
 * semantics) and holds them when downstream refuses, pushing back on the
 * receivers instead of dropping. */
#ifndef OTLPD_BATCH_PROCESSOR_H
#define OTLPD_BATCH_PROCESSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/component.h"

typedef struct batch_cfg {
  int64_t send_batch_size;
  int64_t send_batch_max_size;
  int64_t timeout; /* ns */
  otlpd_strings metadata_keys;          /* client metadata that splits batches */
  int64_t metadata_cardinality_limit;   /* distinct value combinations kept */
} batch_cfg;

extern const otlpd_setting batch_settings[];
int batch_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

struct batch_proc;

/* One batcher: without metadata_keys the only one; with them one per
 * distinct combination of their values (as otelcol's), each sent on its
 * own size and timeout. */
typedef struct batch_shard {
  struct batch_proc *bp;
  size_t index;           /* in bp->shards */
  char **values;          /* [metadata_keys.n]; NULL = the key was absent */
  otlpd_batch *pending;   /* accepted but not yet delivered */
  otlpd_batch *refused;   /* taken from pending, refused downstream: goes first */
  uint64_t backoff_ms;    /* retry delay while downstream refuses (0: it accepts) */
  uv_timer_t timer;
  bool timer_armed, timer_init, closed;
  bool used; /* shards[0] with metadata_keys: data without them came */
} batch_shard;

typedef struct batch_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  const batch_cfg *cfg;
  otlpd_signal signal;
  otlpd_consumer *next;
  batch_shard **shards;   /* shards[0] exists from create */
  size_t n_shards, cap_shards;
  size_t hold_limit;      /* refuse new data while this many items are held (all shards) */
  bool stopping, started;
  /* an exporter downstream has a persistent queue: nothing is held, each
   * batch goes straight through (batch_passthrough.c) */
  bool passthrough;
  uint64_t refused_downstream;
  uint64_t over_cardinality; /* refusals past metadata_cardinality_limit (logged once) */
} batch_proc;

/* batch_shard.c: the shard an entry's client metadata selects (created
 * when new). NULL past metadata_cardinality_limit or on ENOMEM (*full
 * says which). Without metadata_keys always shards[0]. */
batch_shard *batch_shard_for(batch_proc *bp, const otlpd_client_info *ci, bool *full);
batch_shard *batch_shard_new(batch_proc *bp, const otlpd_client_info *ci);
void batch_shard_free(batch_shard *s);

/* batch_passthrough.c: consume/admit while bp->passthrough. */
int batch_passthrough_consume(batch_proc *bp, otlpd_batch *b);
int batch_passthrough_admit(batch_proc *bp, const otlpd_batch *b);

#endif
