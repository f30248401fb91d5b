# The daemon's own metrics (/metrics) and the health_check extension, end
# to end: bash + curl + python3 against the built daemon.
find_program(OTLPD_CURL curl)
if(OTLPD_CURL)
  add_test(NAME telemetry_metrics COMMAND ${CMAKE_SOURCE_DIR}/tests/telemetry/metrics.sh)
  add_test(NAME telemetry_health_check COMMAND ${CMAKE_SOURCE_DIR}/tests/telemetry/health_check.sh)
  set_tests_properties(telemetry_metrics telemetry_health_check PROPERTIES TIMEOUT 120 LABELS telemetry
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>")
else()
  message(WARNING "curl not found: telemetry end-to-end tests are not registered")
endif()
