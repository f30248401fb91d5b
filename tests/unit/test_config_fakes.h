/* Fake component factories for the config unit tests: they exercise every
 * setting type without depending on the real components or registry. */
#ifndef TEST_CONFIG_FAKES_H
#define TEST_CONFIG_FAKES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "otlpd/config.h"

typedef struct fake_grpc {
  char *endpoint;
  int64_t max_recv_msg_size_mib;
} fake_grpc;

typedef struct fake_cors {
  otlpd_strings allowed_origins;
} fake_cors;

typedef struct fake_http {
  char *endpoint;
  char *traces_url_path;
  fake_cors cors;
} fake_http;

typedef struct fake_protocols {
  bool grpc_on, http_on;
  fake_grpc grpc;
  fake_http http;
} fake_protocols;

typedef struct fake_otlp_cfg {
  fake_protocols protocols;
} fake_otlp_cfg;

typedef struct fake_batch_cfg {
  int64_t timeout_ns;
  int64_t send_batch_size;
  int64_t send_batch_max_size;
  otlpd_strings metadata_keys;
} fake_batch_cfg;

typedef struct fake_rotation {
  int64_t max_megabytes;
  int64_t max_backups;
  bool localtime;
} fake_rotation;

typedef struct fake_file_cfg {
  char *path;
  int format; /* 0 json, 1 proto */
  bool rotation_on;
  fake_rotation rotation;
  int64_t flush_interval_ns;
  int64_t max_size;
  otlpd_strmap headers;
  double ratio;
  bool append;
  otlpd_strings tags;
  char *endpoint;
} fake_file_cfg;

typedef struct fake_debug_cfg {
  int verbosity; /* basic, normal, detailed */
  int64_t sampling_initial;
} fake_debug_cfg;

typedef struct fake_ext_cfg {
  char *endpoint;
} fake_ext_cfg;

extern const otlpd_setting fake_file_settings[];
extern const otlpd_setting fake_otlp_settings[];
extern const otlpd_factory fake_file_factory;

/* The errors list holds exactly this message. */
static inline int fake_has_error(const otlpd_errors *e, const char *msg) {
  for (size_t i = 0; i < e->n; i++)
    if (strcmp(e->msgs[i], msg) == 0)
      return 1;
  fprintf(stderr, "missing error: %s\nhave %zu:\n", msg, e->n);
  for (size_t i = 0; i < e->n; i++)
    fprintf(stderr, "  %s\n", e->msgs[i]);
  return 0;
}

#endif
