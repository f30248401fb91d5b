# Exporter helper: settings, backoff schedule, sending queue and retries.
otlpd_unit_test(test_exporterhelper_backoff otlpd_exporterhelper)
otlpd_unit_test(test_exporterhelper_sender otlpd_exporterhelper)
otlpd_unit_test(test_exporterhelper_shutdown otlpd_exporterhelper)
otlpd_unit_test(test_exporterhelper_fanout otlpd_exporterhelper)
# The sender over the persistent queue (sending_queue::storage).
otlpd_unit_test(test_exporterhelper_disk otlpd_exporterhelper)
# Receivers' waits held by the persistent queue (many per batch, refused writes).
otlpd_unit_test(test_sender_disk_waits otlpd_exporterhelper)
