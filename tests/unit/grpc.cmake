# OTLP/gRPC receiver pieces that need no server.
otlpd_unit_test(test_grpc_deadline otlpd_recv_otlp)
otlpd_unit_test(test_grpc_conn_cap otlpd_recv_otlp)
