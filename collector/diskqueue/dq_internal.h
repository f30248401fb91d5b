/* The disk queue's private state, shared by its files. Loop thread only,
 * except the writer's fields (dq_writer.c) as marked. */
#ifndef OTLPD_DQ_INTERNAL_H
#define OTLPD_DQ_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <sys/uio.h>

#include "diskqueue.h"

/* One segment file; units/records/items count what is not yet
 * acknowledged in it (skipped records stay counted until the segment is
 * deleted). */
typedef struct dq_seg {
  uint64_t seq;
  uint64_t end; /* bytes of whole, checked records (the writer's offset) */
  uint64_t units, records, items;
  bool sealed; /* damaged while read: nothing after the damage is readable */
} dq_seg;

/* A record handed out and not yet acknowledged. */
typedef struct dq_flight {
  uint64_t ticket;
  uint64_t seq, end; /* its segment and where it ends */
  uint64_t units;
  uint32_t items;
  bool acked;
} dq_flight;

/* A record of a write job: framed at `at` in the job's data (header
 * filled in by the writer). The writer sets seq/end (where it landed) or
 * err. */
typedef struct dq_wrec {
  size_t at;
  uint32_t len, items;
  uint64_t units;
  otlpd_dq_done_fn cb;
  void *arg;
  uint64_t seq, end;
  int err;
  bool retried; /* already written again after a reclaim */
} dq_wrec;

/* One group of work for the writer thread: the records to append (one
 * write per segment touched, one fdatasync for all), then the newest
 * read position, then the segments it passed. Two jobs alternate: the
 * loop fills one while the writer runs the other. */
typedef struct dq_job {
  otlpd_buf data;
  dq_wrec *recs;
  size_t n, cap;
  bool reclaim; /* before the records: position to reclaim_seq, delete all before, new segment */
  uint64_t reclaim_seq;
  bool seal;    /* before the records: the segment being written is left */
  bool has_pos;
  uint64_t pos_seq, pos_off;
  int pos_err;
  uint64_t unlink_lo, unlink_hi; /* segments [lo, hi) to delete after the position is saved */
  /* set by the writer */
  uint64_t w_seq; /* segment being written after the job (0: none) */
  uint64_t syncs; /* fsync/fdatasync calls made */
} dq_job;

struct otlpd_dq {
  otlpd_dq_opts o;
  char *dir;
  dq_seg *segs; /* ascending seq */
  size_t n_segs, cap_segs;
  int rfd;      /* on segment rfd_seq, or -1 */
  uint64_t rfd_seq;
  int lockfd;   /* flock held while open */
  uint64_t rd_seq, rd_off;   /* next unread record */
  uint64_t ack_seq, ack_off; /* persisted read position */
  dq_flight *fl; /* ring of records handed out, in read order */
  size_t fl_head, fl_n, fl_cap;
  uint64_t next_ticket;
  uint64_t used, records, items;
  /* writer hand-off: `pend` fills on the loop; `run` belongs to the writer
   * from hand-over (busy set) until the writer marks it done and the loop
   * reaps it. mu guards work/done/stop. */
  dq_job jobs[2];
  dq_job *pend, *run;
  bool busy;
  pthread_t thread;
  bool writer_ready; /* a writer exists: the thread, or inline_writer */
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  bool work, done, stop;
  uint64_t syncs; /* fsync/fdatasync calls so far (reaped jobs) */
  /* writer thread only (set before it starts) */
  int w_fd;           /* segment w_seq, or -1 */
  uint64_t w_seq, w_end;
  uint64_t w_next;    /* sequence of the next segment to create */
};

/* dq_writer.c: the writer thread and its hand-off. */
int dq_writer_start(otlpd_dq *q);
void dq_writer_stop(otlpd_dq *q); /* after dq_flush: joins */
/* Hand the pending job to the writer if it is idle and there is work. */
void dq_kick(otlpd_dq *q);
/* Wait (blocking) until the running job is done, then reap it. */
void dq_wait_one(otlpd_dq *q);
/* Apply a finished job (loop): dq_queue.c. */
void dq_reap(otlpd_dq *q, dq_job *j);
bool dq_job_empty(const dq_job *j);
void dq_job_clear(dq_job *j);
int dq_job_add(dq_job *j, const uint8_t *p, size_t len, uint32_t items, uint64_t units, otlpd_dq_done_fn cb,
               void *arg);
int dq_write_all_at(int fd, struct iovec *iov, int n, uint64_t off);

/* dq_files.c: paths, the read-position file, segment files. */
void dq_seg_path(const otlpd_dq *q, uint64_t seq, char *out, size_t n);
int dq_readpos_load(const otlpd_dq *q, uint64_t *seq, uint64_t *off); /* 0 or -ENOENT/-EBADMSG */
int dq_readpos_store(const otlpd_dq *q, uint64_t seq, uint64_t off); /* writer thread, and open */
int dq_fsync_dir(const otlpd_dq *q);
/* Segment sequence numbers present in the directory, sorted. */
int dq_list_segments(const otlpd_dq *q, uint64_t **seqs, size_t *n);

/* dq_segs.c: the in-memory segment list. */
dq_seg *dq_seg_find(otlpd_dq *q, uint64_t seq);
dq_seg *dq_seg_add(otlpd_dq *q, uint64_t seq); /* at the end; NULL on ENOMEM */
/* Forget every segment before seq (but the last); their files are
 * deleted by the writer once the position is saved. */
void dq_seg_drop_before(otlpd_dq *q, uint64_t seq);
/* Moves (seq, off) past the end of a finished segment that has a successor. */
void dq_pos_normalize(otlpd_dq *q, uint64_t *seq, uint64_t *off);

/* dq_scan.c: recovery of one segment. */
typedef struct dq_scan {
  uint64_t end;       /* after the last good record */
  uint64_t bad_bytes; /* from end to the file's size */
  uint64_t units, records, items; /* of the records at or after `from` */
  uint64_t from;      /* first record boundary at or after the asked offset */
} dq_scan;
int dq_scan_segment(const otlpd_dq *q, uint64_t seq, uint64_t from, dq_scan *out);

#endif
