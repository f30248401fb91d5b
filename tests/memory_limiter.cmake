# memory_limiter end to end (tests/memory_limiter/): validate accepts it and
# names a bad key's path, the daemon logs the limit in force and where it
# came from (precedence over OTLPD_MEMORY_LIMIT_MIB), a request that decodes
# past the soft limit gets 503 and a small one after it is delivered once.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME memory_limiter_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/memory_limiter/memory_limiter.sh)
  set_tests_properties(memory_limiter_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e")
else()
  message(WARNING "curl or python3 not found: the memory_limiter end-to-end test is not registered")
endif()
