/* Renders otlpd_counters as otelcol's internal metrics. Names follow the
 * otelcol documentation, without the `_total` suffix the OTel Prometheus
 * exporter adds (counters are still TYPE counter). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "metrics_render.h"

static const char *const item_suffix[OTLPD_SIGNAL_COUNT] = {"spans", "metric_points", "log_records"};
static const char *const item_words[OTLPD_SIGNAL_COUNT] = {"spans", "metric points", "log records"};
static const char *const signal_names[OTLPD_SIGNAL_COUNT] = {"traces", "metrics", "logs"};

typedef struct per_signal_family {
  otlpd_kind kind;
  const char *prefix;
  size_t offset;     /* of the otlpd_counter[3] in otlpd_counters */
  const char *help;  /* %s = item words */
} per_signal_family;

static const per_signal_family signal_families[] = {
    {OTLPD_RECEIVER, "otelcol_receiver_accepted_", offsetof(otlpd_counters, accepted),
     "Number of %s successfully pushed into the pipeline."},
    {OTLPD_RECEIVER, "otelcol_receiver_refused_", offsetof(otlpd_counters, refused),
     "Number of %s that could not be pushed into the pipeline."},
    {OTLPD_EXPORTER, "otelcol_exporter_sent_", offsetof(otlpd_counters, sent),
     "Number of %s successfully sent to destination."},
    {OTLPD_EXPORTER, "otelcol_exporter_send_failed_", offsetof(otlpd_counters, send_failed),
     "Number of %s in failed attempts to send to destination."},
    {OTLPD_EXPORTER, "otelcol_exporter_enqueue_failed_", offsetof(otlpd_counters, enqueue_failed),
     "Number of %s failed to be added to the sending queue."},
    {OTLPD_EXPORTER, "otlpd_exporter_dropped_oldest_", offsetof(otlpd_counters, dropped_oldest),
     "Number of queued %s dropped to make room for newer data (sending_queue::drop_on_overflow: oldest)."},
};

static const char *const kind_label[OTLPD_KIND_COUNT] = {"receiver", "processor", "exporter", "extension"};

static const otlpd_counter *counter_at(const otlpd_counters *c, size_t offset, int s) {
  return (const otlpd_counter *)(const void *)((const char *)c + offset) + s;
}

/* First of its kind and id? Later duplicates are summed into it. */
static bool first_of(const otlpd_metrics_source *src, size_t i) {
  for (size_t j = 0; j < i; j++)
    if (src[j].kind == src[i].kind && strcmp(src[j].id, src[i].id) == 0) return false;
  return true;
}

static uint64_t sum(const otlpd_metrics_source *src, size_t n, size_t i, size_t offset, int s) {
  uint64_t v = 0;
  for (size_t j = i; j < n; j++)
    if (src[j].kind == src[i].kind && strcmp(src[j].id, src[i].id) == 0)
      v += otlpd_counter_get(counter_at(src[j].c, offset, s));
  return v;
}

static unsigned signals_of(const otlpd_metrics_source *src, size_t n, size_t i) {
  unsigned m = 0;
  for (size_t j = i; j < n; j++)
    if (src[j].kind == src[i].kind && strcmp(src[j].id, src[i].id) == 0) m |= src[j].signals;
  return m;
}

int otlpd_metrics_label_value(otlpd_buf *out, const char *v) {
  for (; *v; v++) {
    const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
    int rc = esc ? otlpd_buf_append(out, esc, 2) : otlpd_buf_append(out, v, 1);
    if (rc < 0) return rc;
  }
  return 0;
}

static int header(otlpd_buf *out, const char *name, const char *suffix, const char *type, const char *help,
                  const char *word) {
  int rc = otlpd_buf_printf(out, "# HELP %s%s ", name, suffix);
  if (rc == 0) rc = otlpd_buf_printf(out, help, word);
  if (rc == 0) rc = otlpd_buf_printf(out, "\n# TYPE %s%s %s\n", name, suffix, type);
  return rc;
}

/* name{kind="id"[,otel_signal="s"]} value */
static int series(otlpd_buf *out, const char *name, const char *suffix, const otlpd_metrics_source *m,
                  const char *signal, uint64_t v) {
  int rc = otlpd_buf_printf(out, "%s%s{%s=\"", name, suffix, kind_label[m->kind]);
  if (rc == 0) rc = otlpd_metrics_label_value(out, m->id);
  if (rc == 0 && signal) rc = otlpd_buf_printf(out, "\",otel_signal=\"%s", signal);
  if (rc == 0) rc = otlpd_buf_printf(out, "\"} %llu\n", (unsigned long long)v);
  return rc;
}

static int render_per_signal(otlpd_buf *out, const per_signal_family *f, const otlpd_metrics_source *src,
                             size_t n) {
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    bool headed = false;
    for (size_t i = 0; i < n; i++) {
      if (src[i].kind != f->kind || !first_of(src, i) || !(signals_of(src, n, i) & OTLPD_SIGNAL_BIT(s)))
        continue;
      int rc = headed ? 0 : header(out, f->prefix, item_suffix[s], "counter", f->help, item_words[s]);
      headed = true;
      if (rc == 0) rc = series(out, f->prefix, item_suffix[s], &src[i], NULL, sum(src, n, i, f->offset, s));
      if (rc < 0) return rc;
    }
  }
  return 0;
}

/* otelcol_processor_{incoming,outgoing}_items{processor, otel_signal} */
static int render_processor_items(otlpd_buf *out, const char *name, size_t offset, const char *help,
                                  const otlpd_metrics_source *src, size_t n) {
  bool headed = false;
  for (size_t i = 0; i < n; i++) {
    if (src[i].kind != OTLPD_PROCESSOR || !first_of(src, i)) continue;
    unsigned sig = signals_of(src, n, i);
    for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
      if (!(sig & OTLPD_SIGNAL_BIT(s))) continue;
      int rc = headed ? 0 : header(out, name, "", "counter", help, "");
      headed = true;
      if (rc == 0) rc = series(out, name, "", &src[i], signal_names[s], sum(src, n, i, offset, s));
      if (rc < 0) return rc;
    }
  }
  return 0;
}

static bool is_type(const char *id, const char *type) {
  size_t n = strlen(type);
  return strncmp(id, type, n) == 0 && (id[n] == 0 || id[n] == '/');
}

/* otelcol's filter processor: otelcol_processor_filter_{spans,datapoints,
 * logs}_filtered{filter="<id>"}, from the items it dropped. */
static int render_filtered(otlpd_buf *out, const otlpd_metrics_source *src, size_t n) {
  static const char *const what[OTLPD_SIGNAL_COUNT] = {"spans", "datapoints", "logs"};
  for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++) {
    bool headed = false;
    for (size_t i = 0; i < n; i++) {
      if (src[i].kind != OTLPD_PROCESSOR || !is_type(src[i].id, "filter") || !first_of(src, i) ||
          !(signals_of(src, n, i) & OTLPD_SIGNAL_BIT(s)))
        continue;
      int rc = 0;
      if (!headed)
        rc = otlpd_buf_printf(out, "# HELP otelcol_processor_filter_%s_filtered Number of %s dropped by the "
                              "filter processor.\n# TYPE otelcol_processor_filter_%s_filtered counter\n",
                              what[s], item_words[s], what[s]);
      headed = true;
      if (rc == 0) rc = otlpd_buf_printf(out, "otelcol_processor_filter_%s_filtered{filter=\"", what[s]);
      if (rc == 0) rc = otlpd_metrics_label_value(out, src[i].id);
      if (rc == 0)
        rc = otlpd_buf_printf(out, "\"} %llu\n",
                              (unsigned long long)sum(src, n, i, offsetof(otlpd_counters, dropped), s));
      if (rc < 0) return rc;
    }
  }
  return 0;
}

static int batch_label(otlpd_buf *out, const char *name, const otlpd_metrics_source *m) {
  int rc = otlpd_buf_printf(out, "%s{processor=\"", name);
  if (rc == 0) rc = otlpd_metrics_label_value(out, m->id);
  return rc;
}

/* otelcol's batch processor metrics: the send-size histogram, the trigger
 * counters and the metadata cardinality, per batch processor id. */
static int render_batch(otlpd_buf *out, const otlpd_metrics_source *src, size_t n) {
  static const char *const hist = "otelcol_processor_batch_batch_send_size";
  static const struct { const char *name, *type, *help; size_t off; } scalars[] = {
      {"otelcol_processor_batch_batch_size_trigger_send", "counter",
       "Number of times the batch was sent due to a size trigger.", offsetof(otlpd_counters, batch_size_trigger)},
      {"otelcol_processor_batch_timeout_trigger_send", "counter",
       "Number of times the batch was sent due to a timeout trigger.", offsetof(otlpd_counters, batch_timeout_trigger)},
      {"otelcol_processor_batch_metadata_cardinality", "gauge",
       "Number of distinct metadata value combinations being processed.", offsetof(otlpd_counters, batch_cardinality)},
  };
  bool any = false;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (src[i].kind != OTLPD_PROCESSOR || !is_type(src[i].id, "batch") || !first_of(src, i)) continue;
    if (!any)
      rc = otlpd_buf_printf(out, "# HELP %s Number of units in the batch.\n# TYPE %s histogram\n", hist, hist);
    any = true;
    uint64_t cum = 0;
    for (int b = 0; b <= OTLPD_BATCH_SIZE_BUCKETS && rc == 0; b++) {
      cum += sum(src, n, i, offsetof(otlpd_counters, batch_send_size), b);
      rc = batch_label(out, "otelcol_processor_batch_batch_send_size_bucket", &src[i]);
      if (rc == 0 && b < OTLPD_BATCH_SIZE_BUCKETS)
        rc = otlpd_buf_printf(out, "\",le=\"%llu\"} %llu\n", (unsigned long long)otlpd_batch_size_bounds[b],
                              (unsigned long long)cum);
      else if (rc == 0)
        rc = otlpd_buf_printf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    if (rc == 0) rc = batch_label(out, "otelcol_processor_batch_batch_send_size_sum", &src[i]);
    if (rc == 0)
      rc = otlpd_buf_printf(out, "\"} %llu\n",
                            (unsigned long long)sum(src, n, i, offsetof(otlpd_counters, batch_send_size_sum), 0));
    if (rc == 0) rc = batch_label(out, "otelcol_processor_batch_batch_send_size_count", &src[i]);
    if (rc == 0) rc = otlpd_buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
  }
  for (size_t k = 0; k < sizeof(scalars) / sizeof(scalars[0]) && rc == 0 && any; k++) {
    rc = otlpd_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", scalars[k].name, scalars[k].help, scalars[k].name,
                          scalars[k].type);
    for (size_t i = 0; i < n && rc == 0; i++) {
      if (src[i].kind != OTLPD_PROCESSOR || !is_type(src[i].id, "batch") || !first_of(src, i)) continue;
      rc = batch_label(out, scalars[k].name, &src[i]);
      if (rc == 0)
        rc = otlpd_buf_printf(out, "\"} %llu\n", (unsigned long long)sum(src, n, i, scalars[k].off, 0));
    }
  }
  return rc;
}

/* otlpd's own receiver counters, for the otlp receivers (the only ones
 * with connections and certificates). */
static int render_receiver_scalars(otlpd_buf *out, const otlpd_metrics_source *src, size_t n) {
  static const struct {
    const char *name, *help;
    size_t off;
  } fams[] = {
      {"otlpd_receiver_refused_connections", "Connections closed at once because max_connections was reached.%s",
       offsetof(otlpd_counters, conn_refused)},
      {"otlpd_receiver_tls_reloads", "TLS certificate reloads after the files changed (tls::reload_interval).%s",
       offsetof(otlpd_counters, tls_reloads)},
      {"otlpd_receiver_tls_reload_failures",
       "TLS certificate reloads that failed; the previous certificate kept serving.%s",
       offsetof(otlpd_counters, tls_reload_failures)},
  };
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    bool headed = false;
    for (size_t i = 0; i < n; i++) {
      if (src[i].kind != OTLPD_RECEIVER || !is_type(src[i].id, "otlp") || !first_of(src, i)) continue;
      int rc = headed ? 0 : header(out, fams[f].name, "", "counter", fams[f].help, "");
      headed = true;
      if (rc == 0) rc = series(out, fams[f].name, "", &src[i], NULL, sum(src, n, i, fams[f].off, 0));
      if (rc < 0) return rc;
    }
  }
  return 0;
}

/* Queue gauges only for exporters that have a sending queue. */
static int render_queue_gauge(otlpd_buf *out, const char *name, size_t offset, const char *help,
                              const otlpd_metrics_source *src, size_t n) {
  bool headed = false;
  for (size_t i = 0; i < n; i++) {
    if (src[i].kind != OTLPD_EXPORTER || !first_of(src, i) ||
        otlpd_counter_get(&src[i].c->queue_capacity) == 0)
      continue;
    int rc = headed ? 0 : header(out, name, "", "gauge", help, "");
    headed = true;
    if (rc == 0) rc = series(out, name, "", &src[i], NULL, sum(src, n, i, offset, 0));
    if (rc < 0) return rc;
  }
  return 0;
}

static int render_process(otlpd_buf *out, const otlpd_metrics_process *p) {
  int rc = header(out, "otelcol_process_uptime", "", "counter", "Uptime of the process in seconds.%s", "");
  if (rc == 0) rc = otlpd_buf_printf(out, "otelcol_process_uptime %.3f\n", p->uptime_s);
  if (rc == 0)
    rc = header(out, "otelcol_process_memory_rss", "", "gauge", "Total physical memory (resident set size) in bytes.%s", "");
  if (rc == 0) rc = otlpd_buf_printf(out, "otelcol_process_memory_rss %llu\n", (unsigned long long)p->rss_bytes);
  if (rc == 0)
    rc = header(out, "otelcol_process_cpu_seconds", "", "counter", "Total CPU user and system time in seconds.%s", "");
  if (rc == 0) rc = otlpd_buf_printf(out, "otelcol_process_cpu_seconds %.3f\n", p->cpu_s);
  if (rc == 0)
    rc = header(out, "otlpd_memory_limit_bytes", "", "gauge",
                "Bytes of in-flight data above which receivers refuse new data.%s", "");
  if (rc == 0) rc = otlpd_buf_printf(out, "otlpd_memory_limit_bytes %llu\n", (unsigned long long)p->mem_limit);
  if (rc == 0)
    rc = header(out, "otlpd_memory_held_bytes", "", "gauge", "Bytes of in-flight data held now.%s", "");
  if (rc == 0) rc = otlpd_buf_printf(out, "otlpd_memory_held_bytes %llu\n", (unsigned long long)p->mem_held);
  return rc;
}

int otlpd_metrics_render(otlpd_buf *out, const otlpd_metrics_source *src, size_t n,
                         const otlpd_metrics_process *p) {
  otlpd_buf_clear(out);
  int rc = 0;
  for (size_t f = 0; f < sizeof(signal_families) / sizeof(signal_families[0]) && rc == 0; f++)
    rc = render_per_signal(out, &signal_families[f], src, n);
  if (rc == 0) rc = render_receiver_scalars(out, src, n);
  if (rc == 0)
    rc = render_processor_items(out, "otelcol_processor_incoming_items", offsetof(otlpd_counters, incoming),
                                "Number of items passed to the processor.%s", src, n);
  if (rc == 0)
    rc = render_processor_items(out, "otelcol_processor_outgoing_items", offsetof(otlpd_counters, outgoing),
                                "Number of items emitted from the processor.%s", src, n);
  if (rc == 0) rc = render_filtered(out, src, n);
  if (rc == 0) rc = render_batch(out, src, n);
  if (rc == 0)
    rc = render_queue_gauge(out, "otelcol_exporter_queue_size", offsetof(otlpd_counters, queue_size),
                            "Current size of the sending queue.%s", src, n);
  if (rc == 0)
    rc = render_queue_gauge(out, "otelcol_exporter_queue_capacity", offsetof(otlpd_counters, queue_capacity),
                            "Fixed capacity of the sending queue.%s", src, n);
  if (rc == 0) rc = render_process(out, p);
  return rc;
}
