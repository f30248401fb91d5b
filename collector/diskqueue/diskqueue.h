/* A persistent FIFO of opaque records: the on-disk sending queue.
 *
 * One directory per queue holds append-only segment files and one small
 * read-position file:
 *
 *   <16 hex digits>.seg   "OTLPDQ01" then records, each
 *                         u32 len | u32 items | u32 crc32c(len,items,payload) | payload
 *                         (little endian); a new segment is started when
 *                         the current one reaches segment_max bytes.
 *   readpos               "OTLPDRP1" | u64 segment | u64 offset | u32 crc32c,
 *                         replaced atomically (temp file, fsync when
 *                         configured, rename; overwritten in place when a
 *                         full disk refuses the temp file): everything
 *                         before it is acknowledged.
 *
 * Records are read in order; a record is acknowledged when its sender is
 * done with it, out of order, and the read position advances over the
 * acknowledged prefix only, so after a crash every record not yet
 * acknowledged is read again (at least once). A segment is deleted once
 * the read position passed it.
 *
 * Open recovers: segments before the read position are deleted, every
 * other one is scanned and its records checked; the last segment is cut
 * at its first torn or corrupt record (the count of bytes cut is logged),
 * a corrupt middle segment is read up to its damage and the rest skipped.
 *
 * All calls run on the loop thread. Reads (pread) happen on it; writes go
 * to the queue's writer thread (dq_writer.c) in groups: while the writer
 * runs one group, new records and acknowledgements collect in the next;
 * a group is one write(2) per segment it touches, one fdatasync for all
 * its records (fsync set), then one read-position replacement for all
 * its acknowledgements. A record is readable, and its submitter told,
 * once the group that holds it is written (and synced). Open and close
 * run on the calling thread. The format and guarantees:
 * extensions/file_storage/README.md. */
#ifndef OTLPD_DISKQUEUE_H
#define OTLPD_DISKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/log.h"

uint32_t otlpd_crc32c(const void *data, size_t len);
uint32_t otlpd_crc32c_update(uint32_t crc, const void *data, size_t len);

#define OTLPD_DQ_SEG_MAGIC "OTLPDQ01"
#define OTLPD_DQ_SEG_HDR 8u
#define OTLPD_DQ_REC_HDR 12u
#define OTLPD_DQ_REC_MAX (256u << 20) /* longer lengths are corruption */
#define OTLPD_DQ_SEGMENT_MAX_DEFAULT (8u << 20)

/* Record framing (dq_frame.c). */
void otlpd_dq_frame_header(uint8_t hdr[OTLPD_DQ_REC_HDR], const uint8_t *payload, uint32_t len,
                           uint32_t items);
/* Checks a header's length bound; 0 or -EBADMSG. */
int otlpd_dq_frame_parse(const uint8_t hdr[OTLPD_DQ_REC_HDR], uint32_t *len, uint32_t *items);
/* The payload matches the header's checksum. */
bool otlpd_dq_frame_check(const uint8_t hdr[OTLPD_DQ_REC_HDR], const uint8_t *payload);

/* Sizers, as the sending queue's (otlpd_sizer). */
enum { OTLPD_DQ_REQUESTS = 0, OTLPD_DQ_ITEMS = 1, OTLPD_DQ_BYTES = 2 };

/* A submitted record is written (rc 0) or refused (-EAGAIN as for
 * otlpd_dq_append). Called on the loop, from otlpd_dq_poll or a call that
 * waits for the writer. */
typedef void (*otlpd_dq_done_fn)(void *arg, int rc);

typedef struct otlpd_dq_opts {
  const char *dir;      /* created (one level) when missing */
  bool fsync;           /* fdatasync each append and read-position update */
  uint64_t capacity;    /* in the sizer's unit; an empty queue takes any record */
  int sizer;
  uint64_t segment_max; /* 0 = OTLPD_DQ_SEGMENT_MAX_DEFAULT */
  const otlpd_logger *log;
  /* Called on the writer thread when a group is done: make the loop call
   * otlpd_dq_poll (uv_async_send). NULL: only the waiting calls (append,
   * flush, close) reap groups. */
  void (*wake)(void *arg);
  void *wake_arg;
  /* Run the writer's jobs on the calling thread, no writer thread (tools
   * and the fuzz target, which open a queue per input: a thread start per
   * open held it to a few hundred inputs a second). Not for the loop: a
   * write then blocks it. */
  bool inline_writer;
} otlpd_dq_opts;

typedef struct otlpd_dq otlpd_dq;

/* What open found on disk. */
typedef struct otlpd_dq_recovery {
  uint64_t records, items; /* waiting to be sent */
  uint64_t cut_bytes;      /* torn or corrupt tail cut from the last segment */
  uint64_t skipped_bytes;  /* unreadable rest of middle segments */
} otlpd_dq_recovery;

/* Open (and recover) the queue in o->dir, holding an exclusive flock on
 * <dir>/lock while open. 0, -EBUSY when another process has it open, or
 * another negative errno. */
int otlpd_dq_open(const otlpd_dq_opts *o, otlpd_dq **out, otlpd_dq_recovery *rec);
/* Flushes (callbacks still run), stops the writer and closes. */
void otlpd_dq_close(otlpd_dq *q);

/* Would a record of `size` sizer units be taken now? */
bool otlpd_dq_fits(const otlpd_dq *q, uint64_t size);
/* A record's size in the sizer's unit (bytes: its payload). */
uint64_t otlpd_dq_measure(int sizer, size_t len, uint32_t items);
/* Append one record. 0; -EAGAIN when full or when the disk refused the
 * write (ENOSPC, EDQUOT, EFBIG, EIO: the partial record is cut off again
 * or left behind in a segment no longer written; what is stored is never
 * touched); -EINVAL for an empty or oversized record. */
int otlpd_dq_append(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items);
/* Queue one record (p is copied) for the writer: -EAGAIN when full,
 * -EINVAL as append, -ENOMEM; else 0 and cb(arg, rc) follows once it is
 * written or refused. Counted in used/records/items from now. */
int otlpd_dq_submit(otlpd_dq *q, const uint8_t *p, size_t len, uint32_t items, otlpd_dq_done_fn cb, void *arg);
/* Loop: take a finished group (callbacks run) and hand the next over. */
void otlpd_dq_poll(otlpd_dq *q);
/* Wait until everything submitted and acknowledged is written. */
void otlpd_dq_flush(otlpd_dq *q);
/* Replace the wake-up; the old one is not called after this returns. */
void otlpd_dq_set_wake(otlpd_dq *q, void (*wake)(void *arg), void *arg);
/* fsync/fdatasync calls the writer made so far (reaped groups). */
uint64_t otlpd_dq_syncs(const otlpd_dq *q);

/* The next unread record into out (cleared first): 1, 0 when none, or
 * negative errno. *ticket names it for otlpd_dq_ack. */
int otlpd_dq_next(otlpd_dq *q, otlpd_buf *out, uint32_t *items, uint64_t *ticket);
/* Length and item count of the next unread record, without reading it:
 * 1, or 0 when there is none or its header is damaged (otlpd_dq_next
 * then deals with it). */
int otlpd_dq_peek(otlpd_dq *q, uint32_t *len, uint32_t *items);
/* The sender is done with the record (sent, or given up for good). */
int otlpd_dq_ack(otlpd_dq *q, uint64_t ticket);
/* The same for n records of consecutive tickets from `first` (one request
 * made of several records), moving the read position once. */
int otlpd_dq_ack_range(otlpd_dq *q, uint64_t first, uint32_t n);

uint64_t otlpd_dq_used(const otlpd_dq *q);    /* units not yet acknowledged */
uint64_t otlpd_dq_records(const otlpd_dq *q); /* records not yet acknowledged */
uint64_t otlpd_dq_items(const otlpd_dq *q);   /* their items */
bool otlpd_dq_has_unread(const otlpd_dq *q);

#endif
