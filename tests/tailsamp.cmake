# tail_sampling end to end (tests/tailsamp/): policies keep whole error and
# slow traces; late spans; num_traces bound; shutdown flush.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME tailsamp_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tailsamp/tailsamp.sh)
  set_tests_properties(tailsamp_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;tailsamp")
else()
  message(WARNING "curl or python3 not found: the tail_sampling test (tests/tailsamp) is not registered")
endif()

# Over gRPC with rate_limiting, composite, and, drop (tests/tailsamp/tailsamp_grpc.sh);
# the sender is @grpc/grpc-js from tests/interop/node_modules.
find_program(OTLPD_NODE node)
if(OTLPD_NODE AND OTLPD_PYTHON3)
  add_test(NAME tailsamp_grpc COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tailsamp/tailsamp_grpc.sh)
  set_tests_properties(tailsamp_grpc PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 180
    FIXTURES_REQUIRED interop_node_modules
    LABELS "e2e;tailsamp")
endif()
