# loadbalancing exporter end-to-end tests (tests/loadbalancing/): an agent
# otlpd routes to three gateway otlpd on otelcol's hash ring.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode static down_up dns)
    add_test(NAME loadbalancing_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/loadbalancing/lb.sh ${mode})
    set_tests_properties(loadbalancing_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 180
      LABELS "e2e;loadbalancing")
  endforeach()
else()
  message(WARNING "python3 or curl not found: loadbalancing tests are not registered")
endif()
