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

static int write_all_at(int fd, struct iovec *iov, int n, uint64_t off) {
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

/* Start a new segment after the last one; the writer moves to it. */
static int start_segment(otlpd_dq *q) {
  uint64_t seq = q->n_segs ? q->segs[q->n_segs - 1].seq + 1 : q->ack_seq;
  char path[PATH_MAX];
  dq_seg_path(q, seq, path, sizeof(path));
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return -errno;
  struct iovec iov = {(void *)OTLPD_DQ_SEG_MAGIC, OTLPD_DQ_SEG_HDR};
  int rc = write_all_at(fd, &iov, 1, 0);
  if (rc == 0 && q->o.fsync && fsync(fd) < 0) rc = -errno;
  if (rc == 0 && q->o.fsync) rc = dq_fsync_dir(q);
  if (rc == 0 && !dq_seg_add(q, seq)) rc = -ENOMEM;
  if (rc < 0) {
    close(fd);
    unlink(path);
    return rc;
  }
  if (q->wfd >= 0) close(q->wfd);
  q->wfd = fd;
  return 0;
}

static int log_refused(otlpd_dq *q, int err) {
  otlpd_debug(q->o.log, "%s: write refused: %s", q->dir, strerror(-err));
  return -EAGAIN;
}

/* The disk is full and everything stored was sent: the segment still
 * being written is the only one left, and it is deleted only once a newer
 * one exists, which a full disk cannot create. Move the position past it
 * first (a crash then finds a segment before the position and deletes it),
 * then delete it, so the next append starts afresh. */
static bool reclaim(otlpd_dq *q, int err) {
  if ((err != -ENOSPC && err != -EDQUOT) || !q->n_segs || q->fl_n || otlpd_dq_has_unread(q)) return false;
  uint64_t seq = q->segs[q->n_segs - 1].seq + 1;
  if (dq_readpos_store(q, seq, OTLPD_DQ_SEG_HDR) < 0) return false;
  if (q->wfd >= 0) close(q->wfd);
  if (q->rfd >= 0) close(q->rfd);
  q->wfd = q->rfd = -1;
  for (size_t i = 0; i < q->n_segs; i++) {
    char path[PATH_MAX];
    dq_seg_path(q, q->segs[i].seq, path, sizeof(path));
    unlink(path);
  }
  q->n_segs = 0;
  q->used = q->records = q->items = 0; /* nothing unread and nothing in flight */
  q->ack_seq = q->rd_seq = seq;
  q->ack_off = q->rd_off = OTLPD_DQ_SEG_HDR;
  otlpd_info(q->o.log, "%s: disk full with every record sent; the last segment is deleted to make room", q->dir);
  return true;
}

static int append_once(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items, uint64_t units);

int otlpd_dq_append(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items) {
  if (!len || len > OTLPD_DQ_REC_MAX) return -EINVAL;
  uint64_t units = otlpd_dq_measure(q->o.sizer, len, items);
  if (!otlpd_dq_fits(q, units)) return -EAGAIN;
  int rc = append_once(q, p, len, items, units);
  if (rc < 0 && rc != -EINVAL && reclaim(q, rc)) rc = append_once(q, p, len, items, units);
  return rc < 0 ? log_refused(q, rc) : 0;
}

/* One attempt; the disk's error as it came. */
static int append_once(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items, uint64_t units) {
  uint64_t rec = OTLPD_DQ_REC_HDR + len;
  dq_seg *last = q->n_segs ? &q->segs[q->n_segs - 1] : NULL;
  if (q->wfd < 0 || (last->end > OTLPD_DQ_SEG_HDR && last->end + rec > q->o.segment_max)) {
    int rc = start_segment(q);
    if (rc < 0) return rc;
    last = &q->segs[q->n_segs - 1];
  }
  uint8_t hdr[OTLPD_DQ_REC_HDR];
  otlpd_dq_frame_header(hdr, p, (uint32_t)len, items);
  struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)p, len}};
  int rc = write_all_at(q->wfd, iov, 2, last->end);
  if (rc == 0 && q->o.fsync && fdatasync(q->wfd) < 0) rc = -errno;
  if (rc < 0) {
    /* Cut what was written; if even that fails, the segment is left to
     * recovery (a torn tail) and the next append starts a new one. */
    if (ftruncate(q->wfd, (off_t)last->end) < 0) {
      close(q->wfd);
      q->wfd = -1;
    }
    return rc;
  }
  last->end += rec;
  last->units += units;
  last->records++;
  last->items += items;
  q->used += units;
  q->records++;
  q->items += items;
  return 0;
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
  if (s == &q->segs[q->n_segs - 1] && q->wfd >= 0) {
    close(q->wfd);
    q->wfd = -1;
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
  int rc = dq_readpos_store(q, seq, off);
  if (rc < 0) {
    otlpd_error(q->o.log, "%s: cannot save the read position: %s (records may be sent again after a restart)",
                q->dir, strerror(-rc));
    return rc;
  }
  q->ack_seq = seq;
  q->ack_off = off;
  if (q->rd_seq < seq || (q->rd_seq == seq && q->rd_off < off)) { /* the reader never lags the position */
    q->rd_seq = seq;
    q->rd_off = off;
  }
  dq_seg_drop_before(q, seq);
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
