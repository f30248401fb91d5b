# otlphttp exporter end-to-end tests (tests/otlphttp/): faults from a test
# OTLP/HTTP backend (otlp_sink.py on tests/lib/fault_server.py), fan-out
# isolation, and agent -> gateway between two otlpd.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode retry permanent fanout block gateway)
    add_test(NAME otlphttp_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/otlphttp/otlphttp.sh ${mode})
    set_tests_properties(otlphttp_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 120
      LABELS "e2e;otlphttp")
  endforeach()
endif()
