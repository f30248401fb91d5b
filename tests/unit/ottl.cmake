otlpd_unit_test(test_ottl otlpd_ottl)
