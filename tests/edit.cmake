# Editing pipelines end to end (tests/edit/): a receiver feeding two
# pipelines, one with the resource processor; the other's outputs (JSON and
# protobuf) must not see the edit.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME edit_two_pipelines COMMAND bash ${CMAKE_SOURCE_DIR}/tests/edit/edit.sh)
  set_tests_properties(edit_two_pipelines PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;edit")
else()
  message(WARNING "curl or python3 not found: the editing test (tests/edit) is not registered")
endif()
