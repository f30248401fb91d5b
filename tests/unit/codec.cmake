# Codec unit tests (protobuf and OTLP-JSON).
otlpd_unit_test(test_codec_pb)
otlpd_unit_test(test_codec_json)
otlpd_unit_test(test_pb_encode_otlp)
otlpd_unit_test(test_pb_shallow)
otlpd_unit_test(test_pb_validate)
