# The daemon's own metrics (collector/telemetry) and the health_check
# extension: renderer and state -> answer, no sockets.
otlpd_unit_test(test_metrics_render otlpd_telemetry)
otlpd_unit_test(test_health_check otlpd_ext_health_check)
otlpd_unit_test(test_config_telemetry otlpd_test_config_fakes)
