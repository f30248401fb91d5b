# otlp (gRPC) exporter unit tests: status / RetryInfo classification.
otlpd_unit_test(test_otlpgrpc_status otlpd_exp_otlp)
