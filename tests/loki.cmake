# loki exporter end-to-end tests (tests/loki/): a Loki push API test server
# (loki_server.py on tests/lib/fault_server.py) and the real daemon.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode labels json tenant retry reject)
    add_test(NAME loki_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/loki/loki.sh ${mode})
    set_tests_properties(loki_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 120
      LABELS "e2e;loki")
  endforeach()
endif()
