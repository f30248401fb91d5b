# Benchmark helpers (bench/run.sh, `make bench`); not installed, not tests.
add_executable(otlpd_bench_ceiling ${CMAKE_SOURCE_DIR}/bench/ceiling.c)
target_link_libraries(otlpd_bench_ceiling PRIVATE otlpd_core)
add_executable(otlpd_bench_count ${CMAKE_SOURCE_DIR}/bench/count_output.c)
target_link_libraries(otlpd_bench_count PRIVATE otlpd_core)
