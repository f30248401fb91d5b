/* file_storage extension (otelcol-contrib's keys): a directory where
 * exporters keep their persistent sending queues (sending_queue::storage).
 * The queues' format: README.md. */
#ifndef OTLPD_FILE_STORAGE_H
#define OTLPD_FILE_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "otlpd/component.h"
#include "otlpd/storage.h"

typedef struct otlpd_fs_cfg {
  char *directory;
  bool create_directory;
  char *directory_permissions; /* octal, used with create_directory */
  bool fsync;
} otlpd_fs_cfg;

#define OTLPD_FS_DEFAULT_DIR "/var/lib/otlpd/file_storage"

extern const otlpd_setting otlpd_fs_settings[];
int otlpd_fs_validate(const void *config, const char *path, struct otlpd_errors *errs);
/* directory_permissions as a mode; -1 when not octal in 0..0777. */
int otlpd_fs_mode(const char *s);
/* mkdir -p with mode; 0 or negative errno. */
int otlpd_fs_mkdirs(const char *dir, int mode);

#endif
