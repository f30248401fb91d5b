# loki exporter unit tests: labels, ordering, protobuf + snappy framing.
otlpd_unit_test(test_loki otlpd_exp_loki)
