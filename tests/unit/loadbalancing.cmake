# loadbalancing exporter unit tests: hash ring and routing.
otlpd_unit_test(test_loadbalancing otlpd_exp_loadbalancing)
