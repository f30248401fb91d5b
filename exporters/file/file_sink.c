/* The threadpool side of the file exporter: plain blocking file calls on
 * chunks the loop thread handed over (see file_exporter.h for the rule). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_exporter.h"

int file_sink_open(file_sink *s, bool truncate) {
  int fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0600);
  if (fd < 0) return -errno;
  struct stat st;
  s->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  s->fd = fd;
  return 0;
}

void file_sink_close(file_sink *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

/* Problems that lose no data (rotation, pruning) are logged here, from the
 * threadpool thread: otlpd_log writes each line with one write(). */
static void op_error(file_sink *s, int err, const char *what) {
  otlpd_warn(s->log, "cannot %s %s: %s", what, s->path, uv_strerror(err));
}

/* Writes all of p or nothing: a failed write is cut back off the file so
 * that it never ends in half a record. */
static int write_all(file_sink *s, const uint8_t *p, size_t n) {
  if (s->fd < 0) {
    int rc = file_sink_open(s, false);
    if (rc) return rc;
  }
  if (s->truncate_pending) {
    if (ftruncate(s->fd, 0) != 0) return -errno;
    s->size = 0;
    s->truncate_pending = false;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(s->fd, p + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = w < 0 ? -errno : -EIO;
      if (done) {
        int trc = ftruncate(s->fd, (off_t)s->size);
        (void)trc; /* the write error is the one worth reporting */
      }
      return err;
    }
    done += (size_t)w;
  }
  s->size += n;
  return 0;
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void prune(file_sink *s) {
  int rc = file_rotate_prune(s->path, s->max_backups, s->max_days, s->localtime, wall_ms());
  if (rc < 0) op_error(s, rc, "prune backups of");
}

static void rotate(file_sink *s) {
  file_sink_close(s);
  int rc = file_rotate_rename(s->path, s->localtime);
  if (rc) op_error(s, rc, "rotate");
  /* After a failed rename this reopens the same file and keeps appending. */
  rc = file_sink_open(s, false);
  if (rc) op_error(s, rc, "reopen after rotating");
  prune(s);
}

static bool write_part(file_sink *s, file_job *job, const uint8_t *p, size_t n) {
  if (n == 0) return true;
  int rc = write_all(s, p, n);
  if (rc) {
    if (!job->err) job->err = rc;
    job->failed_bytes += n;
    return false;
  }
  job->written_bytes += n;
  return true;
}

void file_sink_run(file_sink *s, file_job *job) {
  for (file_chunk *c = job->chunks; c; c = c->next) {
    const uint8_t *p = c->buf.data;
    size_t n = c->buf.len;
    bool ok = true;
    if (c->rotate_at != SIZE_MAX && c->rotate_at <= n) {
      ok = write_part(s, job, p, c->rotate_at);
      if (s->rotate) rotate(s);
      ok = write_part(s, job, p + c->rotate_at, n - c->rotate_at) && ok;
    } else {
      ok = write_part(s, job, p, n);
    }
    c->failed = !ok;
    if (!ok)
      for (int sig = 0; sig < OTLPD_SIGNAL_COUNT; sig++) job->failed_items += c->items[sig];
    else if (n)
      job->any_ok = true;
    if (c->flags & FILE_CHUNK_MILL) prune(s);
    if (c->flags & FILE_CHUNK_CLOSE) file_sink_close(s);
  }
}
