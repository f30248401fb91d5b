# filelog receiver end-to-end tests (tests/filelog/): CRI and Docker
# container formats with partial lines, rename and copytruncate rotation,
# restart with storage, start_at both ways, multiline, back-pressure,
# a UTF-16LE file, logrotate's compress (.gz) rotation.
find_program(OTLPD_PYTHON3 python3)
if(OTLPD_PYTHON3)
  foreach(t container rotate_rename rotate_copytrunc restart start_at multiline backpressure utf16 gzip_rotate)
    add_test(NAME filelog_${t} COMMAND bash ${CMAKE_SOURCE_DIR}/tests/filelog/filelog.sh ${t})
    set_tests_properties(filelog_${t} PROPERTIES
      ENVIRONMENT "OTLPD=$<TARGET_FILE:otlpd>"
      TIMEOUT 300
      LABELS "e2e;filelog")
  endforeach()
  # 100 MiB in the release build: writing, draining and checking it takes
  # a minute or two on a loaded machine
  set_tests_properties(filelog_backpressure PROPERTIES TIMEOUT 600)
else()
  message(WARNING "python3 not found: filelog end-to-end tests (tests/filelog) are not registered")
endif()
