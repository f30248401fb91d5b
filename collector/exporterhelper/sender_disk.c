/* The persistent sending queue (sending_queue::storage): consume() appends
 * the batch, encoded as an Export*ServiceRequest, to the disk queue of
 * its signal. A batch from a receiver that waits (payload->durable,
 * otlpd/durable.h) is submitted to the queue's writer thread and consume()
 * answers OK at once, holding the receiver's wait until the group that
 * holds the record is written (and synced): the client's OK follows
 * then. Any other batch is appended synchronously, as before, so OK means
 * on disk. The writer wakes the loop through one uv_async per sender,
 * which reaps finished groups and pumps. Consumer slots read
 * records back, decode them into batches and send them; a record is
 * acknowledged (the read position moves) only once its request finished —
 * sent, refused for good or given up — so after a crash whatever was not
 * finished is sent again. Requests given up at shutdown stay on disk.
 *
 * One queue directory per exporter and signal under the extension's
 * directory: exporter_<id>_<signal> ("/" in the id becomes "_"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlpd/codec.h"
#include "otlpd/durable.h"
#include "otlpd/storage.h"
#include "sender_internal.h"

#define ENC_KEEP_MAX (1u << 20)

uint64_t sender_disk_used(const otlpd_sender *s) {
  uint64_t n = 0;
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++)
    if (s->dq[i]) n += otlpd_dq_used(s->dq[i]);
  return n;
}

static void queue_dir(const otlpd_sender *s, otlpd_signal sig, char *out, size_t n) {
  int k = snprintf(out, n, "%s/exporter_", s->storage->directory);
  for (const char *p = s->host->id ? s->host->id : "exporter"; *p && k + 1 < (int)n; p++, k++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_';
    out[k] = ok ? c : '_';
  }
  out[k] = 0;
  snprintf(out + k, n - (size_t)k, "_%s", otlpd_signal_name(sig));
}

/* Writer thread: a group is done. */
static void dq_wake(void *arg) { uv_async_send(arg); }

static void on_dq_wake(uv_async_t *a) {
  otlpd_sender *s = a->data;
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++)
    if (s->dq[i]) otlpd_dq_poll(s->dq[i]);
  sender_update_gauge(s);
  sender_pump(s);
}

static int open_signal(otlpd_sender *s, otlpd_signal sig) {
  char dir[4096];
  queue_dir(s, sig, dir, sizeof(dir));
  otlpd_dq_opts o = {
      .dir = dir,
      .fsync = s->storage->fsync,
      .capacity = (uint64_t)s->cfg->queue.queue_size,
      .sizer = s->cfg->queue.sizer,
      .log = &s->host->log,
      .wake = dq_wake,
      .wake_arg = &s->dq_async,
  };
  otlpd_dq_recovery rec;
  int rc = otlpd_dq_open(&o, &s->dq[sig], &rec);
  if (rc < 0) {
    otlpd_error(&s->host->log, "cannot open the persistent queue %s: %s", dir,
                rc == -EBUSY ? "in use by another process" : strerror(-rc));
    return rc;
  }
  if (rec.records)
    otlpd_info(&s->host->log, "persistent queue %s: %" PRIu64 " items (%" PRIu64 " requests) from the last run to send",
               dir, rec.items, rec.records);
  if (rec.cut_bytes || rec.skipped_bytes)
    otlpd_warn(&s->host->log, "persistent queue %s: %" PRIu64 " bytes of torn or corrupt records cut, %" PRIu64
               " bytes of damaged segments skipped",
               dir, rec.cut_bytes, rec.skipped_bytes);
  return 0;
}

int otlpd_sender_start(otlpd_sender *s) {
  if (!s->storage || s->disk_opened) return 0;
  s->disk_opened = true;
  if (uv_async_init(s->host->loop, &s->dq_async, on_dq_wake) != 0) return -ENOMEM;
  s->dq_async.data = s;
  uv_unref((uv_handle_t *)&s->dq_async); /* a wake-up alone keeps no loop running */
  s->dq_async_init = true;
  s->open_handles++;
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (!(s->signals & OTLPD_SIGNAL_BIT(i))) continue;
    int rc = open_signal(s, (otlpd_signal)i);
    if (rc < 0) return rc;
  }
  sender_update_gauge(s);
  sender_pump(s);
  return 0;
}

/* An exporter that does not call otlpd_sender_start() yet: open on first
 * use (what a previous run left is then sent from the first batch on). */
static otlpd_dq *queue_of(otlpd_sender *s, otlpd_signal sig) {
  if (!s->disk_opened) otlpd_sender_start(s);
  return s->dq[sig];
}

static bool drops_oldest(const otlpd_sender *s) {
  return s->cfg->queue.drop_on_overflow == OTLPD_DROP_OLDEST && !s->cfg->queue.block_on_overflow;
}

int sender_disk_admit(otlpd_sender *s, const otlpd_batch *b) {
  otlpd_dq *q = queue_of(s, b->signal);
  if (!q) return OTLPD_ERR_RETRY;
  if (otlpd_dq_fits(q, send_queue_measure(s->cfg->queue.sizer, b))) return OTLPD_OK;
  return drops_oldest(s) && otlpd_dq_has_unread(q) ? OTLPD_OK : OTLPD_ERR_RETRY;
}

/* drop_on_overflow: oldest — acknowledge the oldest unread records (not
 * those in flight) without sending them until `size` fits; counted. */
static void disk_drop_oldest(otlpd_sender *s, otlpd_dq *q, otlpd_signal sig, uint64_t size) {
  uint64_t dropped = 0;
  uint32_t items;
  uint64_t ticket;
  while (!otlpd_dq_fits(q, size) && otlpd_dq_next(q, &s->rec, &items, &ticket) == 1) {
    otlpd_dq_ack(q, ticket);
    otlpd_count(&s->host->counters->dropped_oldest[sig], items);
    dropped += items;
  }
  sender_log_dropped_oldest(s, dropped);
}

static void log_refused(otlpd_sender *s, const otlpd_batch *b, otlpd_dq *q) {
  uint64_t total;
  if (!send_ratelimit_hit(&s->drop_log, uv_now(s->host->loop), b->items, &total)) return;
  otlpd_warn(&s->host->log,
             "persistent queue full (%" PRIu64 " of %" PRId64 ") or the disk refused the write: refused %" PRIu64
             " items retryably (logged at most every 10 s)",
             otlpd_dq_used(q), s->cfg->queue.queue_size, total);
}

/* Room for one more wait in w (the array is kept across uses). */
static int wait_reserve(disk_wait *w) {
  if (w->n < w->cap) return 0;
  size_t cap = w->cap ? w->cap * 2 : 16;
  otlpd_durable **d = realloc(w->d, cap * sizeof(*d));
  if (!d) return -ENOMEM;
  w->d = d;
  w->cap = cap;
  return 0;
}

/* The receivers' waits of b's payloads. A payload's resources sit next
 * to each other in a batch, so a wait equal to the last one taken is
 * skipped; one met again further on is taken again, which is still
 * right: it is held and released once per entry. */
static int collect_waits(const otlpd_batch *b, disk_wait *w) {
  w->n = 0;
  for (size_t i = 0; i < b->n; i++) {
    const otlpd_payload *p = b->owners[i];
    while (!p->durable && p->parent) p = p->parent;
    if (!p->durable || (w->n && w->d[w->n - 1] == p->durable)) continue;
    if (wait_reserve(w) != 0) return -ENOMEM;
    w->d[w->n++] = p->durable;
  }
  return 0;
}

static disk_wait *wait_get(otlpd_sender *s) {
  disk_wait *w = s->free_waits;
  if (w) s->free_waits = w->next;
  else w = calloc(1, sizeof(*w));
  if (w) w->s = s;
  return w;
}

static void wait_put(otlpd_sender *s, disk_wait *w) {
  w->next = s->free_waits;
  s->free_waits = w;
}

/* Loop: the record of a batch with waiting receivers is written or refused. */
static void on_written(void *arg, int rc) {
  disk_wait *w = arg;
  otlpd_sender *s = w->s;
  otlpd_memacct_release(s->host->mem, w->charged);
  if (rc < 0) {
    uint64_t total;
    if (send_ratelimit_hit(&s->drop_log, uv_now(s->host->loop), w->items, &total))
      otlpd_warn(&s->host->log,
                 "the disk refused the persistent queue's write: refused %" PRIu64
                 " items retryably (logged at most every 10 s)",
                 total);
  }
  for (size_t i = 0; i < w->n; i++) otlpd_durable_release(w->d[i], rc < 0 ? OTLPD_ERR_RETRY : 0);
  wait_put(s, w);
}

/* Hand the encoded batch to the writer; the receivers' OK waits for it. */
static int submit(otlpd_sender *s, otlpd_dq *q, disk_wait *w, const otlpd_batch *b) {
  w->items = b->items;
  w->charged = s->enc.len;
  int rc = otlpd_dq_submit(q, s->enc.data, s->enc.len, (uint32_t)b->items, on_written, w);
  if (rc < 0) return rc;
  otlpd_memacct_charge(s->host->mem, w->charged);
  for (size_t i = 0; i < w->n; i++) otlpd_durable_hold(w->d[i]);
  return 0;
}

int sender_disk_consume(otlpd_sender *s, otlpd_batch *b) {
  otlpd_dq *q = queue_of(s, b->signal);
  if (!q) return OTLPD_ERR_RETRY; /* the queue could not be opened (logged) */
  otlpd_buf_clear(&s->enc);
  if (otlpd_batch_encode_pb(b, &s->enc) != 0) return -ENOMEM;
  uint64_t size = otlpd_dq_measure(s->cfg->queue.sizer, s->enc.len, (uint32_t)b->items);
  if (drops_oldest(s) && !otlpd_dq_fits(q, size)) disk_drop_oldest(s, q, b->signal, size);
  disk_wait *w = wait_get(s);
  int rc;
  if (w && collect_waits(b, w) == 0 && w->n) {
    rc = submit(s, q, w, b);
    if (rc < 0) wait_put(s, w);
  } else { /* nobody waits (or no memory to track who does): OK means written */
    if (w) wait_put(s, w);
    rc = otlpd_dq_append(q, s->enc.data, s->enc.len, (uint32_t)b->items);
  }
  if (s->enc.cap > ENC_KEEP_MAX) otlpd_buf_free(&s->enc);
  if (rc == -EINVAL) return OTLPD_ERR_PERMANENT; /* a single batch over the record limit */
  if (rc == -ENOMEM) return -ENOMEM;
  if (rc < 0) {
    log_refused(s, b, q);
    return OTLPD_ERR_RETRY;
  }
  sender_update_gauge(s);
  sender_pump(s);
  return OTLPD_OK;
}

static otlpd_batch *decode_record(otlpd_sender *s, otlpd_signal sig) {
  otlpd_arena *a = otlpd_arena_new(s->rec.len * 8 + 4096);
  if (!a) return NULL;
  char err[160];
  otlpd_raw raw = {0};
  ProtobufCMessage *m =
      otlpd_pb_decode_keep(otlpd_request_descriptor(sig), s->rec.data, s->rec.len, a, err, sizeof(err), &raw);
  if (!m) {
    otlpd_error(&s->host->log, "persistent queue: a stored %s request does not decode (%s); dropped",
                otlpd_signal_name(sig), err);
    otlpd_arena_free(a);
    return NULL;
  }
  otlpd_payload *p = otlpd_payload_new(sig, a, m, s->host->mem);
  if (!p) {
    otlpd_arena_free(a);
    return NULL;
  }
  p->raw = raw;
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  return b;
}

/* Read-side batching: a request takes consecutive records while they
 * stay under these bounds (the batch processor passes batches straight
 * into a persistent queue, so this is where small requests merge). What
 * is already queued merges; nothing waits for more. */
#define MERGE_ITEMS 8192
#define MERGE_BYTES (4u << 20)
#define MERGE_RECORDS 256

/* Append the following records of q to b while they fit the bounds;
 * *n counts the records b holds. */
static void merge_more(otlpd_sender *s, otlpd_signal sig, otlpd_batch *b, size_t bytes, uint32_t *n) {
  otlpd_dq *q = s->dq[sig];
  uint32_t len, items;
  while (*n < MERGE_RECORDS && otlpd_dq_peek(q, &len, &items) == 1 && b->items + items <= MERGE_ITEMS &&
         bytes + len <= MERGE_BYTES) {
    uint64_t ticket;
    if (otlpd_dq_next(q, &s->rec, &items, &ticket) != 1) return;
    otlpd_batch *more = decode_record(s, sig);
    int arc = more ? otlpd_batch_append(b, more) : -EBADMSG;
    (*n)++; /* its ticket follows the others: the request acknowledges it */
    if (arc != 0) { /* undecodable (logged) or out of memory: given up, counted */
      otlpd_count(&s->host->counters->send_failed[sig], items);
      if (arc == -ENOMEM) otlpd_error(&s->host->log, "persistent queue: out of memory merging records; %u items dropped", items);
      if (more) otlpd_batch_unref(more);
      return;
    }
    otlpd_batch_unref(more);
    bytes += len;
  }
}

/* Read records of signal sig into a free slot. false: nothing to read. */
static bool start_one(otlpd_sender *s, otlpd_signal sig) {
  otlpd_dq *q = s->dq[sig];
  uint32_t items;
  uint64_t ticket;
  int rc = otlpd_dq_next(q, &s->rec, &items, &ticket);
  if (rc <= 0) {
    if (rc < 0) otlpd_error(&s->host->log, "persistent queue: read failed: %s", strerror(-rc));
    return false;
  }
  otlpd_batch *b = decode_record(s, sig);
  if (!b) { /* undecodable: counted and acknowledged, never retried */
    otlpd_count(&s->host->counters->send_failed[sig], items);
    otlpd_dq_ack(q, ticket);
    return true;
  }
  uint32_t n = 1;
  merge_more(s, sig, b, s->rec.len, &n);
  size_t slot = s->free_slots[s->n_free - 1];
  s->dslots[slot] = (sender_disk_slot){ticket, n, true, false};
  sender_start_request(s, b);
  return true;
}

void sender_disk_pump(otlpd_sender *s) {
  bool any = true;
  while (any && s->n_free && !s->stopping && !s->expired) {
    any = false;
    for (int k = 0; k < OTLPD_SIGNAL_COUNT && s->n_free; k++) {
      otlpd_signal sig = (otlpd_signal)((s->next_signal + k) % OTLPD_SIGNAL_COUNT);
      if (s->dq[sig] && start_one(s, sig)) any = true;
    }
    s->next_signal = (s->next_signal + 1) % OTLPD_SIGNAL_COUNT;
  }
  if (s->rec.cap > ENC_KEEP_MAX) otlpd_buf_free(&s->rec);
}

void sender_disk_keep(otlpd_sender *s, otlpd_send_req *req) {
  sender_disk_slot *d = &s->dslots[req - s->slots];
  if (d->has) d->keep = true;
}

void sender_disk_finish(otlpd_sender *s, otlpd_send_req *req) {
  sender_disk_slot *d = &s->dslots[req - s->slots];
  if (!d->has) return;
  d->has = false;
  if (!d->keep) otlpd_dq_ack_range(s->dq[req->signal], d->ticket, d->n);
  sender_update_gauge(s);
}

/* Shutdown: requests waiting to retry are not waited for; they stay on
 * disk for the next start. */
void sender_disk_stop(otlpd_sender *s) {
  for (size_t i = 0; i < s->n_slots; i++) {
    otlpd_send_req *req = &s->slots[i];
    if (req->state != REQ_WAITING) continue;
    uv_timer_stop(&req->timer);
    sender_fail(req, "shutting down", NULL, true);
  }
}

void sender_disk_log_kept(otlpd_sender *s) {
  uint64_t items = 0, records = 0;
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (!s->dq[i]) continue;
    items += otlpd_dq_items(s->dq[i]);
    records += otlpd_dq_records(s->dq[i]);
  }
  if (records)
    otlpd_info(&s->host->log, "kept %" PRIu64 " items (%" PRIu64 " requests) in the persistent queue for the next start",
               items, records);
}

/* Drained: every write is done (waiting clients answered), then the
 * writers stop waking the loop, so the async handle can close. */
void sender_disk_quiesce(otlpd_sender *s) {
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (!s->dq[i]) continue;
    otlpd_dq_flush(s->dq[i]);
    otlpd_dq_set_wake(s->dq[i], NULL, NULL);
  }
}

void sender_disk_free(otlpd_sender *s) {
  for (int i = 0; i < OTLPD_SIGNAL_COUNT; i++) {
    if (!s->dq[i]) continue;
    otlpd_dq_set_wake(s->dq[i], NULL, NULL); /* flushed by close, without a wake-up */
    otlpd_dq_close(s->dq[i]);
  }
  while (s->free_waits) {
    disk_wait *w = s->free_waits;
    s->free_waits = w->next;
    free(w->d);
    free(w);
  }
  otlpd_buf_free(&s->enc);
  otlpd_buf_free(&s->rec);
  free(s->dslots);
}
