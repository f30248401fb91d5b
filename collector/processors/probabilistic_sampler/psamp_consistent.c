/* The OTEP 235 modes, proportional and equalizing (otelcol-contrib
 * sampler_mode.go consistentTracestateCommon, proportionalSampler,
 * equalizingSampler, neverSampler; tracesprocessor.go, logsprocessor.go).
 * Randomness is an explicit rv (tracestate) / sampling.randomness
 * (logs), else the trace id's low 56 bits, else (logs) the hashed
 * from_attribute. A kept item gets its new threshold written back: the
 * tracestate's ot=th: (re-serialized as otelcol does) or the record's
 * sampling.threshold attribute. otelcol's 0 % (never-sampler) also
 * decides here for logs. */
#include <string.h>

#include "probabilistic_sampler.h"

/* The threshold the mode asks for, given an arriving one. */
static uint64_t decide(const psamp_rule *r, bool has_th, uint64_t th_in) {
  if (r->never) return PSAMP_NEVER;
  if (r->mode == PSAMP_MODE_EQUALIZING) return r->threshold;
  double incoming = has_th ? (double)(PSAMP_MAX_ADJUSTED - th_in) / (double)PSAMP_MAX_ADJUSTED : 1.0;
  uint64_t th;
  int rc = psamp_prob_threshold(incoming * r->ratio, r->precision, &th);
  if (rc == PSAMP_ERANGE) return PSAMP_NEVER; /* fell below the smallest probability */
  return rc == 0 ? th : PSAMP_ALWAYS;         /* underflow: otelcol's AlwaysSampleThreshold */
}

psamp_verdict psamp_consistent_span(const psamp_rule *r, const otlp_span *sp, char *out, size_t cap) {
  psamp_prio prio = psamp_span_priority(sp);
  if (prio == PSAMP_PRIO_NOT) return PSAMP_DROP;
  uint64_t th = prio == PSAMP_PRIO_MUST ? PSAMP_ALWAYS : PSAMP_NEVER, rnd = PSAMP_RND_MISSING;
  psamp_ts t;
  bool parsed = psamp_ts_parse(sp->trace_state, &t), have = false, err = !parsed;
  if (parsed && t.has_rv) {
    rnd = t.rv;
    have = true;
  } else if (parsed) {
    have = psamp_trace_random56(sp->trace_id, &rnd);
  }
  if (!err && !have) err = true; /* ErrMissingRandomness */
  if (!err && t.has_th && t.th > rnd) {
    t.has_th = false; /* inconsistent arriving threshold: cleared */
    err = true;
  }
  if (!err && prio == PSAMP_PRIO_DEFER) th = decide(r, t.has_th, t.th);
  if (th > rnd) return PSAMP_DROP;
  if (!parsed) return PSAMP_KEEP;
  if (!(t.has_th && t.th > th)) { /* never raise an arriving probability */
    t.has_th = true;
    t.th = th;
  }
  const char *orig = sp->trace_state ? sp->trace_state : "";
  if (psamp_ts_write(orig, &t, out, cap) < 0) return PSAMP_KEEP;
  return strcmp(out, orig) ? PSAMP_KEEP_EDIT : PSAMP_KEEP;
}

/* newLogRecordCarrier + consistentTracestateCommon.randomnessFromLogRecord
 * + consistencyCheck. false: an error (fail_closed decides). */
static bool log_randomness(const psamp_rule *r, const otlp_log_record *lr, uint64_t *rnd, bool *has_th,
                           uint64_t *th_in, bool *parsed) {
  const char *tv = psamp_str_attr(lr, "sampling.threshold"), *rv = psamp_str_attr(lr, "sampling.randomness");
  uint64_t v;
  *has_th = false;
  *parsed = false;
  if (*tv) {
    if (!psamp_parse_hex(tv, strlen(tv), 1, 14, &v)) return false;
    *has_th = true;
    *th_in = v << (4 * (14 - strlen(tv)));
  }
  if (*rv && !psamp_parse_hex(rv, strlen(rv), 14, 14, &v)) return false;
  *parsed = true;
  bool have = true;
  if (*rv) *rnd = v;
  else if (!psamp_trace_random56(lr->trace_id, rnd)) have = psamp_attr_randomness(r, lr, rnd);
  if (!have) return false;
  if (*has_th && *th_in > *rnd) {
    *has_th = false; /* cleared; a kept record gets a new one */
    return false;
  }
  return true;
}

psamp_verdict psamp_consistent_log(const psamp_rule *r, const otlp_log_record *lr, char *out, size_t cap) {
  uint64_t rnd = PSAMP_RND_MISSING, th_in = 0, th;
  bool has_th, parsed;
  if (log_randomness(r, lr, &rnd, &has_th, &th_in, &parsed)) th = decide(r, has_th, th_in);
  else th = r->fail_closed ? PSAMP_NEVER : PSAMP_ALWAYS;
  if (r->priority_attr) {
    uint64_t pth = psamp_priority_threshold(r, lr);
    if (pth < th) th = pth;
  }
  if (th > rnd) return PSAMP_DROP;
  if (!parsed || (has_th && th < th_in) || cap < PSAMP_TV_CAP) return PSAMP_KEEP;
  psamp_tvalue(th, out);
  return strcmp(out, psamp_str_attr(lr, "sampling.threshold")) ? PSAMP_KEEP_EDIT : PSAMP_KEEP;
}
