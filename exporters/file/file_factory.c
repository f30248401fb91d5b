/* file exporter lifecycle: create, open at start, drain at shutdown. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#include "file_exporter.h"

#define DEFAULT_QUEUE_BYTES ((size_t)16 << 20)
#define DEFAULT_MAX_MEGABYTES 100

static int create(const otlpd_create_params *p, void **state) {
  const file_cfg *cfg = p->config;
  file_exporter *fe = calloc(1, sizeof(*fe));
  if (!fe) return -ENOMEM;
  fe->base.consume = file_consume;
  fe->base.admit = file_admit;
  fe->host = p->host;
  fe->cfg = cfg;
  fe->zstd = cfg->compression && strcmp(cfg->compression, "zstd") == 0;
  if (cfg->has_rotation) {
    int64_t mb = cfg->rotation.max_megabytes > 0 ? cfg->rotation.max_megabytes : DEFAULT_MAX_MEGABYTES;
    fe->max_file_bytes = (uint64_t)mb << 20;
  }
  /* otelcol turns an unset (zero) flush_interval into one second. */
  int64_t flush_ns = cfg->flush_interval > 0 ? cfg->flush_interval : OTLPD_NS_PER_SEC;
  fe->flush_ms = (uint64_t)(flush_ns / OTLPD_NS_PER_MS);
  if (fe->flush_ms == 0) fe->flush_ms = 1;
  fe->queue_limit = cfg->write_queue_size > 0 ? (size_t)cfg->write_queue_size : DEFAULT_QUEUE_BYTES;
  fe->chunk_target = fe->queue_limit / 4;
  if (fe->chunk_target > FILE_CHUNK_TARGET) fe->chunk_target = FILE_CHUNK_TARGET;
  if (fe->chunk_target < FILE_CHUNK_MIN) fe->chunk_target = FILE_CHUNK_MIN;
  fe->sink.log = &p->host->log;
  fe->sink.fd = -1;
  fe->sink.rotate = cfg->has_rotation;
  fe->sink.localtime = cfg->rotation.localtime;
  fe->sink.max_backups = cfg->has_rotation ? cfg->rotation.max_backups : 0;
  fe->sink.max_days = cfg->has_rotation ? cfg->rotation.max_days : 0;
  fe->sink.path = strdup(cfg->path ? cfg->path : "");
  if (fe->zstd) fe->zctx = ZSTD_createCCtx();
  if (!fe->sink.path || (fe->zstd && !fe->zctx)) {
    free(fe->sink.path);
    ZSTD_freeCCtx(fe->zctx);
    free(fe);
    return -ENOMEM;
  }
  *state = fe;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((file_exporter *)state)->base; }

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path, int mode) {
  char *dir = strdup(path);
  if (!dir) return -ENOMEM;
  char *slash = strrchr(dir, '/');
  int rc = 0;
  if (slash && slash != dir) {
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
      bool last = *p == '\0';
      if (*p != '/' && !last) continue;
      *p = '\0';
      if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST) {
        rc = -errno;
        break;
      }
      if (last) break;
      *p = '/';
    }
  }
  free(dir);
  return rc;
}

/* Opening happens here, before the loop serves anyone, so that a path that
 * cannot be written fails the start with a clear message. */
static int start(void *state) {
  file_exporter *fe = state;
  const file_cfg *cfg = fe->cfg;
  const otlpd_logger *lg = &fe->host->log;
  int rc;
  if (cfg->create_directory && (rc = make_parent_dirs(cfg->path, file_cfg_dir_mode(cfg))) < 0) {
    otlpd_error(lg, "cannot create the directory of %s: %s", cfg->path, uv_strerror(rc));
    return rc;
  }
  /* Like otelcol: truncate unless appending; with rotation, lumberjack
   * continues an existing file. A reload (SIGHUP) continues too: what the
   * previous configuration wrote was accepted data. */
  bool truncate = !cfg->append && !cfg->has_rotation && !fe->host->restarted;
  if ((rc = file_sink_open(&fe->sink, false)) < 0) {
    otlpd_error(lg, "cannot open %s: %s", cfg->path, uv_strerror(rc));
    return rc;
  }
  fe->sink.truncate_pending = truncate;
  fe->logical_size = truncate ? 0 : fe->sink.size;
  if ((rc = file_queue_start(fe)) < 0) {
    file_sink_close(&fe->sink);
    return rc;
  }
  fe->started = true;
  if (cfg->has_rotation && file_queue_reserve(fe, 0) == 0) {
    file_queue_seal(fe, FILE_CHUNK_MILL);
    file_queue_kick(fe);
  }
  return 0;
}

static void shutdown_(void *state) {
  file_exporter *fe = state;
  if (fe->started) file_queue_shutdown(fe);
}

static void destroy(void *state) {
  file_exporter *fe = state;
  if (!fe) return;
  bool timer_open = fe->timer_init && !uv_is_closing((uv_handle_t *)&fe->timer);
  if (fe->job_busy || timer_open) {
    /* The loop still owns parts of this instance; freeing it would hand
     * libuv dangling pointers. Leaking is the lesser evil. */
    otlpd_error(&fe->host->log, "destroyed before its shutdown finished; leaking its state");
    return;
  }
  file_sink_close(&fe->sink);
  file_queue_free(fe);
  otlpd_buf_free(&fe->scratch);
  ZSTD_freeCCtx(fe->zctx);
  free(fe->sink.path);
  free(fe);
}

/* protobuf records are the clients' bytes; JSON needs every item decoded */
static bool wire_only(const void *config) { return ((const file_cfg *)config)->format == FILE_FORMAT_PROTO; }

const otlpd_factory otlpd_exporter_file = {
    .type = "file",
    .kind = OTLPD_EXPORTER,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = file_settings,
    .config_size = sizeof(file_cfg),
    .doc = "writes OTLP-JSON lines or length-prefixed protobuf to a file, with rotation",
    .validate = file_validate,
    .wire_only = wire_only,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
