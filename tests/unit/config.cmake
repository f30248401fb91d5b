# Config system tests (collector/config). They run against a fake registry
# (test_config_fakes.c) so they never depend on the real components.
# An OBJECT library so the fake registry is always linked: only otlpd_core
# (after it on the link line) refers to otlpd_factory_find.
add_library(otlpd_test_config_fakes OBJECT ${CMAKE_SOURCE_DIR}/tests/unit/test_config_fakes.c)
target_link_libraries(otlpd_test_config_fakes PUBLIC otlpd_core)

otlpd_unit_test(test_config_yaml)
otlpd_unit_test(test_config_values)
otlpd_unit_test(test_config_load)
otlpd_unit_test(test_config_settings otlpd_test_config_fakes)
otlpd_unit_test(test_config_build otlpd_test_config_fakes)
otlpd_unit_test(test_config_sections otlpd_test_config_fakes)
