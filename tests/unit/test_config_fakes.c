/* Fake registry for the config unit tests (see test_config_fakes.h). */
#include <stddef.h>
#include <string.h>

#include "test_config_fakes.h"

static const otlpd_setting grpc_tbl[] = {
    OTLPD_S_ENDPOINT(fake_grpc, "endpoint", endpoint, "0.0.0.0:4317", "listen address"),
    OTLPD_S_INT(fake_grpc, "max_recv_msg_size_mib", max_recv_msg_size_mib, "4", 1, 1024,
                "largest request"),
    OTLPD_S_END,
};

static const otlpd_setting cors_tbl[] = {
    OTLPD_S_STRINGS(fake_cors, "allowed_origins", allowed_origins, "CORS origins"),
    OTLPD_S_END,
};

static const otlpd_setting http_tbl[] = {
    OTLPD_S_ENDPOINT(fake_http, "endpoint", endpoint, "0.0.0.0:4318", "listen address"),
    OTLPD_S_STRING(fake_http, "traces_url_path", traces_url_path, "/v1/traces", "traces path"),
    OTLPD_S_SECTION(fake_http, "cors", cors, cors_tbl, "CORS"),
    OTLPD_S_END,
};

static const otlpd_setting protocols_tbl[] = {
    OTLPD_S_SECTION_P(fake_protocols, "grpc", grpc, grpc_on, grpc_tbl, "OTLP/gRPC"),
    OTLPD_S_SECTION_P(fake_protocols, "http", http, http_on, http_tbl, "OTLP/HTTP"),
    OTLPD_S_END,
};

const otlpd_setting fake_otlp_settings[] = {
    OTLPD_S_SECTION(fake_otlp_cfg, "protocols", protocols, protocols_tbl, "protocols"),
    OTLPD_S_END,
};

static int otlp_validate(const void *config, const char *path, struct otlpd_errors *errs) {
  const fake_otlp_cfg *c = config;
  if (c->protocols.grpc_on || c->protocols.http_on)
    return 0;
  otlpd_errorf(errs, "%s::protocols: enable grpc or http", path);
  return -1;
}

static const otlpd_setting batch_tbl[] = {
    OTLPD_S_DURATION(fake_batch_cfg, "timeout", timeout_ns, "200ms", "flush after"),
    OTLPD_S_INT(fake_batch_cfg, "send_batch_size", send_batch_size, "8192", 1, 1e9, "target"),
    OTLPD_S_INT(fake_batch_cfg, "send_batch_max_size", send_batch_max_size, "0", 0, 1e9, "cap"),
    OTLPD_S_STRINGS(fake_batch_cfg, "metadata_keys", metadata_keys, "partition keys"),
    OTLPD_S_IGNORED("metadata_cardinality_limit", "accepted, unused"),
    OTLPD_S_END,
};

static const char *const formats[] = {"json", "proto", NULL};

static const otlpd_setting rotation_tbl[] = {
    OTLPD_S_INT(fake_rotation, "max_megabytes", max_megabytes, "100", 1, 10000, "rotate size"),
    OTLPD_S_INT(fake_rotation, "max_backups", max_backups, "100", 0, 0, "files kept"),
    OTLPD_S_BOOL(fake_rotation, "localtime", localtime, "false", "local time names"),
    OTLPD_S_END,
};

const otlpd_setting fake_file_settings[] = {
    OTLPD_S_STRING(fake_file_cfg, "path", path, NULL, "output file"),
    OTLPD_S_ENUM(fake_file_cfg, "format", format, "json", formats, "encoding"),
    OTLPD_S_SECTION_P(fake_file_cfg, "rotation", rotation, rotation_on, rotation_tbl, "rotation"),
    OTLPD_S_DURATION(fake_file_cfg, "flush_interval", flush_interval_ns, "1s", "flush period"),
    OTLPD_S_SIZE(fake_file_cfg, "max_size", max_size, "10MiB", "size cap"),
    OTLPD_S_MAP(fake_file_cfg, "headers", headers, "extra headers"),
    OTLPD_S_DOUBLE(fake_file_cfg, "ratio", ratio, "0.5", 0, 1, "sample ratio"),
    OTLPD_S_BOOL(fake_file_cfg, "append", append, "false", "append to file"),
    {"tags", OTLPD_SET_STRINGS, offsetof(fake_file_cfg, tags), "[a, b]", "tags", NULL, NULL, 0, 0,
     OTLPD_NO_OFFSET, 0},
    OTLPD_S_ENDPOINT(fake_file_cfg, "endpoint", endpoint, NULL, "optional remote"),
    OTLPD_S_IGNORED("group_by", "accepted, unused"),
    OTLPD_S_END,
};

static int file_validate(const void *config, const char *path, struct otlpd_errors *errs) {
  const fake_file_cfg *c = config;
  if (c->path && *c->path)
    return 0;
  otlpd_errorf(errs, "%s::path: must be set", path);
  return -1;
}

static const char *const verbosities[] = {"basic", "normal", "detailed", NULL};

static const otlpd_setting debug_tbl[] = {
    OTLPD_S_ENUM(fake_debug_cfg, "verbosity", verbosity, "basic", verbosities, "detail"),
    OTLPD_S_INT(fake_debug_cfg, "sampling_initial", sampling_initial, "2", 0, 0, "first N"),
    OTLPD_S_END,
};

static const otlpd_setting empty_tbl[] = {OTLPD_S_END};

static const otlpd_setting ext_tbl[] = {
    OTLPD_S_ENDPOINT(fake_ext_cfg, "endpoint", endpoint, "0.0.0.0:13133", "listen address"),
    OTLPD_S_END,
};

static const otlpd_factory otlp_factory = {.type = "otlp",
                                           .kind = OTLPD_RECEIVER,
                                           .signals = OTLPD_ALL_SIGNALS,
                                           .settings = fake_otlp_settings,
                                           .config_size = sizeof(fake_otlp_cfg),
                                           .validate = otlp_validate};
static const otlpd_factory batch_factory = {.type = "batch",
                                            .kind = OTLPD_PROCESSOR,
                                            .signals = OTLPD_ALL_SIGNALS,
                                            .settings = batch_tbl,
                                            .config_size = sizeof(fake_batch_cfg)};
const otlpd_factory fake_file_factory = {.type = "file",
                                         .kind = OTLPD_EXPORTER,
                                         .signals = OTLPD_ALL_SIGNALS,
                                         .settings = fake_file_settings,
                                         .config_size = sizeof(fake_file_cfg),
                                         .validate = file_validate};
static const otlpd_factory debug_factory = {.type = "debug",
                                            .kind = OTLPD_EXPORTER,
                                            .signals = OTLPD_ALL_SIGNALS,
                                            .settings = debug_tbl,
                                            .config_size = sizeof(fake_debug_cfg)};
static const otlpd_factory logsonly_factory = {.type = "logsonly",
                                               .kind = OTLPD_EXPORTER,
                                               .signals = OTLPD_SIGNAL_BIT(OTLPD_LOGS),
                                               .settings = empty_tbl,
                                               .config_size = 0};
static const otlpd_factory health_factory = {.type = "health",
                                             .kind = OTLPD_EXTENSION,
                                             .signals = 0,
                                             .settings = ext_tbl,
                                             .config_size = sizeof(fake_ext_cfg)};

static const otlpd_factory *const all[] = {&otlp_factory,  &batch_factory,    &fake_file_factory,
                                           &debug_factory, &logsonly_factory, &health_factory};

const otlpd_factory *otlpd_factory_find(otlpd_kind kind, const char *type, size_t type_len) {
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]->kind == kind && strlen(all[i]->type) == type_len &&
        memcmp(all[i]->type, type, type_len) == 0)
      return all[i];
  return NULL;
}

const otlpd_factory *const *otlpd_factories(size_t *n) {
  *n = sizeof(all) / sizeof(all[0]);
  return all;
}
