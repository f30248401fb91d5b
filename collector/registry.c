/* Every component otlpd knows. Adding one: its folder plus one line here. */
#include <string.h>

#include "otlpd/component.h"

extern const otlpd_factory otlpd_receiver_otlp;
extern const otlpd_factory otlpd_receiver_filelog;
extern const otlpd_factory otlpd_receiver_hostmetrics;
extern const otlpd_factory otlpd_processor_batch;
extern const otlpd_factory otlpd_processor_memory_limiter;
extern const otlpd_factory otlpd_processor_resource;
extern const otlpd_factory otlpd_processor_attributes;
extern const otlpd_factory otlpd_processor_resourcedetection;
extern const otlpd_factory otlpd_processor_probabilistic_sampler;
extern const otlpd_factory otlpd_processor_tail_sampling;
extern const otlpd_factory otlpd_processor_k8s_attributes;
extern const otlpd_factory otlpd_processor_k8sattributes;
extern const otlpd_factory otlpd_processor_filter;
extern const otlpd_factory otlpd_processor_transform;
extern const otlpd_factory otlpd_exporter_file;
extern const otlpd_factory otlpd_exporter_debug;
extern const otlpd_factory otlpd_exporter_otlphttp;
extern const otlpd_factory otlpd_exporter_otlp_http;
extern const otlpd_factory otlpd_exporter_otlp;
extern const otlpd_factory otlpd_exporter_otlp_grpc;
extern const otlpd_factory otlpd_exporter_elasticsearch;
extern const otlpd_factory otlpd_exporter_loki;
extern const otlpd_factory otlpd_exporter_loadbalancing;
extern const otlpd_factory otlpd_extension_health_check;
extern const otlpd_factory otlpd_extension_file_storage;
extern const otlpd_factory otlpd_extension_bearertokenauth;
extern const otlpd_factory otlpd_extension_basicauth;

static const otlpd_factory *const factories[] = {
    &otlpd_receiver_otlp,
    &otlpd_receiver_filelog,
    &otlpd_receiver_hostmetrics,
    &otlpd_processor_batch,
    &otlpd_processor_memory_limiter,
    &otlpd_processor_resource,
    &otlpd_processor_attributes,
    &otlpd_processor_resourcedetection,
    &otlpd_processor_probabilistic_sampler,
    &otlpd_processor_tail_sampling,
    &otlpd_processor_k8s_attributes,
    &otlpd_processor_k8sattributes,
    &otlpd_processor_filter,
    &otlpd_processor_transform,
    &otlpd_exporter_file,
    &otlpd_exporter_debug,
    &otlpd_exporter_otlphttp,
    &otlpd_exporter_otlp_http,
    &otlpd_exporter_otlp,
    &otlpd_exporter_otlp_grpc,
    &otlpd_exporter_elasticsearch,
    &otlpd_exporter_loki,
    &otlpd_exporter_loadbalancing,
    &otlpd_extension_health_check,
    &otlpd_extension_file_storage,
    &otlpd_extension_bearertokenauth,
    &otlpd_extension_basicauth,
};

const otlpd_factory *const *otlpd_factories(size_t *n) {
  *n = sizeof(factories) / sizeof(factories[0]);
  return factories;
}

const otlpd_factory *otlpd_factory_find(otlpd_kind kind, const char *type, size_t len) {
  for (size_t i = 0; i < sizeof(factories) / sizeof(factories[0]); i++) {
    const otlpd_factory *f = factories[i];
    if (f->kind == kind && strlen(f->type) == len && memcmp(f->type, type, len) == 0) return f;
  }
  return NULL;
}
