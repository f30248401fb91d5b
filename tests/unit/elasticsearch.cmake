# elasticsearch exporter unit tests: the _bulk answer scanner, documents
# (layout, escaping), routing and body compaction.
otlpd_unit_test(test_es_bulk_response otlpd_exp_elasticsearch)
otlpd_unit_test(test_es_doc otlpd_exp_elasticsearch)
otlpd_unit_test(test_es_doc_ecs otlpd_exp_elasticsearch)
otlpd_unit_test(test_es_doc_metrics otlpd_exp_elasticsearch)
