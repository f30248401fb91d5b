/* The in-memory list of segment files and positions within it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dq_internal.h"

dq_seg *dq_seg_find(otlpd_dq *q, uint64_t seq) {
  for (size_t i = 0; i < q->n_segs; i++)
    if (q->segs[i].seq == seq) return &q->segs[i];
  return NULL;
}

dq_seg *dq_seg_add(otlpd_dq *q, uint64_t seq) {
  if (q->n_segs == q->cap_segs) {
    size_t cap = q->cap_segs ? q->cap_segs * 2 : 8;
    dq_seg *v = realloc(q->segs, cap * sizeof(*v));
    if (!v) return NULL;
    q->segs = v;
    q->cap_segs = cap;
  }
  dq_seg *s = &q->segs[q->n_segs++];
  memset(s, 0, sizeof(*s));
  s->seq = seq;
  s->end = OTLPD_DQ_SEG_HDR;
  return s;
}

void dq_seg_drop_before(otlpd_dq *q, uint64_t seq) {
  size_t k = 0;
  while (k < q->n_segs && q->segs[k].seq < seq && k + 1 < q->n_segs) {
    dq_seg *s = &q->segs[k];
    /* what is left was skipped as unreadable */
    q->used -= s->units;
    q->records -= s->records;
    q->items -= s->items;
    if (q->rfd >= 0 && q->rfd_seq == s->seq) {
      close(q->rfd);
      q->rfd = -1;
    }
    k++;
  }
  if (!k) return;
  dq_job *j = q->pend;
  if (j->unlink_hi <= j->unlink_lo) j->unlink_lo = q->segs[0].seq;
  j->unlink_hi = q->segs[k].seq;
  memmove(q->segs, q->segs + k, (q->n_segs - k) * sizeof(*q->segs));
  q->n_segs -= k;
}

void dq_pos_normalize(otlpd_dq *q, uint64_t *seq, uint64_t *off) {
  for (size_t i = 0; i + 1 < q->n_segs; i++) {
    if (q->segs[i].seq < *seq) continue;
    if (q->segs[i].seq > *seq || *off < q->segs[i].end) return;
    *seq = q->segs[i + 1].seq;
    *off = OTLPD_DQ_SEG_HDR;
  }
}
