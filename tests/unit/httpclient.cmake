# Shared HTTP client: Retry-After parsing, and the client on a real loop
# against tests/lib/fault_server.py (python3, openssl CLI for TLS).
otlpd_unit_test(test_retry_after otlpd_httpclient)
otlpd_unit_test(test_http_client otlpd_httpclient PkgConfig::ZSTD PkgConfig::ZLIB)
set_tests_properties(test_http_client PROPERTIES TIMEOUT 180)
