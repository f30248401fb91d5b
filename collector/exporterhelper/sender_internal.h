/* The sender's private state, shared by its files (queue, dispatch,
 * shutdown). Loop thread only. */
#ifndef OTLPD_SENDER_INTERNAL_H
#define OTLPD_SENDER_INTERNAL_H

#include "diskqueue/diskqueue.h"
#include "otlpd/exporterhelper.h"

/* FIFO of referenced batches with their size in the sizer's unit: a ring
 * that grows by doubling (its length is bounded by the capacity check). */
typedef struct send_queue_entry {
  otlpd_batch *batch;
  uint64_t size;
} send_queue_entry;

typedef struct send_queue {
  send_queue_entry *v;
  size_t head, n, cap;
  uint64_t used; /* sum of sizes */
} send_queue;

int send_queue_push(send_queue *q, otlpd_batch *b, uint64_t size); /* 0 or -ENOMEM */
bool send_queue_pop(send_queue *q, send_queue_entry *out);
void send_queue_free(send_queue *q);
/* b's size in the sizer's unit. */
uint64_t send_queue_measure(int sizer, const otlpd_batch *b);

/* At most one log line per window: the first event logs at once, later
 * ones are summed and logged with the next event after the window. */
typedef struct send_ratelimit {
  uint64_t last_ms;
  uint64_t pending; /* items since the last line */
  bool logged;
} send_ratelimit;
#define SEND_LOG_WINDOW_MS 10000
/* Adds items; true when a line should be written now with *total items. */
bool send_ratelimit_hit(send_ratelimit *r, uint64_t now_ms, uint64_t items, uint64_t *total);

enum { REQ_IDLE = 0, REQ_SENDING, REQ_WAITING };

/* A slot's record in the persistent queue. */
typedef struct sender_disk_slot {
  uint64_t ticket; /* the first record's */
  uint32_t n;      /* records merged into the request: tickets ticket .. ticket + n - 1 */
  bool has;  /* the slot's request came from the disk queue */
  bool keep; /* given up at shutdown: not acknowledged, sent after restart */
} sender_disk_slot;

struct otlpd_storage;
struct otlpd_durable;

/* A batch's record on its way to disk, with the receivers' waits it
 * holds (sender_disk.c); reused through a free list, its array of waits
 * with it (grown by doubling, so the steady state allocates nothing). */
typedef struct disk_wait {
  struct disk_wait *next;
  struct otlpd_sender *s;
  size_t n, cap;
  struct otlpd_durable **d;
  uint64_t items;
  size_t charged; /* bytes charged to host->mem while the writer holds the copy */
} disk_wait;

struct otlpd_sender {
  otlpd_consumer base;
  const otlpd_host *host;
  const otlpd_exphelper_cfg *cfg;
  const otlpd_sender_ops *ops;
  void *exporter;
  unsigned signals;
  otlpd_rng rng;
  send_queue q;
  otlpd_send_req *slots; /* num_consumers requests, reused */
  size_t *free_slots;    /* stack of idle slot indices */
  size_t n_slots, n_free;
  bool pumping; /* dispatch loop running: nested calls leave it to the loop */
  send_ratelimit drop_log, fail_log;
  /* shutdown */
  bool stopping, expired, closing, drained_called;
  uint64_t deadline_ms; /* loop time, when stopping */
  uv_timer_t deadline;
  bool deadline_init;
  int open_handles;
  uint64_t shutdown_dropped; /* items given up because of shutdown */
  void (*drained)(void *arg);
  void *drained_arg;
  /* persistent queue (sender_disk.c); storage NULL = the queue is q */
  const struct otlpd_storage *storage;
  otlpd_dq *dq[OTLPD_SIGNAL_COUNT]; /* per signal, open after otlpd_sender_start */
  bool disk_opened;                 /* otlpd_sender_start ran (once, even if it failed) */
  sender_disk_slot *dslots;         /* per slot */
  otlpd_buf enc, rec;               /* a batch encoded for append / a record read back */
  int next_signal;                  /* round robin over the signals' queues */
  uv_async_t dq_async;              /* the queues' writers: a group is done */
  bool dq_async_init;
  disk_wait *free_waits;
};

/* sender.c */
void sender_pump(otlpd_sender *s);
/* Start the first attempt of b (reference moves to the request) in the
 * free slot free_slots[n_free - 1]. */
void sender_start_request(otlpd_sender *s, otlpd_batch *b);
void sender_update_gauge(otlpd_sender *s);
void sender_fail(otlpd_send_req *req, const char *why, const char *msg, bool shutdown);
void sender_log_dropped_oldest(otlpd_sender *s, uint64_t items);
/* sender_shutdown.c */
void sender_check_drained(otlpd_sender *s);
/* The daemon drains: arm the deadline timer at host->drain_deadline_ms
 * (once). */
void sender_notice_drain(otlpd_sender *s);
/* Past the deadline: b is dropped and counted (returns OTLPD_OK). */
int sender_drop_late(otlpd_sender *s, const otlpd_batch *b);

/* sender_disk.c */
int sender_disk_consume(otlpd_sender *s, otlpd_batch *b);
int sender_disk_admit(otlpd_sender *s, const otlpd_batch *b);
void sender_disk_pump(otlpd_sender *s);
void sender_disk_keep(otlpd_sender *s, otlpd_send_req *req);   /* stays on disk */
void sender_disk_finish(otlpd_sender *s, otlpd_send_req *req); /* acknowledge unless kept */
void sender_disk_stop(otlpd_sender *s);
void sender_disk_log_kept(otlpd_sender *s);
uint64_t sender_disk_used(const otlpd_sender *s);
void sender_disk_quiesce(otlpd_sender *s); /* drained: writes done, no more wake-ups */
void sender_disk_free(otlpd_sender *s);

#endif
