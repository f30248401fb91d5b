# probabilistic_sampler end to end (tests/probsampler/): one receiver, a
# sampled pipeline and an unsampled one; whole traces, otelcol's kept set.
find_program(OTLPD_CURL curl)
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_CURL AND OTLPD_PYTHON3)
  add_test(NAME probsampler_e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/probsampler/probsampler.sh)
  set_tests_properties(probsampler_e2e PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
    TIMEOUT 120
    LABELS "e2e;probsampler")
else()
  message(WARNING "curl or python3 not found: the probabilistic_sampler test (tests/probsampler) is not registered")
endif()
