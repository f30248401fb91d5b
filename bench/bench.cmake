# Benchmark helpers (bench/run.sh, `make bench`); not installed, not tests.
add_executable(otlpd_bench_ceiling ${CMAKE_SOURCE_DIR}/bench/ceiling.c)
target_link_libraries(otlpd_bench_ceiling PRIVATE otlpd_core)
add_executable(otlpd_bench_count ${CMAKE_SOURCE_DIR}/bench/count_output.c)
target_link_libraries(otlpd_bench_count PRIVATE otlpd_core)
# Backend stand-in for the loki-logs and es-* scenarios (answers at once,
# counts what arrived).
find_library(OTLPD_BENCH_SNAPPY snappy)
if(OTLPD_BENCH_SNAPPY)
  add_executable(otlpd_bench_sink ${CMAKE_SOURCE_DIR}/bench/backend_sink.c)
  target_link_libraries(otlpd_bench_sink PRIVATE ${OTLPD_BENCH_SNAPPY} PkgConfig::ZLIB pthread)
endif()
# CPU per hostmetrics scrape on this machine's /proc (bench/README.md).
add_executable(otlpd_bench_hostmetrics ${CMAKE_SOURCE_DIR}/bench/hostmetrics_scrape.c)
target_link_libraries(otlpd_bench_hostmetrics PRIVATE otlpd_recv_hostmetrics otlpd_core)
# k8s_attributes: per-resource lookup and tagging cost with 1,000 pods.
add_executable(otlpd_bench_k8sattr ${CMAKE_SOURCE_DIR}/bench/k8sattr_lookup.c)
target_link_libraries(otlpd_bench_k8sattr PRIVATE otlpd_proc_k8s_attributes otlpd_core)
# OTLP/gRPC backend stand-in for the forward-*-grpc and loadbalancing
# scenarios (answers at once, counts what arrived).
add_executable(otlpd_bench_grpc_sink ${CMAKE_SOURCE_DIR}/bench/grpc_sink.c)
target_link_libraries(otlpd_bench_grpc_sink PRIVATE PkgConfig::GRPC)
