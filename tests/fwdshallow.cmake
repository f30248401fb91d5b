# Forwarding with the shallow decode (tests/fwdshallow/): items byte-intact
# through otlphttp and otlp exporters and batch splits; a receiver that also
# feeds a pipeline reading items decodes fully.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode forward mixed)
    add_test(NAME fwdshallow_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fwdshallow/fwdshallow.sh ${mode})
    set_tests_properties(fwdshallow_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
      TIMEOUT 120
      LABELS "e2e;fwdshallow")
  endforeach()
endif()
