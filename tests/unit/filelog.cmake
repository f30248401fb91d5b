# filelog receiver unit tests: the operators (container formats and path
# metadata, parsers, field edits, severity, time), field paths, globs and
# file identity by fingerprint.
otlpd_unit_test(test_filelog_ops otlpd_recv_filelog)
otlpd_unit_test(test_filelog_scan otlpd_recv_filelog)
otlpd_unit_test(test_filelog_utf16 otlpd_recv_filelog)
otlpd_unit_test(test_filelog_gz otlpd_recv_filelog PkgConfig::ZLIB)
