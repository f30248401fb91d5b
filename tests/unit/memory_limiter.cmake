# memory_limiter processor: limits from config and from cgroup/meminfo
# fixture trees (made by the test in a temporary directory), validation,
# refusal and recovery against the memory accounting.
otlpd_unit_test(test_memory_limiter otlpd_proc_memory_limiter)
