/* The disk queue's private state, shared by its files. Loop thread only. */
#ifndef OTLPD_DQ_INTERNAL_H
#define OTLPD_DQ_INTERNAL_H

#include <limits.h>

#include "diskqueue.h"

/* One segment file; units/records/items count what is not yet
 * acknowledged in it (skipped records stay counted until the segment is
 * deleted). */
typedef struct dq_seg {
  uint64_t seq;
  uint64_t end; /* bytes of whole, checked records (the writer's offset) */
  uint64_t units, records, items;
} dq_seg;

/* A record handed out and not yet acknowledged. */
typedef struct dq_flight {
  uint64_t ticket;
  uint64_t seq, end; /* its segment and where it ends */
  uint64_t units;
  uint32_t items;
  bool acked;
} dq_flight;

struct otlpd_dq {
  otlpd_dq_opts o;
  char *dir;
  dq_seg *segs; /* ascending seq */
  size_t n_segs, cap_segs;
  int wfd;      /* on the last segment, or -1: the next append starts a segment */
  int rfd;      /* on segment rfd_seq, or -1 */
  uint64_t rfd_seq;
  int lockfd;   /* flock held while open */
  uint64_t rd_seq, rd_off;   /* next unread record */
  uint64_t ack_seq, ack_off; /* persisted read position */
  dq_flight *fl; /* ring of records handed out, in read order */
  size_t fl_head, fl_n, fl_cap;
  uint64_t next_ticket;
  uint64_t used, records, items;
};

/* dq_files.c: paths, the read-position file, segment files. */
void dq_seg_path(const otlpd_dq *q, uint64_t seq, char *out, size_t n);
int dq_readpos_load(const otlpd_dq *q, uint64_t *seq, uint64_t *off); /* 0 or -ENOENT/-EBADMSG */
int dq_readpos_store(otlpd_dq *q, uint64_t seq, uint64_t off);
int dq_fsync_dir(const otlpd_dq *q);
/* Segment sequence numbers present in the directory, sorted. */
int dq_list_segments(const otlpd_dq *q, uint64_t **seqs, size_t *n);

/* dq_segs.c: the in-memory segment list. */
dq_seg *dq_seg_find(otlpd_dq *q, uint64_t seq);
dq_seg *dq_seg_add(otlpd_dq *q, uint64_t seq); /* at the end; NULL on ENOMEM */
/* Delete (files and entries) every segment before seq. */
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
