# Attribute-shaping processors end to end (tests/attrs/): resourcedetection
# -> resource -> attributes -> batch -> file, next to a pipeline without
# processors on the same receiver that must see the original data.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME attrs_chain_fanout COMMAND bash ${CMAKE_SOURCE_DIR}/tests/attrs/attrs.sh)
  set_tests_properties(attrs_chain_fanout PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;attrs")
  add_test(NAME attrs_client_context COMMAND bash ${CMAKE_SOURCE_DIR}/tests/attrs/client_context.sh)
  set_tests_properties(attrs_client_context PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;attrs")
else()
  message(WARNING "curl or python3 not found: the attrs test (tests/attrs) is not registered")
endif()
