/* The queue's writer thread: runs one job (a group of appends, then the
 * newest read position, then the segments it passed) at a time.
 *
 * Hand-off: the loop hands a job over by setting `work` under mu and
 * signalling work_cv; from then until it reaps the job (after `done` was
 * set under mu) the loop does not touch it. The writer touches only the
 * job, the w_* fields and the options (wake only under mu); it calls
 * opts.wake with mu held, after setting `done`. One thread per queue: each queue has its own files and
 * fdatasync is per file, so queues never wait for each other's syncs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dq_internal.h"

int dq_write_all_at(int fd, struct iovec *iov, int n, uint64_t off) {
  while (n) {
    ssize_t w = pwritev(fd, iov, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -errno;
    off += (uint64_t)w;
    while (n && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n) {
      iov->iov_base = (uint8_t *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

static int sync_fd(otlpd_dq *q, dq_job *j, int fd, bool data_only) {
  j->syncs++;
  int rc = data_only ? fdatasync(fd) : fsync(fd);
  (void)q;
  return rc < 0 ? -errno : 0;
}

static void close_segment(otlpd_dq *q) {
  if (q->w_fd < 0) return;
  close(q->w_fd);
  q->w_fd = -1;
  q->w_next = q->w_seq + 1;
}

/* A new segment file w_next with its magic; the writer moves to it. */
static int start_segment(otlpd_dq *q, dq_job *j) {
  uint64_t seq = q->w_next;
  char path[PATH_MAX];
  dq_seg_path(q, seq, path, sizeof(path));
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return -errno;
  struct iovec iov = {(void *)OTLPD_DQ_SEG_MAGIC, OTLPD_DQ_SEG_HDR};
  int rc = dq_write_all_at(fd, &iov, 1, 0);
  if (rc == 0 && q->o.fsync) rc = sync_fd(q, j, fd, false);
  if (rc == 0 && q->o.fsync) {
    j->syncs++;
    rc = dq_fsync_dir(q);
  }
  if (rc < 0) {
    close(fd);
    unlink(path);
    return rc;
  }
  if (q->w_fd >= 0) close(q->w_fd);
  q->w_fd = fd;
  q->w_seq = seq;
  q->w_end = OTLPD_DQ_SEG_HDR;
  q->w_next = seq + 1;
  return 0;
}

/* Records [from, to) of j, contiguous in j->data, go to the end of the
 * current segment with one write. On failure they are cut off again (or
 * the segment is left to recovery as a torn tail). */
static int write_chunk(otlpd_dq *q, dq_job *j, size_t from, size_t to) {
  size_t a = j->recs[from].at, b = to < j->n ? j->recs[to].at : j->data.len;
  struct iovec iov = {j->data.data + a, b - a};
  int rc = dq_write_all_at(q->w_fd, &iov, 1, q->w_end);
  if (rc < 0) return rc;
  uint64_t end = q->w_end;
  for (size_t i = from; i < to; i++) {
    end += OTLPD_DQ_REC_HDR + j->recs[i].len;
    j->recs[i].seq = q->w_seq;
    j->recs[i].end = end;
  }
  return 0;
}

static void cut_back(otlpd_dq *q, uint64_t to) {
  if (ftruncate(q->w_fd, (off_t)to) < 0) close_segment(q);
}

static void fail_from(dq_job *j, size_t from, int err) {
  for (size_t i = from; i < j->n; i++) j->recs[i].err = err;
}

/* The records: frame, write per segment, sync each segment once. */
static void run_appends(otlpd_dq *q, dq_job *j) {
  size_t i = 0;
  while (i < j->n) {
    uint64_t rec = OTLPD_DQ_REC_HDR + j->recs[i].len;
    if (q->w_fd < 0 || (q->w_end > OTLPD_DQ_SEG_HDR && q->w_end + rec > q->o.segment_max)) {
      int rc = start_segment(q, j);
      if (rc < 0) return fail_from(j, i, rc);
    }
    size_t k = i;
    uint64_t end = q->w_end;
    while (k < j->n && (k == i || end + OTLPD_DQ_REC_HDR + j->recs[k].len <= q->o.segment_max)) {
      dq_wrec *r = &j->recs[k];
      otlpd_dq_frame_header(j->data.data + r->at, j->data.data + r->at + OTLPD_DQ_REC_HDR, r->len, r->items);
      end += OTLPD_DQ_REC_HDR + r->len;
      k++;
    }
    int rc = write_chunk(q, j, i, k);
    if (rc == 0 && q->o.fsync) rc = sync_fd(q, j, q->w_fd, true);
    if (rc < 0) {
      cut_back(q, q->w_end);
      return fail_from(j, i, rc);
    }
    q->w_end = end;
    i = k;
  }
}

static void unlink_range(const otlpd_dq *q, uint64_t lo, uint64_t hi) {
  for (uint64_t s = lo; s < hi; s++) {
    char path[PATH_MAX];
    dq_seg_path(q, s, path, sizeof(path));
    unlink(path);
  }
}

static void run_job(otlpd_dq *q, dq_job *j) {
  j->syncs = 0;
  if (j->reclaim) { /* a crash after the position finds the old segments before it: deleted */
    int rc = dq_readpos_store(q, j->reclaim_seq, OTLPD_DQ_SEG_HDR);
    if (rc == 0) unlink_range(q, j->unlink_lo, j->reclaim_seq);
    if (q->w_fd >= 0) close(q->w_fd);
    q->w_fd = -1;
    q->w_next = j->reclaim_seq;
  }
  if (j->seal) close_segment(q);
  run_appends(q, j);
  if (j->has_pos) {
    j->pos_err = dq_readpos_store(q, j->pos_seq, j->pos_off);
    if (q->o.fsync) j->syncs += 2;
    if (j->pos_err == 0 && j->unlink_hi > j->unlink_lo) unlink_range(q, j->unlink_lo, j->unlink_hi);
  }
  j->w_seq = q->w_fd >= 0 ? q->w_seq : 0;
}

static void *writer_main(void *arg) {
  otlpd_dq *q = arg;
  pthread_mutex_lock(&q->mu);
  for (;;) {
    while (!q->work && !q->stop) pthread_cond_wait(&q->work_cv, &q->mu);
    if (!q->work) break;
    dq_job *j = q->run;
    pthread_mutex_unlock(&q->mu);
    run_job(q, j);
    pthread_mutex_lock(&q->mu);
    q->work = false;
    q->done = true;
    pthread_cond_broadcast(&q->done_cv);
    /* under mu, so that once otlpd_dq_set_wake returned the old one is
     * never called again (uv_async_send takes no lock of ours) */
    if (q->o.wake) q->o.wake(q->o.wake_arg);
  }
  pthread_mutex_unlock(&q->mu);
  if (q->w_fd >= 0) close(q->w_fd);
  q->w_fd = -1;
  return NULL;
}

int dq_writer_start(otlpd_dq *q) {
  q->pend = &q->jobs[0];
  q->w_fd = -1;
  q->w_next = q->n_segs ? q->segs[q->n_segs - 1].seq + 1 : q->ack_seq;
  if (pthread_mutex_init(&q->mu, NULL) != 0) return -ENOMEM;
  pthread_cond_init(&q->work_cv, NULL);
  pthread_cond_init(&q->done_cv, NULL);
  if (!q->o.inline_writer) {
    int rc = pthread_create(&q->thread, NULL, writer_main, q);
    if (rc != 0) return -rc;
  }
  q->writer_ready = true;
  return 0;
}

void dq_writer_stop(otlpd_dq *q) {
  if (!q->writer_ready) return;
  q->writer_ready = false;
  if (q->o.inline_writer) {
    if (q->w_fd >= 0) close(q->w_fd);
    q->w_fd = -1;
  } else { /* the thread closes w_fd as it ends */
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->work_cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
  }
  pthread_cond_destroy(&q->work_cv);
  pthread_cond_destroy(&q->done_cv);
  pthread_mutex_destroy(&q->mu);
}

bool dq_job_empty(const dq_job *j) { return !j->n && !j->has_pos && !j->reclaim && !j->seal; }

void dq_job_clear(dq_job *j) {
  j->data.len = 0;
  j->n = 0;
  j->reclaim = j->seal = j->has_pos = false;
  j->unlink_lo = j->unlink_hi = 0;
  j->pos_err = 0;
}

int dq_job_add(dq_job *j, const uint8_t *p, size_t len, uint32_t items, uint64_t units, otlpd_dq_done_fn cb,
               void *arg) {
  if (j->n == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 64;
    dq_wrec *v = realloc(j->recs, cap * sizeof(*v));
    if (!v) return -ENOMEM;
    j->recs = v;
    j->cap = cap;
  }
  size_t at = j->data.len;
  if (otlpd_buf_reserve(&j->data, OTLPD_DQ_REC_HDR + len) != 0) return -ENOMEM;
  j->data.len += OTLPD_DQ_REC_HDR; /* framed by the writer */
  memcpy(j->data.data + j->data.len, p, len);
  j->data.len += len;
  j->recs[j->n++] = (dq_wrec){at, (uint32_t)len, items, units, cb, arg, 0, 0, 0, false};
  return 0;
}

void dq_kick(otlpd_dq *q) {
  if (q->busy || dq_job_empty(q->pend)) return;
  dq_job *j = q->pend;
  q->pend = j == &q->jobs[0] ? &q->jobs[1] : &q->jobs[0];
  q->busy = true;
  if (q->o.inline_writer) {
    q->run = j;
    run_job(q, j);
    q->done = true;
    return;
  }
  pthread_mutex_lock(&q->mu);
  q->run = j;
  q->work = true;
  pthread_cond_signal(&q->work_cv);
  pthread_mutex_unlock(&q->mu);
}

/* Take the finished job, if any. */
static dq_job *take_done(otlpd_dq *q, bool wait) {
  if (!q->busy) return NULL;
  pthread_mutex_lock(&q->mu);
  while (wait && !q->done) pthread_cond_wait(&q->done_cv, &q->mu);
  dq_job *j = q->done ? q->run : NULL;
  q->done = false;
  pthread_mutex_unlock(&q->mu);
  if (j) q->busy = false;
  return j;
}

static void reap_and_kick(otlpd_dq *q, bool wait) {
  dq_job *j = take_done(q, wait);
  if (j) {
    dq_reap(q, j);
    dq_job_clear(j);
  }
  dq_kick(q);
}

void otlpd_dq_poll(otlpd_dq *q) { reap_and_kick(q, false); }

void dq_wait_one(otlpd_dq *q) { reap_and_kick(q, true); }

void otlpd_dq_flush(otlpd_dq *q) {
  dq_kick(q);
  while (q->busy) dq_wait_one(q);
}

uint64_t otlpd_dq_syncs(const otlpd_dq *q) { return q->syncs; }

void otlpd_dq_set_wake(otlpd_dq *q, void (*wake)(void *arg), void *arg) {
  pthread_mutex_lock(&q->mu);
  q->o.wake = wake;
  q->o.wake_arg = arg;
  pthread_mutex_unlock(&q->mu);
}
