/* hash_seed mode (otelcol-contrib sampler_mode.go hashingSampler,
 * tracesprocessor.go, logsprocessor.go). It keeps or drops; unlike
 * otelcol it does not write rv/th into the items it keeps (README). */
#include <string.h>

#include "probabilistic_sampler.h"

psamp_verdict psamp_hash_span(const psamp_rule *r, const otlp_span *sp) {
  psamp_prio prio = psamp_span_priority(sp);
  if (prio == PSAMP_PRIO_NOT) return PSAMP_DROP;
  uint64_t th = prio == PSAMP_PRIO_MUST ? PSAMP_ALWAYS : PSAMP_NEVER;
  /* a tracestate it cannot use leaves the priority's threshold */
  if (prio == PSAMP_PRIO_DEFER && !psamp_tracestate_refused(sp->trace_state)) th = r->threshold;
  return th <= psamp_trace_hash(r->seed, sp->trace_id) ? PSAMP_KEEP : PSAMP_DROP;
}

/* hashingSampler.randomnessFromLogRecord: randomness from the hash, and
 * records that already carry sampling attributes are refused. */
static bool hash_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd) {
  bool have;
  if (r->logs_by_trace_id) {
    *rnd = psamp_trace_hash(r->seed, lr->trace_id);
    have = true;
  } else {
    have = psamp_attr_randomness(r, lr, rnd);
  }
  return have && !*psamp_str_attr(lr, "sampling.threshold") && !*psamp_str_attr(lr, "sampling.randomness");
}

psamp_verdict psamp_hash_log(const psamp_rule *r, const otlp_log_record *lr) {
  uint64_t rnd = PSAMP_RND_MISSING, th;
  if (!hash_randomness(r, lr, &rnd)) th = r->fail_closed ? PSAMP_NEVER : PSAMP_ALWAYS;
  else th = r->threshold;
  if (r->priority_attr) {
    uint64_t pth = psamp_priority_threshold(r, lr);
    if (pth < th) th = pth;
  }
  return th <= rnd ? PSAMP_KEEP : PSAMP_DROP;
}
