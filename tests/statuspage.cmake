# The live status page in Debian's headless Chromium (playwright-core from
# npm, tests/statuspage/package-lock.json). The screenshot is kept in the
# build tree as a test artefact.
find_program(OTLPD_NODE node)
find_program(OTLPD_CURL curl)
if(OTLPD_NODE AND OTLPD_CURL)
  add_test(NAME telemetry_status_page COMMAND ${CMAKE_SOURCE_DIR}/tests/statuspage/status_page.sh)
  set_tests_properties(telemetry_status_page PROPERTIES TIMEOUT 180 LABELS telemetry
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;ARTIFACTS=${CMAKE_BINARY_DIR}")
endif()
