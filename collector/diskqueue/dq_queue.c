/* Appending, reading and acknowledging records. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dq_internal.h"

uint64_t otlpd_dq_used(const otlpd_dq *q) { return q->used; }
uint64_t otlpd_dq_records(const otlpd_dq *q) { return q->records; }
uint64_t otlpd_dq_items(const otlpd_dq *q) { return q->items; }

bool otlpd_dq_fits(const otlpd_dq *q, uint64_t size) {
  return !q->records || q->used + size <= q->o.capacity;
}

static int log_refused(otlpd_dq *q, int err) {
  otlpd_debug(q->o.log, "%s: write refused: %s", q->dir, strerror(-err));
  return -EAGAIN;
}

int otlpd_dq_submit(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items, otlpd_dq_done_fn cb, void *arg) {
  if (!len || len > OTLPD_DQ_REC_MAX) return -EINVAL;
  uint64_t units = otlpd_dq_measure(q->o.sizer, len, items);
  if (!otlpd_dq_fits(q, units)) return -EAGAIN;
  int rc = dq_job_add(q->pend, p, len, items, units, cb, arg);
  if (rc < 0) return rc;
  q->used += units;
  q->records++;
  q->items += items;
  dq_kick(q);
  return 0;
}

typedef struct append_wait {
  bool done;
  int rc;
} append_wait;

static void append_done(void *arg, int rc) {
  append_wait *w = arg;
  w->done = true;
  w->rc = rc;
}

int otlpd_dq_append(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items) {
  append_wait w = {false, 0};
  int rc = otlpd_dq_submit(q, p, len, items, append_done, &w);
  if (rc < 0) return rc;
  while (!w.done) dq_wait_one(q);
  return w.rc;
}

/* The disk is full and everything stored was sent: the segment still
 * being written is the only one left, and it is deleted only once a newer
 * one exists, which a full disk cannot create. The writer moves the
 * position past it first (a crash then finds a segment before the
 * position and deletes it), then deletes it, so the next append starts
 * afresh. */
static bool reclaim(otlpd_dq *q, int err) {
  if (err != -ENOSPC && err != -EDQUOT) return false;
  if (q->pend->reclaim) return true;
  if (!q->n_segs || q->fl_n || otlpd_dq_has_unread(q)) return false;
  for (size_t i = 0; i < q->n_segs; i++) { /* what is left in them was skipped as unreadable */
    q->used -= q->segs[i].units;
    q->records -= q->segs[i].records;
    q->items -= q->segs[i].items;
  }
  uint64_t seq = q->segs[q->n_segs - 1].seq + 1;
  q->pend->reclaim = true;
  q->pend->reclaim_seq = seq;
  q->pend->unlink_lo = q->segs[0].seq;
  q->pend->has_pos = false; /* the reclaim writes the position */
  if (q->rfd >= 0) close(q->rfd);
  q->rfd = -1;
  q->n_segs = 0;
  q->ack_seq = q->rd_seq = seq;
  q->ack_off = q->rd_off = OTLPD_DQ_SEG_HDR;
  otlpd_info(q->o.log, "%s: disk full with every record sent; the last segment is deleted to make room", q->dir);
  return true;
}

/* A record the writer put at (seq, end). */
static void count_written(otlpd_dq *q, const dq_wrec *r) {
  dq_seg *s = dq_seg_find(q, r->seq);
  if (!s && (!q->n_segs || q->segs[q->n_segs - 1].seq < r->seq)) s = dq_seg_add(q, r->seq);
  if (!s) return; /* ENOMEM: stays counted in the totals, read after a restart */
  if (!s->sealed) s->end = r->end;
  s->units += r->units;
  s->records++;
  s->items += r->items;
}

static void uncount(otlpd_dq *q, const dq_wrec *r) {
  q->used -= r->units;
  q->records--;
  q->items -= r->items;
}

void dq_reap(otlpd_dq *q, dq_job *j) {
  q->syncs += j->syncs;
  if (j->has_pos && j->pos_err < 0)
    otlpd_error(q->o.log, "%s: cannot save the read position: %s (records may be sent again after a restart)",
                q->dir, strerror(-j->pos_err));
  for (size_t i = 0; i < j->n; i++) {
    dq_wrec *r = &j->recs[i];
    if (r->err == 0) {
      count_written(q, r);
      continue;
    }
    if (!r->retried && reclaim(q, r->err) &&
        dq_job_add(q->pend, j->data.data + r->at + OTLPD_DQ_REC_HDR, r->len, r->items, r->units, r->cb, r->arg) == 0) {
      q->pend->recs[q->pend->n - 1].retried = true;
      r->cb = NULL; /* answered by the retry */
      continue;
    }
    uncount(q, r);
    r->err = log_refused(q, r->err);
  }
  /* a segment the writer made without a record in it yet */
  if (j->w_seq && (!q->n_segs || q->segs[q->n_segs - 1].seq < j->w_seq)) dq_seg_add(q, j->w_seq);
  for (size_t i = 0; i < j->n; i++)
    if (j->recs[i].cb) j->recs[i].cb(j->recs[i].arg, j->recs[i].err);
}

bool otlpd_dq_has_unread(const otlpd_dq *q) {
  otlpd_dq *m = (otlpd_dq *)q; /* normalizing the position changes nothing observable */
  dq_pos_normalize(m, &m->rd_seq, &m->rd_off);
  dq_seg *s = dq_seg_find(m, m->rd_seq);
  return s && m->rd_off < s->end;
}

static int read_at(int fd, uint8_t *p, size_t n, uint64_t off) {
  while (n) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) return -EBADMSG;
    p += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  return 0;
}

static int open_reader(otlpd_dq *q) {
  if (q->rfd >= 0 && q->rfd_seq == q->rd_seq) return 0;
  if (q->rfd >= 0) close(q->rfd);
  char path[PATH_MAX];
  dq_seg_path(q, q->rd_seq, path, sizeof(path));
  q->rfd = open(path, O_RDONLY | O_CLOEXEC);
  if (q->rfd < 0) return -errno;
  q->rfd_seq = q->rd_seq;
  return 0;
}

/* A record that was good when written or scanned reads back damaged: the
 * rest of its segment is skipped (and the writer leaves that segment). */
static void skip_rest(otlpd_dq *q, dq_seg *s, int err) {
  otlpd_error(q->o.log, "%s: segment %016" PRIx64 " unreadable at offset %" PRIu64 " (%s); %" PRIu64
              " bytes skipped",
              q->dir, s->seq, q->rd_off, strerror(-err), s->end - q->rd_off);
  s->end = q->rd_off;
  s->sealed = true;
  if (s == &q->segs[q->n_segs - 1]) {
    q->pend->seal = true;
    dq_kick(q);
  }
}

static int flight_push(otlpd_dq *q, const dq_flight *f) {
  if (q->fl_n == q->fl_cap) {
    size_t cap = q->fl_cap ? q->fl_cap * 2 : 16;
    dq_flight *v = malloc(cap * sizeof(*v));
    if (!v) return -ENOMEM;
    for (size_t i = 0; i < q->fl_n; i++) v[i] = q->fl[(q->fl_head + i) % q->fl_cap];
    free(q->fl);
    q->fl = v;
    q->fl_cap = cap;
    q->fl_head = 0;
  }
  q->fl[(q->fl_head + q->fl_n++) % q->fl_cap] = *f;
  return 0;
}

int otlpd_dq_next(otlpd_dq *q, otlpd_buf *out, uint32_t *items, uint64_t *ticket) {
  for (;;) {
    if (!otlpd_dq_has_unread(q)) return 0;
    dq_seg *s = dq_seg_find(q, q->rd_seq);
    uint8_t hdr[OTLPD_DQ_REC_HDR];
    uint32_t len;
    int rc = open_reader(q);
    if (rc == 0) rc = read_at(q->rfd, hdr, sizeof(hdr), q->rd_off);
    if (rc == 0) rc = otlpd_dq_frame_parse(hdr, &len, items);
    if (rc == 0 && q->rd_off + OTLPD_DQ_REC_HDR + len > s->end) rc = -EBADMSG;
    otlpd_buf_clear(out);
    if (rc == 0 && otlpd_buf_reserve(out, len) != 0) return -ENOMEM;
    if (rc == 0) rc = read_at(q->rfd, out->data, len, q->rd_off + OTLPD_DQ_REC_HDR);
    if (rc == 0 && !otlpd_dq_frame_check(hdr, out->data)) rc = -EBADMSG;
    if (rc < 0) {
      skip_rest(q, s, rc);
      continue;
    }
    out->len = len;
    uint64_t end = q->rd_off + OTLPD_DQ_REC_HDR + len;
    dq_flight f = {q->next_ticket, s->seq, end, otlpd_dq_measure(q->o.sizer, len, *items), *items, false};
    if (flight_push(q, &f) != 0) return -ENOMEM;
    *ticket = q->next_ticket++;
    q->rd_off = end;
    return 1;
  }
}

/* Move the persisted position over the acknowledged prefix and delete
 * the segments it left behind. */
static int advance(otlpd_dq *q) {
  uint64_t seq = q->ack_seq, off = q->ack_off;
  while (q->fl_n && q->fl[q->fl_head].acked) {
    seq = q->fl[q->fl_head].seq;
    off = q->fl[q->fl_head].end;
    q->fl_head = (q->fl_head + 1) % q->fl_cap;
    q->fl_n--;
  }
  if (!q->fl_n) { /* what the reader skipped is behind us too */
    seq = q->rd_seq;
    off = q->rd_off;
  }
  dq_pos_normalize(q, &seq, &off);
  if (seq == q->ack_seq && off == q->ack_off) return 0;
  q->pend->has_pos = true; /* the newest position wins: one replacement per group */
  q->pend->pos_seq = seq;
  q->pend->pos_off = off;
  q->ack_seq = seq;
  q->ack_off = off;
  if (q->rd_seq < seq || (q->rd_seq == seq && q->rd_off < off)) { /* the reader never lags the position */
    q->rd_seq = seq;
    q->rd_off = off;
  }
  dq_seg_drop_before(q, seq);
  dq_kick(q);
  return 0;
}

int otlpd_dq_peek(otlpd_dq *q, uint32_t *len, uint32_t *items) {
  if (!otlpd_dq_has_unread(q)) return 0;
  dq_seg *s = dq_seg_find(q, q->rd_seq);
  uint8_t hdr[OTLPD_DQ_REC_HDR];
  if (open_reader(q) != 0 || read_at(q->rfd, hdr, sizeof(hdr), q->rd_off) != 0) return 0;
  if (otlpd_dq_frame_parse(hdr, len, items) != 0) return 0;
  return q->rd_off + OTLPD_DQ_REC_HDR + *len <= s->end;
}

/* Marks one record acknowledged; the position is moved by the caller. */
static int mark_acked(otlpd_dq *q, uint64_t ticket) {
  for (size_t i = 0; i < q->fl_n; i++) {
    dq_flight *f = &q->fl[(q->fl_head + i) % q->fl_cap];
    if (f->ticket != ticket || f->acked) continue;
    f->acked = true;
    dq_seg *s = dq_seg_find(q, f->seq);
    if (s) {
      s->units -= f->units;
      s->records--;
      s->items -= f->items;
    }
    q->used -= f->units;
    q->records--;
    q->items -= f->items;
    return 0;
  }
  return -ENOENT;
}

int otlpd_dq_ack_range(otlpd_dq *q, uint64_t first, uint32_t n) {
  int rc = 0;
  for (uint32_t i = 0; i < n; i++)
    if (mark_acked(q, first + i) < 0) rc = -ENOENT;
  int arc = advance(q);
  return rc ? rc : arc;
}

int otlpd_dq_ack(otlpd_dq *q, uint64_t ticket) { return otlpd_dq_ack_range(q, ticket, 1); }
