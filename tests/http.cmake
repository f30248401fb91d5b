# OTLP/HTTP end-to-end tests: bash + curl (+ openssl for TLS) against the
# built daemon.
find_program(OTLPD_CURL curl)
find_program(OTLPD_OPENSSL openssl)
if(OTLPD_CURL)
  add_test(NAME http_bad_input COMMAND ${CMAKE_SOURCE_DIR}/tests/http/bad_input.sh $<TARGET_FILE:otlpd>)
  set_tests_properties(http_bad_input PROPERTIES TIMEOUT 120 LABELS http)
  if(OTLPD_OPENSSL)
    add_test(NAME http_protocols COMMAND ${CMAKE_SOURCE_DIR}/tests/http/protocols.sh $<TARGET_FILE:otlpd>)
    set_tests_properties(http_protocols PROPERTIES TIMEOUT 120 LABELS http)
  endif()
else()
  message(WARNING "curl not found: OTLP/HTTP end-to-end tests (tests/http) are not registered")
endif()
