/* /metrics text: given counters, the exact Prometheus exposition (HELP and
 * TYPE lines, otelcol's names and labels, label escaping, processors of
 * several pipelines summed, queue gauges only where there is a queue). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telemetry/metrics_render.h"

static const char process_text[] =
    "# HELP otelcol_process_uptime Uptime of the process in seconds.\n"
    "# TYPE otelcol_process_uptime counter\n"
    "otelcol_process_uptime 12.500\n"
    "# HELP otelcol_process_memory_rss Total physical memory (resident set size) in bytes.\n"
    "# TYPE otelcol_process_memory_rss gauge\n"
    "otelcol_process_memory_rss 4096\n"
    "# HELP otelcol_process_cpu_seconds Total CPU user and system time in seconds.\n"
    "# TYPE otelcol_process_cpu_seconds counter\n"
    "otelcol_process_cpu_seconds 1.250\n"
    "# HELP otlpd_memory_limit_bytes Bytes of in-flight data above which receivers refuse new data.\n"
    "# TYPE otlpd_memory_limit_bytes gauge\n"
    "otlpd_memory_limit_bytes 1048576\n"
    "# HELP otlpd_memory_held_bytes Bytes of in-flight data held now.\n"
    "# TYPE otlpd_memory_held_bytes gauge\n"
    "otlpd_memory_held_bytes 512\n";

static const otlpd_metrics_process proc = {.uptime_s = 12.5, .rss_bytes = 4096, .cpu_s = 1.25, .mem_limit = 1048576, .mem_held = 512};

static void assert_text(const otlpd_buf *b, const char *want) {
  char *got = strndup((const char *)b->data, b->len);
  assert_string_equal(got, want);
  free(got);
}

static void test_pipeline(void **state) {
  (void)state;
  static otlpd_counters recv, batch_a, batch_b, file, http;
  memset(&recv, 0, sizeof(recv));
  otlpd_count(&recv.accepted[OTLPD_TRACES], 10);
  otlpd_count(&recv.refused[OTLPD_TRACES], 3);
  otlpd_count(&recv.conn_refused, 4);
  otlpd_count(&recv.tls_reloads, 2);
  otlpd_count(&recv.tls_reload_failures, 1);
  otlpd_count(&batch_a.incoming[OTLPD_TRACES], 10);
  otlpd_count(&batch_a.outgoing[OTLPD_TRACES], 7);
  otlpd_count(&batch_b.incoming[OTLPD_TRACES], 5); /* same id, second traces pipeline */
  otlpd_count_batch_sent(&batch_a, 7);   /* bucket le=10 */
  otlpd_count_batch_sent(&batch_b, 300); /* bucket le=500 */
  otlpd_count(&batch_a.batch_size_trigger, 1);
  otlpd_count(&batch_b.batch_timeout_trigger, 1);
  otlpd_gauge_set(&batch_a.batch_cardinality, 1);
  otlpd_count(&file.sent[OTLPD_TRACES], 7);
  otlpd_count(&http.send_failed[OTLPD_TRACES], 2);
  otlpd_gauge_set(&http.queue_size, 4);
  otlpd_gauge_set(&http.queue_capacity, 1000);
  otlpd_metrics_source src[] = {
      {OTLPD_EXPORTER, "file", OTLPD_SIGNAL_BIT(OTLPD_TRACES), &file},
      {OTLPD_EXPORTER, "otlphttp/a\"b\\c\nd", OTLPD_SIGNAL_BIT(OTLPD_TRACES), &http},
      {OTLPD_PROCESSOR, "batch", OTLPD_SIGNAL_BIT(OTLPD_TRACES), &batch_a},
      {OTLPD_PROCESSOR, "batch", OTLPD_SIGNAL_BIT(OTLPD_TRACES), &batch_b},
      {OTLPD_RECEIVER, "otlp", OTLPD_SIGNAL_BIT(OTLPD_TRACES), &recv},
  };
  otlpd_buf out = {0};
  assert_int_equal(otlpd_metrics_render(&out, src, 5, &proc), 0);
  static const char head[] =
      "# HELP otelcol_receiver_accepted_spans Number of spans successfully pushed into the pipeline.\n"
      "# TYPE otelcol_receiver_accepted_spans counter\n"
      "otelcol_receiver_accepted_spans{receiver=\"otlp\"} 10\n"
      "# HELP otelcol_receiver_refused_spans Number of spans that could not be pushed into the pipeline.\n"
      "# TYPE otelcol_receiver_refused_spans counter\n"
      "otelcol_receiver_refused_spans{receiver=\"otlp\"} 3\n"
      "# HELP otelcol_exporter_sent_spans Number of spans successfully sent to destination.\n"
      "# TYPE otelcol_exporter_sent_spans counter\n"
      "otelcol_exporter_sent_spans{exporter=\"file\"} 7\n"
      "otelcol_exporter_sent_spans{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 0\n"
      "# HELP otelcol_exporter_send_failed_spans Number of spans in failed attempts to send to destination.\n"
      "# TYPE otelcol_exporter_send_failed_spans counter\n"
      "otelcol_exporter_send_failed_spans{exporter=\"file\"} 0\n"
      "otelcol_exporter_send_failed_spans{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 2\n"
      "# HELP otelcol_exporter_enqueue_failed_spans Number of spans failed to be added to the sending queue.\n"
      "# TYPE otelcol_exporter_enqueue_failed_spans counter\n"
      "otelcol_exporter_enqueue_failed_spans{exporter=\"file\"} 0\n"
      "otelcol_exporter_enqueue_failed_spans{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 0\n"
      "# HELP otlpd_exporter_dropped_oldest_spans Number of queued spans dropped to make room for newer data (sending_queue::drop_on_overflow: oldest).\n"
      "# TYPE otlpd_exporter_dropped_oldest_spans counter\n"
      "otlpd_exporter_dropped_oldest_spans{exporter=\"file\"} 0\n"
      "otlpd_exporter_dropped_oldest_spans{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 0\n"
      "# HELP otlpd_receiver_refused_connections Connections closed at once because max_connections was reached.\n"
      "# TYPE otlpd_receiver_refused_connections counter\n"
      "otlpd_receiver_refused_connections{receiver=\"otlp\"} 4\n"
      "# HELP otlpd_receiver_tls_reloads TLS certificate reloads after the files changed (tls::reload_interval).\n"
      "# TYPE otlpd_receiver_tls_reloads counter\n"
      "otlpd_receiver_tls_reloads{receiver=\"otlp\"} 2\n"
      "# HELP otlpd_receiver_tls_reload_failures TLS certificate reloads that failed; the previous certificate kept serving.\n"
      "# TYPE otlpd_receiver_tls_reload_failures counter\n"
      "otlpd_receiver_tls_reload_failures{receiver=\"otlp\"} 1\n"
      "# HELP otelcol_processor_incoming_items Number of items passed to the processor.\n"
      "# TYPE otelcol_processor_incoming_items counter\n"
      "otelcol_processor_incoming_items{processor=\"batch\",otel_signal=\"traces\"} 15\n"
      "# HELP otelcol_processor_outgoing_items Number of items emitted from the processor.\n"
      "# TYPE otelcol_processor_outgoing_items counter\n"
      "otelcol_processor_outgoing_items{processor=\"batch\",otel_signal=\"traces\"} 7\n";
  static const char tail[] =
      "# HELP otelcol_exporter_queue_size Current size of the sending queue.\n"
      "# TYPE otelcol_exporter_queue_size gauge\n"
      "otelcol_exporter_queue_size{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 4\n"
      "# HELP otelcol_exporter_queue_capacity Fixed capacity of the sending queue.\n"
      "# TYPE otelcol_exporter_queue_capacity gauge\n"
      "otelcol_exporter_queue_capacity{exporter=\"otlphttp/a\\\"b\\\\c\\nd\"} 1000\n";
  /* the batch processor's own: both instances of id "batch" summed */
  char batch[4096];
  int at = snprintf(batch, sizeof(batch),
                    "# HELP otelcol_processor_batch_batch_send_size Number of units in the batch.\n"
                    "# TYPE otelcol_processor_batch_batch_send_size histogram\n");
  for (int b = 0; b < OTLPD_BATCH_SIZE_BUCKETS; b++)
    at += snprintf(batch + at, sizeof(batch) - (size_t)at,
                   "otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",le=\"%llu\"} %d\n",
                   (unsigned long long)otlpd_batch_size_bounds[b], otlpd_batch_size_bounds[b] < 500 ? 1 : 2);
  snprintf(batch + at, sizeof(batch) - (size_t)at,
           "otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",le=\"+Inf\"} 2\n"
           "otelcol_processor_batch_batch_send_size_sum{processor=\"batch\"} 307\n"
           "otelcol_processor_batch_batch_send_size_count{processor=\"batch\"} 2\n"
           "# HELP otelcol_processor_batch_batch_size_trigger_send Number of times the batch was sent due to a size trigger.\n"
           "# TYPE otelcol_processor_batch_batch_size_trigger_send counter\n"
           "otelcol_processor_batch_batch_size_trigger_send{processor=\"batch\"} 1\n"
           "# HELP otelcol_processor_batch_timeout_trigger_send Number of times the batch was sent due to a timeout trigger.\n"
           "# TYPE otelcol_processor_batch_timeout_trigger_send counter\n"
           "otelcol_processor_batch_timeout_trigger_send{processor=\"batch\"} 1\n"
           "# HELP otelcol_processor_batch_metadata_cardinality Number of distinct metadata value combinations being processed.\n"
           "# TYPE otelcol_processor_batch_metadata_cardinality gauge\n"
           "otelcol_processor_batch_metadata_cardinality{processor=\"batch\"} 1\n");
  char want[sizeof(head) + sizeof(batch) + sizeof(tail) + sizeof(process_text)];
  snprintf(want, sizeof(want), "%s%s%s%s", head, batch, tail, process_text);
  assert_text(&out, want);
  /* the buffer is reused: a second render replaces, never appends */
  assert_int_equal(otlpd_metrics_render(&out, src, 5, &proc), 0);
  assert_text(&out, want);
  otlpd_buf_free(&out);
}

/* Only wired signals get series; a daemon without components still
 * reports the process. */
static void test_signals_and_empty(void **state) {
  (void)state;
  static otlpd_counters recv;
  otlpd_count(&recv.accepted[OTLPD_LOGS], 2);
  otlpd_metrics_source src[] = {{OTLPD_RECEIVER, "otlp/in", OTLPD_SIGNAL_BIT(OTLPD_LOGS), &recv}};
  otlpd_buf out = {0};
  assert_int_equal(otlpd_metrics_render(&out, src, 1, &proc), 0);
  static const char head[] =
      "# HELP otelcol_receiver_accepted_log_records Number of log records successfully pushed into the pipeline.\n"
      "# TYPE otelcol_receiver_accepted_log_records counter\n"
      "otelcol_receiver_accepted_log_records{receiver=\"otlp/in\"} 2\n"
      "# HELP otelcol_receiver_refused_log_records Number of log records that could not be pushed into the pipeline.\n"
      "# TYPE otelcol_receiver_refused_log_records counter\n"
      "otelcol_receiver_refused_log_records{receiver=\"otlp/in\"} 0\n"
      "# HELP otlpd_receiver_refused_connections Connections closed at once because max_connections was reached.\n"
      "# TYPE otlpd_receiver_refused_connections counter\n"
      "otlpd_receiver_refused_connections{receiver=\"otlp/in\"} 0\n"
      "# HELP otlpd_receiver_tls_reloads TLS certificate reloads after the files changed (tls::reload_interval).\n"
      "# TYPE otlpd_receiver_tls_reloads counter\n"
      "otlpd_receiver_tls_reloads{receiver=\"otlp/in\"} 0\n"
      "# HELP otlpd_receiver_tls_reload_failures TLS certificate reloads that failed; the previous certificate kept serving.\n"
      "# TYPE otlpd_receiver_tls_reload_failures counter\n"
      "otlpd_receiver_tls_reload_failures{receiver=\"otlp/in\"} 0\n";
  char want[sizeof(head) + sizeof(process_text)];
  snprintf(want, sizeof(want), "%s%s", head, process_text);
  assert_text(&out, want);
  assert_int_equal(otlpd_metrics_render(&out, NULL, 0, &proc), 0);
  assert_text(&out, process_text);
  otlpd_buf_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pipeline),
      cmocka_unit_test(test_signals_and_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
