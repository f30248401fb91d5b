/* Opening a queue: recover what a previous run left (see diskqueue.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dq_internal.h"

static void cut_tail(otlpd_dq *q, uint64_t seq, const dq_scan *sc) {
  char path[PATH_MAX];
  dq_seg_path(q, seq, path, sizeof(path));
  if (truncate(path, (off_t)sc->end) < 0)
    otlpd_warn(q->o.log, "%s: cannot cut its corrupt tail (%s); new records go to a new segment", path,
               strerror(errno));
  otlpd_warn(q->o.log, "%s: cut %" PRIu64 " bytes of a torn or corrupt record at offset %" PRIu64, path,
             sc->bad_bytes, sc->end);
}

/* Scan one segment and add it; last: the newest segment, whose damage is
 * a torn write to cut off. */
static int recover_segment(otlpd_dq *q, uint64_t seq, bool last, otlpd_dq_recovery *rec) {
  dq_scan sc;
  uint64_t from = seq == q->ack_seq ? q->ack_off : 0;
  int rc = dq_scan_segment(q, seq, from, &sc);
  if (rc < 0) return rc;
  char path[PATH_MAX];
  dq_seg_path(q, seq, path, sizeof(path));
  if (sc.end == 0) { /* no valid header: torn while created, or not ours */
    otlpd_warn(q->o.log, "%s: not a queue segment (bad header); removed", path);
    unlink(path);
    rec->cut_bytes += sc.bad_bytes;
    return 0;
  }
  if (sc.bad_bytes && last) {
    cut_tail(q, seq, &sc);
    rec->cut_bytes += sc.bad_bytes;
  } else if (sc.bad_bytes) {
    otlpd_warn(q->o.log, "%s: %" PRIu64 " corrupt bytes at offset %" PRIu64 " skipped; the next segment is read",
               path, sc.bad_bytes, sc.end);
    rec->skipped_bytes += sc.bad_bytes;
  }
  dq_seg *s = dq_seg_add(q, seq);
  if (!s) return -ENOMEM;
  s->end = sc.end;
  s->units = sc.units;
  s->records = sc.records;
  s->items = sc.items;
  q->used += sc.units;
  q->records += sc.records;
  q->items += sc.items;
  if (seq == q->ack_seq) q->ack_off = sc.from; /* a record boundary */
  return 0;
}

static int recover(otlpd_dq *q, otlpd_dq_recovery *rec) {
  uint64_t *seqs;
  size_t n;
  int rc = dq_list_segments(q, &seqs, &n);
  if (rc < 0) return rc;
  bool had_pos = dq_readpos_load(q, &q->ack_seq, &q->ack_off) == 0;
  uint64_t loaded_seq = q->ack_seq, loaded_off = q->ack_off;
  if (!had_pos || (n && q->ack_seq < seqs[0])) {
    q->ack_seq = n ? seqs[0] : 1; /* no position: everything present is unread */
    q->ack_off = OTLPD_DQ_SEG_HDR;
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (seqs[i] < q->ack_seq) { /* acknowledged before the last run ended */
      char path[PATH_MAX];
      dq_seg_path(q, seqs[i], path, sizeof(path));
      unlink(path);
      continue;
    }
    if (seqs[i] > q->ack_seq && !dq_seg_find(q, q->ack_seq)) { /* the position's segment is gone */
      q->ack_seq = seqs[i];
      q->ack_off = OTLPD_DQ_SEG_HDR;
    }
    rc = recover_segment(q, seqs[i], i + 1 == n, rec);
  }
  free(seqs);
  if (rc < 0) return rc;
  if (!q->n_segs) q->ack_off = OTLPD_DQ_SEG_HDR; /* the first append makes segment ack_seq */
  dq_pos_normalize(q, &q->ack_seq, &q->ack_off);
  /* A position recovery had to correct (its segment gone, an offset that
   * was no record boundary) is written back, or the next start would read
   * the stale one against segments appended since. */
  if (had_pos && (loaded_seq != q->ack_seq || loaded_off != q->ack_off) &&
      (rc = dq_readpos_store(q, q->ack_seq, q->ack_off)) < 0)
    return rc;
  /* A position file from the start, saying what its absence says, so a
   * full disk can still overwrite it in place (dq_readpos_store). */
  if (!had_pos) (void)dq_readpos_store(q, q->ack_seq, q->ack_off);
  q->rd_seq = q->ack_seq;
  q->rd_off = q->ack_off;
  rec->records = q->records;
  rec->items = q->items;
  return 0;
}

/* One process per queue directory: a second otlpd (or a second exporter
 * with the same id) would interleave records. flock is released by the
 * kernel when the process dies, so a kill -9 leaves no stale lock. */
static int lock_dir(otlpd_dq *q) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/lock", q->dir);
  q->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (q->lockfd < 0) return -errno;
  if (flock(q->lockfd, LOCK_EX | LOCK_NB) < 0) return errno == EWOULDBLOCK ? -EBUSY : -errno;
  return 0;
}

int otlpd_dq_open(const otlpd_dq_opts *o, otlpd_dq **out, otlpd_dq_recovery *rec) {
  memset(rec, 0, sizeof(*rec));
  if (!o->dir || !*o->dir) return -EINVAL;
  if (mkdir(o->dir, 0750) < 0 && errno != EEXIST) return -errno;
  otlpd_dq *q = calloc(1, sizeof(*q));
  if (!q) return -ENOMEM;
  q->o = *o;
  if (!q->o.segment_max) q->o.segment_max = OTLPD_DQ_SEGMENT_MAX_DEFAULT;
  q->rfd = q->lockfd = -1;
  q->dir = strdup(o->dir);
  int rc = q->dir ? lock_dir(q) : -ENOMEM;
  if (rc == 0) rc = recover(q, rec);
  if (rc == 0) rc = dq_writer_start(q);
  if (rc < 0) {
    otlpd_dq_close(q);
    return rc;
  }
  *out = q;
  return 0;
}

void otlpd_dq_close(otlpd_dq *q) {
  if (!q) return;
  if (q->writer_ready) otlpd_dq_flush(q);
  dq_writer_stop(q);
  for (int i = 0; i < 2; i++) {
    otlpd_buf_free(&q->jobs[i].data);
    free(q->jobs[i].recs);
  }
  if (q->rfd >= 0) close(q->rfd);
  if (q->lockfd >= 0) close(q->lockfd);
  free(q->segs);
  free(q->fl);
  free(q->dir);
  free(q);
}
