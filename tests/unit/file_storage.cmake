# file_storage extension: defaults, directory validation, directory creation.
otlpd_unit_test(test_file_storage otlpd_ext_file_storage)
