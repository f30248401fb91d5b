/* hostmetrics runtime: a timer on the loop queues one scrape at a time in
 * the libuv threadpool; the completion callback (loop thread) wraps the
 * built request in a payload and hands it to the metrics pipeline.
 *
 * Hand-off: the worker owns s->arena, s->buf and the hm_state while the
 * work is queued; the loop touches none of them until after_scrape runs
 * (libuv orders the two). A refused scrape is dropped and its points
 * counted as refused, as otelcol's scraper controller does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostmetrics.h"

#define REFUSAL_LOG_INTERVAL_MS 60000

typedef struct hm_receiver {
  const otlpd_host *host;
  const hm_cfg *cfg;
  otlpd_consumer *next;
  uv_timer_t timer;
  uv_work_t work;
  bool busy, started, closing;
  hm_filters filters;
  hm_state state;
  hm_scrape scrape;
  char *proc; /* owned */
  size_t buf_charged; /* the scrape's reused read buffer, charged to host->mem */
  /* refusals since the last log line */
  uint64_t refused_points, refused_scrapes, last_refusal_log_ms;
  bool refusal_logged;
} hm_receiver;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void work_cb(uv_work_t *req) {
  hm_receiver *r = req->data;
  hm_scrape *s = &r->scrape;
  s->now_ns = now_ns();
  s->arena = otlpd_arena_new(16384);
  if (!s->arena) return;
  otlp_metrics_request *m = hm_scrape_all(s);
  if (!m) {
    otlpd_arena_free(s->arena);
    s->arena = NULL;
    return;
  }
  s->req = m;
}

static void log_refusal(hm_receiver *r, size_t points, const char *why) {
  r->refused_points += points;
  r->refused_scrapes++;
  uint64_t now = uv_now(r->host->loop);
  if (r->refusal_logged && now - r->last_refusal_log_ms < REFUSAL_LOG_INTERVAL_MS) return;
  otlpd_warn(&r->host->log, "dropped %llu scrape(s), %llu data points: %s",
             (unsigned long long)r->refused_scrapes, (unsigned long long)r->refused_points, why);
  r->refused_points = r->refused_scrapes = 0;
  r->last_refusal_log_ms = now;
  r->refusal_logged = true;
}

static void deliver(hm_receiver *r, otlp_metrics_request *req) {
  hm_scrape *s = &r->scrape;
  otlpd_counters *c = r->host->counters;
  size_t points = s->points;
  otlpd_arena *arena = s->arena;
  s->arena = NULL;
  if (*r->host->shutting_down || otlpd_memacct_over(r->host->mem)) {
    otlpd_count(&c->refused[OTLPD_METRICS], points);
    otlpd_arena_free(arena);
    log_refusal(r, points, *r->host->shutting_down ? "collector is shutting down" : "collector is over its memory limit");
    return;
  }
  otlpd_payload *p = otlpd_payload_new(OTLPD_METRICS, arena, &req->base, r->host->mem);
  if (!p) {
    otlpd_arena_free(arena);
    log_refusal(r, points, "out of memory");
    return;
  }
  otlpd_batch *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  if (!b) {
    log_refusal(r, points, "out of memory");
    return;
  }
  int rc = otlpd_consume(r->next, b);
  otlpd_batch_unref(b);
  otlpd_count(rc == OTLPD_OK ? &c->accepted[OTLPD_METRICS] : &c->refused[OTLPD_METRICS], points);
  if (rc != OTLPD_OK) log_refusal(r, points, rc == OTLPD_ERR_PERMANENT ? "refused by the pipeline" : "pipeline is full");
}

static void after_scrape(uv_work_t *req, int status) {
  hm_receiver *r = req->data;
  hm_scrape *s = &r->scrape;
  r->busy = false;
  /* the read buffer is kept between scrapes: charge what it grew by */
  otlpd_memacct_charge(r->host->mem, s->buf_cap - r->buf_charged);
  r->buf_charged = s->buf_cap;
  otlp_metrics_request *m = s->req;
  s->req = NULL;
  if (s->err[0]) otlpd_debug(&r->host->log, "scrape: %s", s->err);
  if (status != 0 || !s->arena) {
    if (status == 0) log_refusal(r, 0, "out of memory while scraping");
    if (s->arena) otlpd_arena_free(s->arena);
    s->arena = NULL;
    return;
  }
  if (r->closing || !r->next || m->n_resource_metrics == 0) {
    otlpd_arena_free(s->arena);
    s->arena = NULL;
    return;
  }
  deliver(r, m);
}

static void on_timer(uv_timer_t *t) {
  hm_receiver *r = t->data;
  if (r->busy || r->closing) return; /* the previous scrape is still running: skip this tick */
  r->work.data = r;
  if (uv_queue_work(r->host->loop, &r->work, work_cb, after_scrape) == 0) r->busy = true;
}

static int statvfs_(const char *path, struct statvfs *out) { return statvfs(path, out); }

static char *resolve_proc(const hm_cfg *c) {
  char buf[4096];
  const char *env = getenv("HOST_PROC");
  if (c->root_path && c->root_path[0])
    snprintf(buf, sizeof(buf), "%s/proc", c->root_path);
  else
    snprintf(buf, sizeof(buf), "%s", env && env[0] ? env : "/proc");
  return strdup(buf);
}

static int init_filters(hm_filters *f, const hm_cfg *c) {
  const hm_scrapers_cfg *s = &c->scrapers;
  struct {
    hm_filter *f;
    const hm_match_cfg *m;
  } all[] = {
      {&f->disk_inc, &s->disk.include},
      {&f->disk_exc, &s->disk.exclude},
      {&f->net_inc, &s->network.include},
      {&f->net_exc, &s->network.exclude},
      {&f->fs_dev_inc, &s->filesystem.include_devices},
      {&f->fs_dev_exc, &s->filesystem.exclude_devices},
      {&f->fs_type_inc, &s->filesystem.include_fs_types},
      {&f->fs_type_exc, &s->filesystem.exclude_fs_types},
      {&f->fs_mp_inc, &s->filesystem.include_mount_points},
      {&f->fs_mp_exc, &s->filesystem.exclude_mount_points},
  };
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    int rc = hm_filter_init(all[i].f, all[i].m, NULL, NULL, 0);
    if (rc < 0) return rc;
  }
  return 0;
}

static void free_filters(hm_filters *f) {
  hm_filter *all[] = {&f->disk_inc, &f->disk_exc, &f->net_inc, &f->net_exc, &f->fs_dev_inc,
                      &f->fs_dev_exc, &f->fs_type_inc, &f->fs_type_exc, &f->fs_mp_inc, &f->fs_mp_exc};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]->cfg) hm_filter_free(all[i]);
}

static void destroy(void *state);

static int create(const otlpd_create_params *p, void **state) {
  hm_receiver *r = calloc(1, sizeof(*r));
  if (!r) return -ENOMEM;
  r->host = p->host;
  r->cfg = p->config;
  r->next = p->next[OTLPD_METRICS];
  r->proc = resolve_proc(r->cfg);
  int rc = r->proc ? init_filters(&r->filters, r->cfg) : -ENOMEM;
  if (rc < 0) {
    destroy(r);
    return rc;
  }
  r->scrape = (hm_scrape){.cfg = r->cfg, .filters = &r->filters, .state = &r->state, .proc = r->proc,
                          .root = r->cfg->root_path ? r->cfg->root_path : "", .statvfs = statvfs_};
  *state = r;
  return 0;
}

/* Checked at start, not in validate: `otlpd validate` of a DaemonSet's
 * config on a workstation must not need the node's /hostfs. */
static int check_root(const hm_receiver *r) {
  struct stat st;
  const char *root = r->cfg->root_path;
  if (root && root[0] && (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))) {
    otlpd_error(&r->host->log, "root_path %s is not a directory (mount the host's / there)", root);
    return -ENOENT;
  }
  if (access(r->proc, R_OK | X_OK) != 0) {
    otlpd_error(&r->host->log, "cannot read %s: %s", r->proc, strerror(errno));
    return -errno;
  }
  return 0;
}

static int start(void *state) {
  hm_receiver *r = state;
  int rc = check_root(r);
  if (rc < 0) return rc;
  rc = uv_timer_init(r->host->loop, &r->timer);
  if (rc < 0) return rc;
  r->timer.data = r;
  r->started = true;
  uint64_t delay = (uint64_t)(r->cfg->initial_delay / OTLPD_NS_PER_MS);
  uint64_t every = (uint64_t)(r->cfg->collection_interval / OTLPD_NS_PER_MS);
  return uv_timer_start(&r->timer, on_timer, delay, every ? every : 1);
}

static void shutdown_(void *state) {
  hm_receiver *r = state;
  r->closing = true;
  if (r->started && !uv_is_closing((uv_handle_t *)&r->timer)) uv_close((uv_handle_t *)&r->timer, NULL);
}

static void destroy(void *state) {
  hm_receiver *r = state;
  if (!r) return;
  free_filters(&r->filters);
  otlpd_memacct_release(r->host->mem, r->buf_charged);
  hm_state_free(&r->state);
  hm_scrape_release(&r->scrape);
  free(r->proc);
  free(r);
}

const otlpd_factory otlpd_receiver_hostmetrics = {
    .type = "hostmetrics",
    .kind = OTLPD_RECEIVER,
    .signals = OTLPD_SIGNAL_BIT(OTLPD_METRICS),
    .settings = hm_settings,
    .config_size = sizeof(hm_cfg),
    .doc = "host CPU, memory, load, disk, filesystem, network, paging and process metrics from /proc",
    .validate = hm_validate,
    .create = create,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
