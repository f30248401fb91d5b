/* tail_sampling runtime state, shared by tsamp_hold.c (grouping arriving
 * spans into held traces) and tsamp_processor.c (lifecycle, decisions). */
#ifndef OTLPD_TSAMP_PROC_H
#define OTLPD_TSAMP_PROC_H

#include "tail_sampling.h"

/* One held trace: its spans re-encoded as ExportTraceServiceRequest field-1
 * entries (each a ResourceSpans with the resource, its scopes and only
 * this trace's spans), so holding it pins no request arena. */
typedef struct tsamp_held {
  uint8_t *enc;
  uint32_t len, cap;
  uint32_t spans;
  uint64_t first_ms; /* loop time of its first span */
} tsamp_held;

/* A span of the resource entry in hand: held trace position (or LATE),
 * scope and span index. */
#define TSAMP_LATE UINT32_MAX
typedef struct tsamp_ref {
  uint32_t pos, j, k;
} tsamp_ref;

typedef struct tsamp_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_consumer *next;
  const tsamp_cfg *cfg;
  tsamp_policy *pol;
  tsamp_decision *dec;
  size_t n_pol;
  tsamp_idset traces; /* held, in arrival order */
  tsamp_held *held;   /* parallel to traces.ids */
  tsamp_idset sampled, not_sampled;
  uint64_t wait_ms;
  uv_timer_t timer;
  bool timer_open, shut;
  size_t charged; /* bytes of held encodings charged to host->mem */
  /* scratch, reused */
  tsamp_ref *refs;
  size_t n_refs, refs_cap;
  otlp_span **spans;
  otlp_scope_spans *scv;
  otlp_scope_spans **scp;
  size_t spans_cap, sc_cap;
  tsamp_held late; /* spans of traces already kept, forwarded at the end of consume */
} tsamp_proc;

/* tsamp_hold.c: hold every span of in (or forward / drop it by a cached
 * decision). 0 or -ENOMEM. */
int tsamp_hold_batch(tsamp_proc *ps, const otlpd_batch *in);
int tsamp_held_append(tsamp_proc *ps, tsamp_held *h, const otlp_resource_spans *rs, bool charge);
/* tsamp_processor.c: decide the oldest held trace; now_sec is the wall
 * clock second rate budgets count in, read once per batch of decisions so
 * traces decided together share one second. */
void tsamp_decide_head(tsamp_proc *ps, int64_t now_sec);
/* Decode an encoding into a batch and pass it on (keep) or count it
 * dropped. Frees nothing of h. */
void tsamp_emit(tsamp_proc *ps, const tsamp_held *h, bool keep);

#endif
