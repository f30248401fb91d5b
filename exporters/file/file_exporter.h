/* file exporter: OTLP data to a file, otelcol fileexporter compatible.
 *
 * Files of this folder:
 *   file_config.c  settings table (otelcol key names) and cross-field checks
 *   file_factory.c lifecycle: create/start/shutdown/destroy, the factory
 *   file_encode.c  consume(): a batch becomes one framed record in a buffer
 *   file_queue.c   chunks of records, the flush timer and the hand-off of
 *                  chunks to libuv's threadpool (one job in flight)
 *   file_sink.c    what a threadpool job does: write, rotate, close
 *   file_rotate.c  lumberjack-style backup names and backup pruning
 *
 * Threads: everything runs on the loop thread except file_sink_run(), which
 * runs on a libuv threadpool thread. The hand-off is uv_queue_work(): while
 * a job is in flight only the job touches file_exporter.sink and the chunks
 * it was given; the loop thread touches them again only in the job's
 * after-work callback. libuv's queue lock orders the two sides, so no other
 * locking is needed. */
#ifndef OTLPD_FILE_EXPORTER_H
#define OTLPD_FILE_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"
#include "otlpd/settings.h"

typedef enum { FILE_FORMAT_JSON = 0, FILE_FORMAT_PROTO = 1 } file_format;

typedef struct file_rotation_cfg {
  int64_t max_megabytes; /* 0 = 100, as lumberjack */
  int64_t max_days;      /* 0 = keep backups whatever their age */
  int64_t max_backups;   /* 0 = keep every backup */
  bool localtime;
} file_rotation_cfg;

typedef struct file_cfg {
  char *path;
  bool append;
  bool has_rotation; /* rotation: present at all (otelcol: absent = never rotate) */
  file_rotation_cfg rotation;
  int format;        /* file_format */
  char *compression; /* NULL/"" or "zstd" */
  int64_t flush_interval; /* ns; 0 = 1s as otelcol */
  bool create_directory;
  char *directory_permissions; /* octal text, default 0755 */
  int64_t write_queue_size;    /* bytes encoded but not yet written */
} file_cfg;

extern const otlpd_setting file_settings[];
int file_validate(const void *cfg, const char *path, struct otlpd_errors *errs);
/* directory_permissions as a mode; -1 if it is not valid octal 0..0777. */
int file_cfg_dir_mode(const file_cfg *c);

/* Threadpool-side state: the open file and what rotation needs. Owned by
 * whoever holds the hand-off (see top of file). */
typedef struct file_sink {
  const otlpd_logger *log;
  char *path;
  int fd;
  bool rotate;          /* rotation configured */
  bool localtime;
  int64_t max_backups, max_days;
  uint64_t size;        /* bytes in the current file */
  /* truncate before the first write rather than at start: a daemon that
   * fails to start (a port taken) must not have emptied the file */
  bool truncate_pending;
} file_sink;

/* Chunk flags. */
#define FILE_CHUNK_MILL 1u  /* prune backups (start) */
#define FILE_CHUNK_CLOSE 2u /* close the file after writing (shutdown) */

/* Records waiting to be written, in order. rotate_at: write buf[0, rotate_at),
 * rotate, write the rest to the new file (SIZE_MAX = no rotation). */
typedef struct file_chunk {
  struct file_chunk *next;
  otlpd_buf buf;
  size_t items[OTLPD_SIGNAL_COUNT]; /* telemetry items whose records are in buf */
  bool failed;      /* set by the worker: not (fully) written */
  size_t rotate_at;
  unsigned flags;
} file_chunk;

/* One threadpool job: a list of chunks, results filled by the worker. */
typedef struct file_job {
  uv_work_t req;
  file_chunk *chunks;
  int err;              /* first write error (negative errno), 0 if none */
  uint64_t written_bytes, failed_bytes, failed_items;
  bool any_ok;          /* some chunk was written fully */
} file_job;

typedef struct file_exporter {
  otlpd_consumer base;
  const otlpd_host *host;
  const file_cfg *cfg;
  bool zstd;
  uint64_t max_file_bytes; /* rotation threshold; 0 = no rotation */
  uint64_t flush_ms;
  size_t queue_limit;
  size_t chunk_target; /* seal a chunk once it holds this much */

  /* loop thread */
  file_chunk *cur;                /* records being gathered */
  file_chunk *head, *tail;        /* sealed, waiting for the worker */
  file_chunk *spare;              /* recycled chunks (bounded) */
  size_t n_spare;
  size_t queued_bytes;            /* in cur + sealed + in flight */
  uint64_t logical_size;          /* current file's size once all queued bytes land */
  otlpd_buf scratch;              /* encode buffer when compressing */
  void *zctx;                     /* ZSTD_CCtx, reused */
  file_job job;
  bool job_busy;
  bool started, stopping, closed, in_error;
  uv_timer_t timer;
  bool timer_init;

  /* counters (loop thread) */
  uint64_t written_bytes, dropped_bytes, dropped_items, refused;

  file_sink sink; /* see the hand-off rule above */
} file_exporter;

/* Chunks are handed to the worker once they reach this size (or a quarter
 * of a smaller queue limit); the flush timer writes smaller remainders. */
#define FILE_CHUNK_TARGET ((size_t)1 << 20)
#define FILE_CHUNK_MIN ((size_t)4 << 10)

/* file_encode.c */
int file_consume(otlpd_consumer *self, otlpd_batch *batch);
int file_admit(otlpd_consumer *self, const otlpd_batch *batch);

/* file_queue.c */
int file_queue_start(file_exporter *fe);
/* Ends the current chunk (with flags) and queues it; 0 or -ENOMEM. */
int file_queue_seal(file_exporter *fe, unsigned flags);
/* Makes sure fe->cur exists with room for n more bytes. */
int file_queue_reserve(file_exporter *fe, size_t n);
/* Hands queued chunks to the threadpool if no job is in flight. */
void file_queue_kick(file_exporter *fe);
void file_queue_shutdown(file_exporter *fe);
void file_queue_free(file_exporter *fe);

/* file_sink.c (threadpool side, plain blocking calls) */
int file_sink_open(file_sink *s, bool truncate);
void file_sink_run(file_sink *s, file_job *job);
void file_sink_close(file_sink *s);

/* file_rotate.c */
/* "<dir>/<stem>-<YYYY-MM-DDTHH-MM-SS.mmm><ext>" for time t (ms since epoch). */
int file_backup_name(const char *path, int64_t t_ms, bool localtime, char *out, size_t outlen);
/* Renames path to a fresh backup name (never overwriting one). 0 or -errno. */
int file_rotate_rename(const char *path, bool localtime);
/* Deletes backups beyond max_backups (newest kept) and older than max_days.
 * Returns the number deleted or -errno. now_ms: current time. */
int file_rotate_prune(const char *path, int64_t max_backups, int64_t max_days, bool localtime,
                      int64_t now_ms);

#endif
