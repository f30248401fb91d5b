/* Per-instance counters, kept in one place so self-telemetry can expose
 * them with otelcol's names (otelcol_receiver_accepted_spans,
 * otelcol_exporter_send_failed_log_records, otelcol_exporter_queue_size, ...).
 *
 * Every instance has one otlpd_counters (otlpd_host.counters), owned by
 * the daemon. Items are spans, metric data points or log records, per
 * signal. Counters are atomic (relaxed) because the gRPC thread counts
 * refusals and exporter workers may count too; readers get a consistent
 * enough view for metrics without locks. */
#ifndef OTLPD_COUNTERS_H
#define OTLPD_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

typedef atomic_uint_fast64_t otlpd_counter;

typedef struct otlpd_counters {
  /* receivers: items accepted into pipelines / refused (retryable or bad);
   * the memory_limiter processor counts what it refuses in refused[] too
   * (otelcol_processor_refused_*) */
  otlpd_counter accepted[3], refused[3];
  /* processors: items in, out, dropped on purpose (sampling, filters) */
  otlpd_counter incoming[3], outgoing[3], dropped[3];
  /* exporters: items the backend acknowledged, items given up on (permanent
   * error, retries exhausted, shutdown), items the queue could not take */
  otlpd_counter sent[3], send_failed[3], enqueue_failed[3];
  otlpd_counter retries;        /* attempts after the first */
  otlpd_counter queue_size;     /* gauge: in the sending queue now (its sizer's unit) */
  otlpd_counter queue_capacity; /* gauge: the queue's capacity (its sizer's unit) */
} otlpd_counters;

static inline void otlpd_count(otlpd_counter *c, uint64_t n) {
  atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}
static inline void otlpd_gauge_set(otlpd_counter *c, uint64_t v) {
  atomic_store_explicit(c, v, memory_order_relaxed);
}
static inline uint64_t otlpd_counter_get(const otlpd_counter *c) {
  return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
