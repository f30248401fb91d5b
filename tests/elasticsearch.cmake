# elasticsearch exporter end-to-end tests (tests/elasticsearch/): the real
# daemon against es_server.py (a _bulk stand-in on tests/lib/fault_server.py),
# and es_server.py checked against the official Elasticsearch client.
find_program(OTLPD_PYTHON3 python3)
find_program(OTLPD_CURL curl)
if(OTLPD_PYTHON3 AND OTLPD_CURL)
  foreach(mode otel ecs raw none metrics metrics_ecs setup race index item429 permanent whole503 down failover routing)
    add_test(NAME elasticsearch_${mode}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/elasticsearch/elasticsearch.sh ${mode})
    set_tests_properties(elasticsearch_${mode} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR}"
      TIMEOUT 300
      LABELS "e2e;elasticsearch")
  endforeach()
endif()
find_program(OTLPD_NODE node)
find_program(OTLPD_NPM npm)
if(OTLPD_PYTHON3 AND OTLPD_NODE AND OTLPD_NPM)
  # node_modules comes from tests/interop (interop_npm_ci, tests/interop.cmake).
  add_test(NAME elasticsearch_client COMMAND bash ${CMAKE_SOURCE_DIR}/tests/elasticsearch/es_client.sh)
  set_tests_properties(elasticsearch_client PROPERTIES
    FIXTURES_REQUIRED interop_node_modules TIMEOUT 120 LABELS "interop;elasticsearch")
endif()
