/* file_storage settings: otelcol-contrib's keys and defaults (the default
 * directory is otlpd's own), and the check that the directory is usable. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_storage.h"
#include "otlpd/config.h"

const otlpd_setting otlpd_fs_settings[] = {
    OTLPD_S_STRING(otlpd_fs_cfg, "directory", directory, OTLPD_FS_DEFAULT_DIR,
                   "directory holding the persistent queues (one subdirectory per exporter and signal)"),
    OTLPD_S_BOOL(otlpd_fs_cfg, "create_directory", create_directory, "false",
                 "create directory (and its parents) at start when missing"),
    OTLPD_S_STRING(otlpd_fs_cfg, "directory_permissions", directory_permissions, "0750",
                   "octal mode of directories made by create_directory (less the umask)"),
    OTLPD_S_BOOL(otlpd_fs_cfg, "fsync", fsync, "false",
                 "fdatasync every append and read-position update: acknowledged data survives power loss"),
    OTLPD_S_IGNORED("timeout", "otelcol's wait for the database lock; a queue directory locked by another "
                               "process fails at once"),
    OTLPD_S_IGNORED("recreate", "otlpd never recreates the storage"),
    OTLPD_S_IGNORED("compaction", "otlpd's segment files need no compaction: acknowledged segments are deleted"),
    OTLPD_S_END,
};

int otlpd_fs_mode(const char *s) {
  if (!s || !*s) return -1;
  char *end;
  long v = strtol(s, &end, 8);
  return *end || v < 0 || v > 0777 ? -1 : (int)v;
}

int otlpd_fs_mkdirs(const char *dir, int mode) {
  char p[PATH_MAX];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof(p)) return -ENAMETOOLONG;
  memcpy(p, dir, n + 1);
  for (char *c = p + 1; *c; c++) {
    if (*c != '/') continue;
    *c = 0;
    if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) return -errno;
    *c = '/';
  }
  if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) return -errno;
  return 0;
}

/* The nearest existing ancestor of a missing directory must be writable,
 * or create_directory cannot make it. */
static int creatable(const char *dir) {
  char p[PATH_MAX];
  size_t n = strlen(dir);
  if (n >= sizeof(p)) return -ENAMETOOLONG;
  memcpy(p, dir, n + 1);
  for (;;) {
    char *slash = strrchr(p, '/');
    if (!slash) return access(".", W_OK | X_OK) == 0 ? 0 : -errno;
    if (slash == p) slash[1] = 0; else *slash = 0;
    struct stat st;
    if (stat(p, &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
      return access(p, W_OK | X_OK) == 0 ? 0 : -errno;
    }
    if (slash == p) return -ENOENT;
  }
}

int otlpd_fs_validate(const void *config, const char *path, otlpd_errors *errs) {
  const otlpd_fs_cfg *c = config;
  size_t before = errs->n;
  const char *dir = c->directory;
  if (!dir || !*dir) {
    otlpd_errorf(errs, "%s::directory: must not be empty", path);
    return -EINVAL;
  }
  if (c->create_directory && otlpd_fs_mode(c->directory_permissions) < 0)
    otlpd_errorf(errs, "%s::directory_permissions: expected an octal mode such as \"0750\", got \"%s\"", path,
                 c->directory_permissions ? c->directory_permissions : "");
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      otlpd_errorf(errs, "%s::directory: \"%s\" is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
      otlpd_errorf(errs, "%s::directory: \"%s\" is not writable: %s", path, dir, strerror(errno));
  } else if (!c->create_directory) {
    otlpd_errorf(errs, "%s::directory: \"%s\" does not exist (create it, or set create_directory: true)", path,
                 dir);
  } else {
    int rc = creatable(dir);
    if (rc < 0)
      otlpd_errorf(errs, "%s::directory: \"%s\" cannot be created (create_directory): %s", path, dir,
                   strerror(-rc));
  }
  return errs->n > before ? -EINVAL : 0;
}
