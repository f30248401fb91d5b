# End-to-end interop: the official OpenTelemetry JS SDK exporters (npm,
# versions pinned in tests/interop/package-lock.json) against the daemon.
find_program(OTLPD_NODE node)
find_program(OTLPD_NPM npm)
if(OTLPD_NODE AND OTLPD_NPM)
  # npm ci once (skipped when node_modules matches the lockfile).
  add_test(NAME interop_npm_ci COMMAND ${CMAKE_SOURCE_DIR}/tests/interop/setup.sh)
  set_tests_properties(interop_npm_ci PROPERTIES FIXTURES_SETUP interop_node_modules TIMEOUT 600)
  add_test(NAME interop_http COMMAND ${CMAKE_SOURCE_DIR}/tests/interop/run_http.sh $<TARGET_FILE:otlpd>)
  set_tests_properties(interop_http PROPERTIES FIXTURES_REQUIRED interop_node_modules TIMEOUT 300 LABELS interop)
else()
  message(WARNING "node/npm not found: interop tests (tests/interop) are not registered")
endif()
