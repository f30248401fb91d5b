/* file exporter settings, with otelcol fileexporter's key names and
 * defaults, and its cross-field rules (append excludes rotation and
 * compression). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file_exporter.h"
#include "otlpd/config.h"

static const char *const format_choices[] = {"json", "proto", NULL};

static const otlpd_setting rotation_settings[] = {
    OTLPD_S_INT(file_rotation_cfg, "max_megabytes", max_megabytes, "100", 0, 1048576,
                "rotate once the file would pass this many MiB (0 means 100)"),
    OTLPD_S_INT(file_rotation_cfg, "max_days", max_days, "0", 0, 365000,
                "delete backups older than this many days, by the time in their name (0 = keep)"),
    OTLPD_S_INT(file_rotation_cfg, "max_backups", max_backups, "100", 0, 1000000,
                "keep at most this many backups, newest first (0 = keep all)"),
    OTLPD_S_BOOL(file_rotation_cfg, "localtime", localtime, "false",
                 "backup names use local time instead of UTC"),
    OTLPD_S_END,
};

const otlpd_setting file_settings[] = {
    OTLPD_S_STRING(file_cfg, "path", path, NULL, "file to write (required)"),
    OTLPD_S_BOOL(file_cfg, "append", append, "false",
                 "append to an existing file instead of truncating it at start"),
    OTLPD_S_SECTION_P(file_cfg, "rotation", rotation, has_rotation, rotation_settings,
                      "rotate the file by size (absent = never rotate)"),
    OTLPD_S_ENUM(file_cfg, "format", format, "json", format_choices,
                 "json: one OTLP-JSON request per line; proto: 4-byte big-endian length + protobuf"),
    OTLPD_S_STRING(file_cfg, "compression", compression, NULL,
                   "zstd: each record is a zstd frame behind a 4-byte length (empty = none)"),
    OTLPD_S_DURATION(file_cfg, "flush_interval", flush_interval, "1s",
                     "buffered records are written at least this often"),
    OTLPD_S_BOOL(file_cfg, "create_directory", create_directory, "false",
                 "create missing parent directories at start"),
    OTLPD_S_STRING(file_cfg, "directory_permissions", directory_permissions, NULL,
                   "octal mode for created directories (default 0755; needs create_directory)"),
    OTLPD_S_SIZE(file_cfg, "write_queue_size", write_queue_size, "16MiB",
                 "otlpd: bytes encoded but not yet written before new data is refused"),
    OTLPD_S_IGNORED("group_by", "accepted for otelcol compatibility; everything goes to path"),
    OTLPD_S_END,
};

int file_cfg_dir_mode(const file_cfg *c) {
  const char *s = c->directory_permissions && *c->directory_permissions ? c->directory_permissions
                                                                        : "0755";
  char *end;
  long v = strtol(s, &end, 8);
  if (*end || end == s || v < 0 || v > 0777) return -1;
  return (int)v;
}

int file_validate(const void *config, const char *path, otlpd_errors *errs) {
  const file_cfg *c = config;
  size_t before = errs->n;
  bool compressed = c->compression && *c->compression;
  if (!c->path || !*c->path) otlpd_errorf(errs, "%s::path: must be set to the file to write", path);
  if (compressed && strcmp(c->compression, "zstd") != 0)
    otlpd_errorf(errs, "%s::compression: \"%s\" is not supported (use zstd, or leave it empty)",
                 path, c->compression);
  if (c->append && compressed)
    otlpd_errorf(errs, "%s: append and compression cannot be used together", path);
  if (c->append && c->has_rotation)
    otlpd_errorf(errs, "%s: append and rotation cannot be used together", path);
  if (c->flush_interval < 0)
    otlpd_errorf(errs, "%s::flush_interval: must not be negative", path);
  if (c->write_queue_size < 0)
    otlpd_errorf(errs, "%s::write_queue_size: must not be negative", path);
  if (c->directory_permissions && *c->directory_permissions) {
    if (!c->create_directory)
      otlpd_errorf(errs, "%s::directory_permissions: needs create_directory: true", path);
    else if (file_cfg_dir_mode(c) < 0)
      otlpd_errorf(errs, "%s::directory_permissions: \"%s\" is not an octal mode like 0755", path,
                   c->directory_permissions);
  }
  return errs->n > before ? -EINVAL : 0;
}
