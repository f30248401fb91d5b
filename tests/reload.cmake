# SIGHUP reload end to end (bash + curl + python3 against the built daemon).
find_program(OTLPD_CURL curl)
if(OTLPD_CURL)
  add_test(NAME reload_sighup COMMAND ${CMAKE_SOURCE_DIR}/tests/reload/reload.sh)
  set_tests_properties(reload_sighup PROPERTIES TIMEOUT 120 LABELS reload
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>")
endif()
