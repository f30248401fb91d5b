# Certificate and token rotation (issue #14, tests/tlsreload/): TLS
# reload_interval on both receivers, HTTP mTLS, and exporters picking up a
# rewritten bearertokenauth token file.
foreach(t cert_rotation token_rotation)
  add_test(NAME tlsreload_${t} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tlsreload/test_${t}.sh)
  set_tests_properties(tlsreload_${t} PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
    TIMEOUT 400
    FIXTURES_REQUIRED interop_node_modules
    LABELS "e2e;tlsreload")
endforeach()
