# k8s_attributes end to end (tests/k8sattr/): a stand-in API server's pod
# list and watch stream, spans tagged by k8s.pod.ip in the file output.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME k8sattr_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/k8sattr/k8sattr.sh)
  set_tests_properties(k8sattr_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 400
    LABELS "e2e;k8sattr")
else()
  message(WARNING "curl or python3 not found: the k8s_attributes test (tests/k8sattr) is not registered")
endif()
