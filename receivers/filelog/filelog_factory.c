/* filelog receiver lifecycle and the poll cycle's loop side: a timer
 * queues one threadpool work request at a time (filelog_cycle.c); its
 * after_work hands the request to the pipeline and commits the offsets it
 * read, or rolls them back when the pipeline refuses (the file is the
 * buffer: nothing is dropped, nothing is held in memory meanwhile). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filelog.h"
#include "filelog_read.h"
#include "otlpd/config.h"
#include "otlpd/storage.h"

/* Ask a refusing pipeline again after this long (ms) at most. */
#define FL_PROBE_MS 20

static void schedule(filelog_recv *r, uint64_t ms);

static int create(const otlpd_create_params *p, void **state) {
  filelog_recv *r = calloc(1, sizeof(*r));
  if (!r) return -ENOMEM;
  r->host = p->host;
  r->cfg = p->config;
  r->next = p->next[OTLPD_LOGS];
  *state = r; /* destroy frees what was built */
  char why[256] = "";
  int rc = fl_recv_init(r, why, sizeof(why));
  if (rc < 0) otlpd_error(&r->host->log, "%s", why[0] ? why : strerror(-rc));
  return rc;
}

static void commit(filelog_recv *r, bool accepted) {
  for (fl_reader *rd = r->readers; rd; rd = rd->next) {
    if (accepted && rd->pending != rd->offset) {
      rd->offset = rd->pending;
      r->store_dirty = true;
    }
    rd->pending = rd->offset;
  }
}

/* The pipeline's answer: OTLPD_OK (commit), RETRY (roll back), PERMANENT (skip). */
static int deliver(filelog_recv *r, fl_cycle *cy) {
  if (cy->records == 0 || !r->next) {
    otlpd_arena_free(cy->arena);
    return OTLPD_OK;
  }
  otlpd_counters *c = r->host->counters;
  otlpd_payload *p = otlpd_payload_new(OTLPD_LOGS, cy->arena, &cy->req->base, r->host->mem);
  if (!p) {
    otlpd_arena_free(cy->arena);
    return OTLPD_ERR_RETRY;
  }
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  if (!b) return OTLPD_ERR_RETRY;
  int rc = otlpd_admit(r->next, b);
  if (rc == OTLPD_OK) rc = otlpd_consume(r->next, b);
  otlpd_batch_unref(b);
  otlpd_count(rc == OTLPD_OK ? &c->accepted[OTLPD_LOGS] : &c->refused[OTLPD_LOGS], cy->records);
  return rc;
}

static uint64_t ms(int64_t ns) { return (uint64_t)(ns / OTLPD_NS_PER_MS); }

/* How soon to ask again after a refusal: retry_on_failure's back-off
 * when enabled, else soon (the pipeline frees room as it writes). */
static uint64_t probe_delay(const filelog_recv *r) {
  uint64_t poll = ms(r->cfg->poll_interval);
  if (r->cfg->retry_on_failure.enabled && r->retry_delay_ms) return r->retry_delay_ms;
  return poll < FL_PROBE_MS ? poll : FL_PROBE_MS;
}

static void after_work(uv_work_t *w, int status) {
  filelog_recv *r = w->data;
  fl_cycle *cy = &r->cycle;
  r->busy = false;
  uint64_t next = ms(r->cfg->poll_interval);
  if (status < 0 || cy->err < 0 || r->stopping) {
    if (cy->err < 0) otlpd_warn(&r->host->log, "poll failed: %s", strerror(-cy->err));
    if (cy->arena) otlpd_arena_free(cy->arena);
    commit(r, false);
  } else {
    int rc = deliver(r, cy);
    uint64_t now = uv_now(r->host->loop);
    const fl_retry_cfg *rt = &r->cfg->retry_on_failure;
    if (rc == OTLPD_ERR_RETRY) {
      if (!r->retry_since_ms) r->retry_since_ms = now;
      bool give_up = rt->enabled && rt->max_elapsed_time > 0 && now - r->retry_since_ms > ms(rt->max_elapsed_time);
      if (give_up) {
        otlpd_warn(&r->host->log, "pipeline refused %zu records for longer than max_elapsed_time; skipped",
                       cy->records);
        commit(r, true);
        r->retry_since_ms = r->retry_delay_ms = 0;
      } else {
        commit(r, false);
        if (rt->enabled) {
          r->retry_delay_ms = r->retry_delay_ms ? r->retry_delay_ms * 2 : ms(rt->initial_interval);
          if (r->retry_delay_ms > ms(rt->max_interval)) r->retry_delay_ms = ms(rt->max_interval);
        }
        next = probe_delay(r);
      }
    } else {
      if (rc != OTLPD_OK)
        otlpd_warn(&r->host->log, "pipeline rejected %zu records as invalid; skipped", cy->records);
      commit(r, true);
      r->retry_since_ms = r->retry_delay_ms = 0;
      if (cy->more) next = 0;
    }
    r->first_done = true;
  }
  cy->arena = NULL;
  fl_reap(r);
  if (r->store_path && r->store_dirty && fl_store_save(r) == 0) r->store_dirty = false;
  if (r->stopping) {
    if (!r->closed) {
      r->closed = true;
      uv_close((uv_handle_t *)&r->timer, NULL);
    }
    return;
  }
  schedule(r, next);
}

static void work_cb(uv_work_t *w) {
  filelog_recv *r = w->data;
  fl_cycle_run(r, &r->cycle);
}

static void on_timer(uv_timer_t *t) {
  filelog_recv *r = t->data;
  if (r->busy || r->stopping) return;
  /* over the memory limit, or the pipeline would refuse now: do not
   * even read; the files keep the data. Asking is cheap, so ask often. */
  if (otlpd_memacct_over(r->host->mem) || *r->host->shutting_down ||
      (r->next && r->probe && otlpd_admit(r->next, r->probe) != OTLPD_OK)) {
    schedule(r, probe_delay(r));
    return;
  }
  r->busy = true;
  r->cycle.err = 0;
  r->cycle.now_ms = uv_now(r->host->loop);
  r->cycle.continued = r->cycle.more && r->cycle.now_ms - r->last_scan_ms < ms(r->cfg->poll_interval);
  if (!r->cycle.continued) r->last_scan_ms = r->cycle.now_ms;
  r->work.data = r;
  int rc = uv_queue_work(r->host->loop, &r->work, work_cb, after_work);
  if (rc < 0) {
    r->busy = false;
    otlpd_error(&r->host->log, "cannot queue a poll: %s", uv_strerror(rc));
    schedule(r, ms(r->cfg->poll_interval));
  }
}

static void schedule(filelog_recv *r, uint64_t delay) { uv_timer_start(&r->timer, on_timer, delay, 0); }

static int start(void *state) {
  filelog_recv *r = state;
  if (r->cfg->storage) {
    const otlpd_storage *st = r->host->storage ? r->host->storage(r->host, r->cfg->storage) : NULL;
    if (!st || !st->directory) {
      otlpd_error(&r->host->log, "storage \"%s\" is not available", r->cfg->storage);
      return -ENOENT;
    }
    if (!(r->store_path = fl_store_path(st->directory, r->host->id))) return -ENOMEM;
    int rc = fl_store_load(r);
    if (rc < 0) {
      otlpd_error(&r->host->log, "cannot read offsets %s: %s", r->store_path, strerror(-rc));
      return rc;
    }
    if (r->known) r->first_done = true; /* a restart: unknown files are new, read from the start */
  }
  if (!(r->probe = otlpd_batch_new(OTLPD_LOGS, r->host->mem))) return -ENOMEM;
  int rc = uv_timer_init(r->host->loop, &r->timer);
  if (rc < 0) return rc;
  r->timer.data = r;
  schedule(r, 0);
  return 0;
}

static void shutdown_(void *state) {
  filelog_recv *r = state;
  r->stopping = true;
  uv_timer_stop(&r->timer);
  if (!r->busy && !r->closed) {
    r->closed = true;
    uv_close((uv_handle_t *)&r->timer, NULL);
    if (r->store_path && r->store_dirty) fl_store_save(r);
  }
}

static void destroy(void *state) {
  filelog_recv *r = state;
  if (!r) return;
  fl_recv_fini(r);
  if (r->probe) otlpd_batch_unref(r->probe);
  free(r);
}

const otlpd_factory otlpd_receiver_filelog = {
    .type = "filelog",
    .kind = OTLPD_RECEIVER,
    .signals = OTLPD_SIGNAL_BIT(OTLPD_LOGS),
    .settings = filelog_settings,
    .config_size = sizeof(filelog_cfg),
    .doc = "tails files (container logs: operators: [{type: container}])",
    .validate = filelog_validate,
    .validate_refs = filelog_validate_refs,
    .create = create,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
