# OTLP/HTTP receiver tests: the server on a real loop with fake consumers,
# and its pieces (decompression bounds, CORS matching).
otlpd_unit_test(test_http_server otlpd_recv_otlp pthread)
otlpd_unit_test(test_http_body otlpd_recv_otlp)
set_tests_properties(test_http_server PROPERTIES TIMEOUT 120)
otlpd_unit_test(test_otlp_response otlpd_recv_otlp)
# The receiver counts a request waiting for durable writes once they are done.
otlpd_unit_test(test_otlp_ingest_wait otlpd_recv_otlp)
