# Deployment files (deploy/, configs/): configs validate, manifests agree,
# the image's build script stages a working, correctly-packaged otlpd
# (tests/deploy/check.sh). The image's Release build tree lives in this
# build tree and is reused, so only the first run compiles it.
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_PYTHON3)
  add_test(NAME deploy_check COMMAND bash ${CMAKE_SOURCE_DIR}/tests/deploy/check.sh)
  set_tests_properties(deploy_check PROPERTIES
    ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>;OTLPD_SRC=${CMAKE_SOURCE_DIR};DEPLOY_BUILD_DIR=${CMAKE_BINARY_DIR}/deploy-image"
    TIMEOUT 600
    LABELS "deploy")
else()
  message(WARNING "python3 not found: the deployment test (tests/deploy) is not registered")
endif()
