/* resourcedetection processor: attributes of the host otlpd runs on (env,
 * system, k8snode detectors, as otelcol-contrib's), detected once at start
 * and merged into every resource (override or insert-only). */
#ifndef OTLPD_RESOURCEDETECTION_H
#define OTLPD_RESOURCEDETECTION_H

#include "attraction/attraction.h"
#include "otlpd/component.h"

typedef struct rd_enabled {
  bool enabled;
} rd_enabled;

typedef struct rd_system_attrs {
  rd_enabled host_name, host_id, os_type;
} rd_system_attrs;

typedef struct rd_system_cfg {
  otlpd_strings hostname_sources; /* dns, os (default [dns, os]) */
  rd_system_attrs attrs;
} rd_system_cfg;

typedef struct rd_k8snode_cfg {
  char *node_from_env_var;
} rd_k8snode_cfg;

typedef struct rd_cfg {
  otlpd_strings detectors;
  bool override;
  int64_t timeout;
  rd_system_cfg system;
  rd_k8snode_cfg k8snode;
} rd_cfg;

extern const otlpd_setting rd_settings[];
int rd_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* Where detection reads the host from; tests pass fakes. */
typedef struct rd_sources {
  const char *(*getenv)(void *ctx, const char *name);
  void *ctx;
  const char *const *machine_id_paths; /* NULL-terminated; first readable wins */
  int (*hostname)(char *buf, size_t len); /* the OS host name; 0 or -errno */
  int (*fqdn)(const char *host, char *buf, size_t len); /* dns source; 0 or -errno */
  const char *os_type; /* NULL: uname's */
} rd_sources;

/* The real host. */
extern const rd_sources rd_host_sources;

/* Detected attributes in detector order (an earlier detector's key wins). */
typedef struct rd_attrs {
  char **keys, **values;
  otlpd_value *vals; /* values as otlpd_value strings, for attraction */
  size_t n;
} rd_attrs;

/* Run the configured detectors; what cannot be detected is logged (lg)
 * and left out. 0 or -ENOMEM. */
int rd_detect(const rd_cfg *c, const rd_sources *src, const otlpd_logger *lg, rd_attrs *out);
void rd_attrs_free(rd_attrs *a);
/* OTEL_RESOURCE_ATTRIBUTES as the specification: key=value pairs joined
 * by ',', spaces trimmed, values percent-decoded. Appends to out (keys
 * already present are kept). 0, -EINVAL (malformed: nothing added, err
 * says why) or -ENOMEM. */
int rd_parse_env_attrs(const char *s, rd_attrs *out, char *err, size_t errlen);
/* Append key=value unless key is already there. 0 or -ENOMEM. */
int rd_attrs_add(rd_attrs *a, const char *key, size_t klen, const char *value, size_t vlen);

/* The processor's start() with other sources (tests). */
int rd_processor_start_with(void *state, const rd_sources *src);

#endif
