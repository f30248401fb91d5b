# filter + transform end to end (tests/filter/): a filtering, editing pipeline next to an
# unfiltered one on the same receiver, all three signals.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME filter_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/filter/filter.sh)
  set_tests_properties(filter_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;filter")
else()
  message(WARNING "curl or python3 not found: the filter test (tests/filter) is not registered")
endif()
