# Exporter unit tests (file, debug).
#
# The file exporter compresses with zstd; the root CMakeLists does not list
# zstd for otlpd_exp_file yet, so add it here (harmless once it does).
target_link_libraries(otlpd_exp_file PUBLIC PkgConfig::ZSTD)

otlpd_unit_test(test_file_exporter otlpd_exp_file PkgConfig::ZSTD)
otlpd_unit_test(test_file_rotate otlpd_exp_file)
otlpd_unit_test(test_debug_exporter otlpd_exp_debug)
otlpd_unit_test(test_otlphttp_response otlpd_exp_otlphttp)
