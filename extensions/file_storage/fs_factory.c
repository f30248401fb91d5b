/* file_storage extension: lifecycle. Its state begins with the
 * otlpd_storage that exporters get through host->storage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_storage.h"

typedef struct otlpd_fs {
  otlpd_storage pub; /* first: handed out as the extension's storage */
  const otlpd_fs_cfg *cfg;
  const otlpd_host *host;
} otlpd_fs;

static int fs_create(const otlpd_create_params *p, void **state) {
  otlpd_fs *fs = calloc(1, sizeof(*fs));
  if (!fs) return -ENOMEM;
  fs->cfg = p->config;
  fs->host = p->host;
  fs->pub.directory = fs->cfg->directory;
  fs->pub.fsync = fs->cfg->fsync;
  *state = fs;
  return 0;
}

static int fs_start(void *state) {
  otlpd_fs *fs = state;
  const char *dir = fs->cfg->directory;
  if (fs->cfg->create_directory) {
    int rc = otlpd_fs_mkdirs(dir, otlpd_fs_mode(fs->cfg->directory_permissions));
    if (rc < 0) {
      otlpd_error(&fs->host->log, "directory: cannot create \"%s\": %s", dir, strerror(-rc));
      return rc;
    }
  }
  struct stat st;
  if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) < 0) {
    int rc = errno ? -errno : -ENOTDIR;
    otlpd_error(&fs->host->log, "directory: \"%s\" is not a writable directory: %s", dir, strerror(-rc));
    return rc;
  }
  otlpd_info(&fs->host->log, "persistent queues in %s (fsync %s)", dir, fs->cfg->fsync ? "on" : "off");
  return 0;
}

static void fs_destroy(void *state) { free(state); }

const otlpd_factory otlpd_extension_file_storage = {
    .type = "file_storage",
    .kind = OTLPD_EXTENSION,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = otlpd_fs_settings,
    .config_size = sizeof(otlpd_fs_cfg),
    .doc = "a directory for persistent sending queues (sending_queue::storage)",
    .validate = otlpd_fs_validate,
    .create = fs_create,
    .start = fs_start,
    .destroy = fs_destroy,
};
