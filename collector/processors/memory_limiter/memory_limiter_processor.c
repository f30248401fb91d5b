/* memory_limiter runtime (loop thread only).
 *
 * The limit lives in the daemon's memory accounting: at create the
 * processor sets it to its soft limit (limit - spike), so receivers refuse
 * there before decoding. The processor refuses too, for data decoded
 * before usage crossed the line. Nothing is measured or collected: the
 * accounting is exact and current, and the timer only logs transitions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memory_limiter.h"

#define MIB_F (1024.0 * 1024.0)
/* At most one state change logged per this long, however usage flaps. */
#define LOG_EVERY_MS 10000

static bool over_soft(const memlim_proc *mp) {
  return otlpd_memacct_used(mp->host->mem) >= mp->soft;
}

/* The fan-out contract: a batch admitted on this loop turn is not refused
 * retryably in the consume() that follows, even if another pipeline's
 * consumer charged memory in between; the spike headroom takes it. */
static bool was_admitted(const memlim_proc *mp, const otlpd_batch *b) {
  return mp->admitted == b && mp->admitted_at == uv_now(mp->host->loop);
}

static int memlim_admit(otlpd_consumer *self, const otlpd_batch *b) {
  memlim_proc *mp = (memlim_proc *)self;
  if (over_soft(mp)) return OTLPD_ERR_RETRY;
  int rc = otlpd_admit(mp->next, b);
  if (rc == OTLPD_OK) {
    mp->admitted = b;
    mp->admitted_at = uv_now(mp->host->loop);
  }
  return rc;
}

static int memlim_consume(otlpd_consumer *self, otlpd_batch *b) {
  memlim_proc *mp = (memlim_proc *)self;
  otlpd_counters *c = mp->host->counters;
  bool admitted = was_admitted(mp, b);
  mp->admitted = NULL;
  otlpd_count(&c->incoming[mp->signal], b->items);
  if (!admitted && over_soft(mp)) {
    otlpd_count(&c->refused[mp->signal], b->items); /* otelcol_processor_refused_* */
    mp->refused_since_log += b->items;
    return OTLPD_ERR_RETRY;
  }
  int rc = otlpd_consume(mp->next, b);
  if (rc == OTLPD_OK) otlpd_count(&c->outgoing[mp->signal], b->items);
  return rc;
}

static void log_state(memlim_proc *mp, bool refusing) {
  double held = (double)otlpd_memacct_used(mp->host->mem) / MIB_F, soft = (double)mp->soft / MIB_F;
  if (refusing)
    otlpd_warn(&mp->host->log, "refusing data: %.1f MiB held, soft limit %.1f MiB (hard limit %.1f MiB)",
               held, soft, (double)mp->lim.hard / MIB_F);
  else
    otlpd_info(&mp->host->log, "accepting data again: %.1f MiB held, below the soft limit of %.1f MiB; "
               "%llu items were refused", held, soft, (unsigned long long)mp->refused_since_log);
  if (!refusing) mp->refused_since_log = 0;
}

static void on_check(uv_timer_t *t) {
  memlim_proc *mp = t->data;
  bool refusing = over_soft(mp);
  uint64_t now = uv_now(mp->host->loop);
  if (refusing == mp->logged_refusing) return;
  if (mp->logged_once && now - mp->last_log_ms < LOG_EVERY_MS) return;
  log_state(mp, refusing);
  mp->logged_refusing = refusing;
  mp->logged_once = true;
  mp->last_log_ms = now;
}

/* OTLPD_HOST_ROOT: where the host's /proc and /sys are mounted, when otlpd
 * runs in a container that should size itself by the host (or in tests). */
static const char *host_root(void) {
  const char *r = getenv("OTLPD_HOST_ROOT");
  return r ? r : "";
}

static void log_configured(const memlim_proc *mp, const memlim_cfg *cfg) {
  const memlim_limits *l = &mp->lim;
  if (cfg->limit_mib > 0 && cfg->limit_percentage > 0)
    otlpd_warn(&mp->host->log, "limit_mib and limit_percentage are both set; limit_mib wins (as in otelcol)");
  if (l->total)
    otlpd_info(&mp->host->log, "limit %.1f MiB (%lld %% of %.1f MiB, %s), spike %.1f MiB: "
               "refusing data above %.1f MiB held", (double)l->hard / MIB_F,
               (long long)cfg->limit_percentage, (double)l->total / MIB_F, l->source,
               (double)l->spike / MIB_F, (double)mp->soft / MIB_F);
  else
    otlpd_info(&mp->host->log, "limit %.1f MiB, spike %.1f MiB: refusing data above %.1f MiB held",
               (double)l->hard / MIB_F, (double)l->spike / MIB_F, (double)mp->soft / MIB_F);
}

static int create(const otlpd_create_params *p, void **state) {
  const memlim_cfg *cfg = p->config;
  memlim_proc *mp = calloc(1, sizeof(*mp));
  if (!mp) return -ENOMEM;
  mp->host = p->host;
  mp->signal = p->signal;
  mp->next = p->next[p->signal];
  int rc = memlim_compute(cfg, host_root(), &mp->lim);
  if (rc == -EINVAL) {
    otlpd_error(&p->host->log, "limit_percentage of %.1f MiB leaves no room below the spike limit",
                (double)mp->lim.total / MIB_F);
    free(mp);
    return rc;
  }
  if (rc) {
    otlpd_error(&p->host->log, "cannot find the total memory for limit_percentage (%s); set limit_mib",
                strerror(-rc));
    free(mp);
    return rc;
  }
  mp->soft = (size_t)(mp->lim.hard - mp->lim.spike);
  mp->interval_ms = (uint64_t)(cfg->check_interval / OTLPD_NS_PER_MS);
  if (cfg->check_interval > 0 && mp->interval_ms == 0) mp->interval_ms = 1;
  mp->base.consume = memlim_consume;
  mp->base.admit = memlim_admit;
  otlpd_memacct_configure(p->host->mem, mp->soft);
  log_configured(mp, cfg);
  *state = mp;
  return 0;
}

static otlpd_consumer *consumer(void *state) { return &((memlim_proc *)state)->base; }

static int start(void *state) {
  memlim_proc *mp = state;
  if (!mp->interval_ms) return 0;
  int rc = uv_timer_init(mp->host->loop, &mp->timer);
  if (rc < 0) return rc;
  mp->timer.data = mp;
  mp->timer_init = true;
  /* Logging only: it must not keep a draining daemon alive. */
  uv_unref((uv_handle_t *)&mp->timer);
  return uv_timer_start(&mp->timer, on_check, mp->interval_ms, mp->interval_ms);
}

/* Holds nothing: only the timer goes. */
static void shutdown_(void *state) {
  memlim_proc *mp = state;
  if (mp->timer_init && !uv_is_closing((uv_handle_t *)&mp->timer))
    uv_close((uv_handle_t *)&mp->timer, NULL);
}

static void destroy(void *state) { free(state); }

const otlpd_factory otlpd_processor_memory_limiter = {
    .type = "memory_limiter",
    .kind = OTLPD_PROCESSOR,
    .signals = OTLPD_ALL_SIGNALS,
    .settings = memlim_settings,
    .config_size = sizeof(memlim_cfg),
    .doc = "refuses data (retryable) above a memory limit, which receivers also refuse at before decoding",
    .validate = memlim_validate,
    .wire_only = otlpd_wire_only_always,
    .create = create,
    .consumer = consumer,
    .start = start,
    .shutdown = shutdown_,
    .destroy = destroy,
};
