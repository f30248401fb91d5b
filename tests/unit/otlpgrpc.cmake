# otlp (gRPC) exporter unit tests: status / RetryInfo classification; the
# request message gathered over the clients' bytes.
otlpd_unit_test(test_otlpgrpc_status otlpd_exp_otlp)
otlpd_unit_test(test_otlpgrpc_body otlpd_exp_otlp)
