# hostmetrics receiver end to end (tests/hostmetrics/): the fixture tree as
# root_path into a JSON file exporter (exact values), then the real /proc.
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_PYTHON3)
  add_test(NAME hostmetrics_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/hostmetrics/hostmetrics.sh)
  set_tests_properties(hostmetrics_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;hostmetrics")
else()
  message(WARNING "python3 not found: the hostmetrics test (tests/hostmetrics) is not registered")
endif()
