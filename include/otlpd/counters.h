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

/* Bucket bounds of otelcol_processor_batch_batch_send_size (otelcol's). */
#define OTLPD_BATCH_SIZE_BUCKETS 22
static const uint64_t otlpd_batch_size_bounds[OTLPD_BATCH_SIZE_BUCKETS] = {
    10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000,
    4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000};

typedef struct otlpd_counters {
  /* receivers: items accepted into pipelines / refused (retryable or bad);
   * the memory_limiter processor counts what it refuses in refused[] too
   * (otelcol_processor_refused_*) */
  otlpd_counter accepted[3], refused[3];
  /* receivers: connections closed at once for max_connections; TLS
   * certificate reloads done and failed (tls::reload_interval) */
  otlpd_counter conn_refused, tls_reloads, tls_reload_failures;
  /* processors: items in, out, dropped on purpose (sampling, filters) */
  otlpd_counter incoming[3], outgoing[3], dropped[3];
  /* exporters: items the backend acknowledged, items given up on (permanent
   * error, retries exhausted, shutdown), items the queue could not take */
  otlpd_counter sent[3], send_failed[3], enqueue_failed[3];
  /* exporters: items of queued batches dropped to make room for newer
   * ones (sending_queue::drop_on_overflow: oldest) */
  otlpd_counter dropped_oldest[3];
  otlpd_counter retries;        /* attempts after the first */
  otlpd_counter queue_size;     /* gauge: in the sending queue now (its sizer's unit) */
  otlpd_counter queue_capacity; /* gauge: the queue's capacity (its sizer's unit) */
  /* batch processor (otelcol_processor_batch_*): items per batch sent, per
   * bucket (the last is +Inf) and their sum; what triggered each send;
   * metadata value combinations held (gauge) */
  otlpd_counter batch_send_size[OTLPD_BATCH_SIZE_BUCKETS + 1];
  otlpd_counter batch_send_size_sum;
  otlpd_counter batch_size_trigger, batch_timeout_trigger;
  otlpd_counter batch_cardinality;
} otlpd_counters;

/* One batch of n items sent by a batch processor. */
static inline void otlpd_count_batch_sent(otlpd_counters *c, uint64_t n) {
  size_t b = 0;
  while (b < OTLPD_BATCH_SIZE_BUCKETS && n > otlpd_batch_size_bounds[b]) b++;
  atomic_fetch_add_explicit(&c->batch_send_size[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&c->batch_send_size_sum, n, memory_order_relaxed);
}

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
