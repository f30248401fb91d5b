# OTLP/gRPC receiver end-to-end tests (tests/grpc/): the daemon with a gRPC
# receiver and a file exporter, driven by the OpenTelemetry JS SDK and by a
# hostile client on gRPC core.
add_executable(grpc_bad_client ${CMAKE_SOURCE_DIR}/tests/grpc/grpc_bad_client.c)
target_link_libraries(grpc_bad_client PRIVATE PkgConfig::GRPC)

foreach(t interop bad_input shutdown tls)
  add_test(NAME grpc_${t} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/grpc/test_grpc_${t}.sh)
  set_tests_properties(grpc_${t} PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR};GRPC_BAD_CLIENT=$<TARGET_FILE:grpc_bad_client>"
    TIMEOUT 300
    LABELS "e2e;grpc")
endforeach()
# The JS SDK senders need tests/interop/node_modules (tests/interop.cmake's
# npm ci fixture; the scripts also run setup.sh themselves when run alone).
set_tests_properties(grpc_interop grpc_tls PROPERTIES FIXTURES_REQUIRED interop_node_modules)
