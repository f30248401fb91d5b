/* Loop-thread side of the file exporter's writes: encoded records gather in
 * a chunk; full chunks (or whatever the flush timer finds) are queued in
 * order and handed to libuv's threadpool one job at a time, so the loop
 * never waits on the disk and records land in the order they came. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_exporter.h"

#define SPARE_MAX 4                          /* recycled chunks kept */
#define SPARE_CAP_MAX (4 * FILE_CHUNK_TARGET) /* bigger buffers are freed */

static file_chunk *chunk_get(file_exporter *fe) {
  file_chunk *c = fe->spare;
  if (c) {
    fe->spare = c->next;
    fe->n_spare--;
  } else if (!(c = calloc(1, sizeof(*c)))) {
    return NULL;
  }
  c->next = NULL;
  c->buf.len = 0;
  memset(c->items, 0, sizeof(c->items));
  c->failed = false;
  c->rotate_at = SIZE_MAX;
  c->flags = 0;
  return c;
}

static void chunk_free(file_chunk *c) {
  otlpd_buf_free(&c->buf);
  free(c);
}

static void chunk_put(file_exporter *fe, file_chunk *c) {
  if (fe->n_spare >= SPARE_MAX || c->buf.cap > SPARE_CAP_MAX) {
    chunk_free(c);
    return;
  }
  c->next = fe->spare;
  fe->spare = c;
  fe->n_spare++;
}

int file_queue_reserve(file_exporter *fe, size_t n) {
  if (!fe->cur && !(fe->cur = chunk_get(fe))) return -ENOMEM;
  otlpd_buf *b = &fe->cur->buf;
  /* Size a fresh buffer for a whole chunk at once instead of doubling up. */
  size_t want = fe->chunk_target + fe->chunk_target / 4;
  if (b->cap == 0 && n < want) n = want;
  return otlpd_buf_reserve(b, n);
}

int file_queue_seal(file_exporter *fe, unsigned flags) {
  file_chunk *c = fe->cur;
  if (!c || (c->buf.len == 0 && c->rotate_at == SIZE_MAX && !flags)) return 0;
  fe->cur = NULL;
  c->flags |= flags;
  if (fe->tail)
    fe->tail->next = c;
  else
    fe->head = c;
  fe->tail = c;
  return 0;
}

static void work_cb(uv_work_t *req) {
  file_exporter *fe = req->data;
  file_sink_run(&fe->sink, &fe->job);
}

static void release_chunks(file_exporter *fe, file_chunk *c) {
  size_t bytes = 0;
  otlpd_counters *ctr = fe->host->counters;
  while (c) {
    file_chunk *next = c->next;
    bytes += c->buf.len;
    for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++)
      otlpd_count(c->failed ? &ctr->send_failed[s] : &ctr->sent[s], c->items[s]);
    chunk_put(fe, c);
    c = next;
  }
  fe->queued_bytes -= bytes;
  otlpd_memacct_release(fe->host->mem, bytes);
}

/* A failing disk is reported once when it starts failing and once when it
 * recovers, with what was lost in between, not once per write. */
static void report(file_exporter *fe, const file_job *job) {
  const otlpd_logger *lg = &fe->host->log;
  fe->written_bytes += job->written_bytes;
  if (job->err) {
    fe->dropped_bytes += job->failed_bytes;
    fe->dropped_items += job->failed_items;
    if (!fe->in_error) {
      char why[160];
      snprintf(why, sizeof(why), "writing %s failed: %s", fe->sink.path, uv_strerror(job->err));
      otlpd_error(lg, "%s; dropping data until writes succeed again", why);
      otlpd_report_status(fe->host, OTLPD_STATUS_RECOVERABLE, why);
    }
    fe->in_error = true;
  } else if (fe->in_error && job->any_ok) {
    otlpd_info(lg, "writing %s works again; %llu items (%llu bytes) were dropped so far",
               fe->sink.path, (unsigned long long)fe->dropped_items,
               (unsigned long long)fe->dropped_bytes);
    fe->in_error = false;
    otlpd_report_status(fe->host, OTLPD_STATUS_OK, NULL);
  }
}

static void after_work_cb(uv_work_t *req, int status) {
  file_exporter *fe = req->data;
  (void)status; /* jobs are never cancelled */
  fe->job_busy = false;
  report(fe, &fe->job);
  release_chunks(fe, fe->job.chunks);
  fe->job.chunks = NULL;
  if (fe->stopping && !fe->head && !fe->cur) fe->closed = true;
  file_queue_kick(fe);
}

void file_queue_kick(file_exporter *fe) {
  if (fe->job_busy || !fe->head) return;
  file_job *job = &fe->job;
  memset(job, 0, sizeof(*job));
  job->req.data = fe;
  /* A job takes a quarter of the queue at most: its bytes stay counted
   * until it completes, so taking everything would stop the encoding side
   * for the whole write instead of overlapping with it. */
  size_t max = fe->queue_limit / 4, bytes = 0;
  file_chunk *last = fe->head;
  bytes = last->buf.len;
  while (last->next && bytes + last->next->buf.len <= max) {
    last = last->next;
    bytes += last->buf.len;
  }
  file_chunk *rest = last->next;
  last->next = NULL;
  job->chunks = fe->head;
  int rc = uv_queue_work(fe->host->loop, &job->req, work_cb, after_work_cb);
  if (rc < 0) {
    /* Keep the chunks queued; the next seal or timer tick tries again. */
    last->next = rest;
    job->chunks = NULL;
    otlpd_error(&fe->host->log, "cannot queue a write: %s", uv_strerror(rc));
    return;
  }
  fe->head = rest;
  if (!rest) fe->tail = NULL;
  fe->job_busy = true;
}

static void on_flush_timer(uv_timer_t *t) {
  file_exporter *fe = t->data;
  file_queue_seal(fe, 0);
  file_queue_kick(fe);
}

int file_queue_start(file_exporter *fe) {
  int rc = uv_timer_init(fe->host->loop, &fe->timer);
  if (rc < 0) return rc;
  fe->timer_init = true;
  fe->timer.data = fe;
  return uv_timer_start(&fe->timer, on_flush_timer, fe->flush_ms, fe->flush_ms);
}

void file_queue_shutdown(file_exporter *fe) {
  if (fe->stopping) return;
  fe->stopping = true;
  if (fe->timer_init && !uv_is_closing((uv_handle_t *)&fe->timer))
    uv_close((uv_handle_t *)&fe->timer, NULL);
  /* Everything gathered so far, then close the file in the same order. */
  if (file_queue_reserve(fe, 0) == 0) file_queue_seal(fe, FILE_CHUNK_CLOSE);
  file_queue_kick(fe);
  if (!fe->job_busy && !fe->head) fe->closed = true;
}

void file_queue_free(file_exporter *fe) {
  file_chunk *lists[] = {fe->cur, fe->head, fe->spare};
  size_t bytes = 0;
  /* Data still queued here was never written. */
  for (int l = 0; l < 2; l++)
    for (file_chunk *c = lists[l]; c; c = c->next) {
      bytes += c->buf.len;
      for (int s = 0; s < OTLPD_SIGNAL_COUNT; s++)
        otlpd_count(&fe->host->counters->send_failed[s], c->items[s]);
    }
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
    for (file_chunk *c = lists[i], *next; c; c = next) {
      next = c->next;
      chunk_free(c);
    }
  }
  fe->cur = fe->head = fe->tail = fe->spare = NULL;
  fe->n_spare = 0;
  otlpd_memacct_release(fe->host->mem, bytes);
  fe->queued_bytes = 0;
}
