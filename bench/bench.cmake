# Benchmark helpers (bench/run.sh, `make bench`); not installed, not tests.
add_executable(otlpd_bench_ceiling ${CMAKE_SOURCE_DIR}/bench/ceiling.c)
target_link_libraries(otlpd_bench_ceiling PRIVATE otlpd_core)
add_executable(otlpd_bench_count ${CMAKE_SOURCE_DIR}/bench/count_output.c)
target_link_libraries(otlpd_bench_count PRIVATE otlpd_core)
# Loki push sink for the loki-logs scenario (answers 204, counts entries).
find_library(OTLPD_BENCH_SNAPPY snappy)
if(OTLPD_BENCH_SNAPPY)
  add_executable(otlpd_bench_loki_sink ${CMAKE_SOURCE_DIR}/bench/loki_sink.c)
  target_link_libraries(otlpd_bench_loki_sink PRIVATE ${OTLPD_BENCH_SNAPPY} pthread)
endif()
