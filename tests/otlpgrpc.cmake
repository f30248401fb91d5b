# otlp (gRPC) exporter end-to-end tests (tests/otlpgrpc/): agent -> gateway
# between two otlpd, and faults from a @grpc/grpc-js test server
# (fault_server.js, needs tests/interop/node_modules).
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode gateway_gzip gateway_none headers unavailable exhausted_retryinfo exhausted_plain
               invalid partial slow down_up tls cancel)
    add_test(NAME otlpgrpc_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/otlpgrpc/otlpgrpc.sh ${mode})
    set_tests_properties(otlpgrpc_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 180
      LABELS "e2e;otlpgrpc")
  endforeach()
  set_tests_properties(otlpgrpc_headers otlpgrpc_unavailable otlpgrpc_exhausted_retryinfo
    otlpgrpc_exhausted_plain otlpgrpc_invalid otlpgrpc_partial otlpgrpc_slow otlpgrpc_down_up
    otlpgrpc_cancel
    PROPERTIES FIXTURES_REQUIRED interop_node_modules)
else()
  message(WARNING "python3 or curl not found: otlp exporter tests (tests/otlpgrpc) are not registered")
endif()
