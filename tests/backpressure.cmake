# Back-pressure end-to-end tests (tests/backpressure/): a file exporter
# stuck on a FIFO must make otlpd refuse with HTTP 503 / gRPC UNAVAILABLE,
# hold its memory bounded, and lose nothing once the FIFO drains.
add_executable(grpc_flood_client ${CMAKE_SOURCE_DIR}/tests/backpressure/grpc_flood_client.c)
target_link_libraries(grpc_flood_client PRIVATE otlpd_core PkgConfig::GRPC)

find_program(OTLPD_PYTHON3 python3)
if(OTLPD_PYTHON3)
  foreach(t http_retry grpc_retry http_stop grpc_stop http_retry_fanout grpc_stop_fanout http_deadline)
    string(REPLACE "_" ";" args ${t})
    add_test(NAME backpressure_${t}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/backpressure/backpressure.sh ${args})
    set_tests_properties(backpressure_${t} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR};GRPC_FLOOD_CLIENT=$<TARGET_FILE:grpc_flood_client>"
      TIMEOUT 120
      LABELS "e2e;backpressure")
  endforeach()
else()
  message(WARNING "python3 not found: back-pressure tests (tests/backpressure) are not registered")
endif()
