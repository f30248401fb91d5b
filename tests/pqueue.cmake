# Persistent sending queue end to end (tests/pqueue/): otlphttp with
# sending_queue::storage to a backend that is down; kill -9 or SIGTERM,
# restart with the backend up: every span arrives; a full queue pushes
# back; a wrong storage id fails validation; OTLP/gRPC clients (JS SDK)
# into a persistent queue with fsync survive kill -9.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode kill9 fsync concurrent_fsync kill9_repeat sigterm full batch batch_fsync batch_repeat drop_oldest drop_oldest_memory drop_newest_memory disk_full grpc_fsync config)
    add_test(NAME pqueue_${mode} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pqueue/pqueue.sh ${mode})
    set_tests_properties(pqueue_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 300 # seconds normally; minutes on a loaded machine (batch_repeat: six restarts)
      SKIP_RETURN_CODE 77 # disk_full without root
      LABELS "e2e;pqueue")
  endforeach()
  set_tests_properties(pqueue_grpc_fsync PROPERTIES FIXTURES_REQUIRED interop_node_modules)
endif()
