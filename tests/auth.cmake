# Authentication end-to-end tests (tests/auth/): receivers behind
# bearertokenauth and basicauth on both transports, exporters sending
# credentials to a test server, include_metadata through the batch processor.
add_executable(grpc_auth_client ${CMAKE_SOURCE_DIR}/tests/auth/grpc_auth_client.c)
target_link_libraries(grpc_auth_client PRIVATE PkgConfig::GRPC)

find_program(OTLPD_CURL_AUTH curl)
if(OTLPD_CURL_AUTH)
  foreach(t receiver exporters)
    add_test(NAME auth_${t} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/auth/test_auth_${t}.sh)
    set_tests_properties(auth_${t} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR};GRPC_AUTH_CLIENT=$<TARGET_FILE:grpc_auth_client>"
      TIMEOUT 600
      LABELS "e2e;auth")
  endforeach()
endif()
