# hostmetrics receiver: every scraper against the fixture tree
# tests/hostmetrics/fixture (exact values), and configuration errors.
otlpd_unit_test(test_hostmetrics otlpd_recv_hostmetrics)
otlpd_unit_test(test_hostmetrics_config otlpd_recv_hostmetrics)
otlpd_unit_test(test_hostmetrics_receiver otlpd_recv_hostmetrics)
