# Receivers under hostile load (issue #14): fd exhaustion, decompression
# bounds, slow clients (tests/rxlimits/).
foreach(t fd_exhaustion decompress_bomb slowloris grpc_conn_limits http_unix tls_options conn_cap)
  add_test(NAME rxlimits_${t} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/rxlimits/test_${t}.sh)
  set_tests_properties(rxlimits_${t} PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR};GRPC_BAD_CLIENT=$<TARGET_FILE:grpc_bad_client>;GRPC_AUTH_CLIENT=$<TARGET_FILE:grpc_auth_client>"
    TIMEOUT 300
    FIXTURES_REQUIRED interop_node_modules
    LABELS "e2e;rxlimits")
endforeach()
