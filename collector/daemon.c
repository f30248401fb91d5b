/* Daemon lifecycle: build, start, run the loop, drain on SIGTERM/SIGINT
 * (and on SIGHUP with a valid new config, to restart with it). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "telemetry/telemetry.h"

/* exit() would run libuv's destructor, which joins threadpool threads:
 * the very write that is stuck. */
static void exit_now(int code) {
  fflush(stderr);
  _exit(code);
}

static void count_active(uv_handle_t *h, void *arg) {
  if (uv_is_active(h) && uv_has_ref(h)) (*(int *)arg)++;
}

/* A drain that waits on a stuck write (a full pipe, a hung network file
 * system) would otherwise be silent. */
static void on_drain_report(uv_timer_t *t) {
  otlpd_daemon *d = t->data;
  int active = 0;
  uv_walk(&d->loop, count_active, &active);
  size_t held = otlpd_memacct_used(&d->mem);
  otlpd_warn(&d->log, "still draining: %d active handle%s, %zu bytes of data held; "
             "a second SIGTERM exits at once and loses them", active, active == 1 ? "" : "s", held);
}

/* The drain could not finish in time (a backend that never answers, a
 * write that hangs): say what is lost rather than hang past the pod's
 * grace period and be killed without a word. */
static void on_drain_deadline(uv_timer_t *t) {
  otlpd_daemon *d = t->data;
  for (size_t i = 0; i < d->n_inst; i++) {
    uint64_t q = otlpd_counter_get(&d->inst[i].counters.queue_size);
    if (q) otlpd_error(&d->log, "%s still has %llu queued", d->inst[i].name, (unsigned long long)q);
  }
  otlpd_error(&d->log, "shutdown_timeout (%lld ms) reached with %zu bytes of data not yet delivered; "
              "exiting, they are lost", (long long)(d->cfg.shutdown_timeout / OTLPD_NS_PER_MS),
              otlpd_memacct_used(&d->mem));
  exit_now(1);
}

static void begin_drain(otlpd_daemon *d) {
  otlpd_pipelines_shutdown(d);
  /* Signals and the report no longer keep the loop alive; it ends once
   * exporters drained. */
  uv_unref((uv_handle_t *)&d->sig_term);
  uv_unref((uv_handle_t *)&d->sig_int);
  uv_unref((uv_handle_t *)&d->sig_hup);
  uv_timer_start(&d->drain_report, on_drain_report, 5000, 5000);
  uv_unref((uv_handle_t *)&d->drain_report);
  if (d->cfg.shutdown_timeout > 0) {
    uv_timer_start(&d->drain_deadline, on_drain_deadline,
                   (uint64_t)(d->cfg.shutdown_timeout / OTLPD_NS_PER_MS), 0);
    uv_unref((uv_handle_t *)&d->drain_deadline);
  }
}

static void on_signal(uv_signal_t *h, int signum) {
  otlpd_daemon *d = h->data;
  if (d->shutting_down) {
    otlpd_warn(&d->log, "second signal: exiting without draining");
    exit_now(1);
  }
  otlpd_info(&d->log, "received %s: stopping receivers, flushing pipelines",
             signum == SIGTERM ? "SIGTERM" : "SIGINT");
  d->restart = false;
  begin_drain(d);
}

/* A reload is a drain into the exporters followed by exec of the same
 * binary (same pid, so a supervisor sees no exit): nothing accepted is
 * lost, and a config that would not start is refused before anything
 * stops. */
static void on_hup(uv_signal_t *h, int signum) {
  (void)signum;
  otlpd_daemon *d = h->data;
  if (d->shutting_down) {
    otlpd_warn(&d->log, "SIGHUP ignored: already %s", d->restart ? "reloading" : "shutting down");
    return;
  }
  if (!d->check_config) {
    otlpd_warn(&d->log, "SIGHUP ignored: this daemon cannot reload");
    return;
  }
  otlpd_errors errs = {0};
  int rc = d->check_config(d->check_arg, &errs);
  for (size_t i = 0; i < errs.nw; i++) otlpd_warn(&d->log, "reload: %s", errs.warns[i]);
  for (size_t i = 0; i < errs.n; i++) otlpd_error(&d->log, "reload: %s", errs.msgs[i]);
  otlpd_errors_free(&errs);
  if (rc != 0) {
    otlpd_error(&d->log, "received SIGHUP: the new configuration is invalid; keeping the running one");
    return;
  }
  otlpd_info(&d->log, "received SIGHUP: configuration valid; draining, then restarting with it");
  d->restart = true;
  d->listen.reloading = true; /* receivers keep their listeners for the next run */
  begin_drain(d);
}

static void close_cb(uv_handle_t *h) { (void)h; }

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, close_cb);
}

static int start_signals(otlpd_daemon *d) {
  int rc = uv_signal_init(&d->loop, &d->sig_term);
  if (rc == 0) rc = uv_signal_init(&d->loop, &d->sig_int);
  if (rc == 0) rc = uv_signal_init(&d->loop, &d->sig_hup);
  if (rc == 0) rc = uv_timer_init(&d->loop, &d->drain_report);
  if (rc == 0) rc = uv_timer_init(&d->loop, &d->drain_deadline);
  if (rc == 0) rc = uv_timer_init(&d->loop, &d->stage_timer);
  if (rc < 0) return rc;
  d->sig_term.data = d->sig_int.data = d->sig_hup.data = d->drain_report.data = d;
  d->drain_deadline.data = d->stage_timer.data = d;
  rc = uv_signal_start(&d->sig_term, on_signal, SIGTERM);
  if (rc == 0) rc = uv_signal_start(&d->sig_int, on_signal, SIGINT);
  if (rc == 0) rc = uv_signal_start(&d->sig_hup, on_hup, SIGHUP);
  signal(SIGPIPE, SIG_IGN); /* a peer closing mid-write is an error code, not a death */
  return rc;
}

/* Precedence: a memory_limiter processor (it replaces this limit when it
 * is created), then OTLPD_MEMORY_LIMIT_MIB, then the default. */
static size_t memory_limit(otlpd_daemon *d, const char **source) {
  const char *v = getenv("OTLPD_MEMORY_LIMIT_MIB");
  *source = "default";
  if (!v || !*v) return OTLPD_DEFAULT_MEMORY_LIMIT;
  char *end;
  unsigned long mib = strtoul(v, &end, 10);
  if (*end || mib == 0 || mib > 1024 * 1024) {
    otlpd_warn(&d->log, "OTLPD_MEMORY_LIMIT_MIB=\"%s\" is not a size in MiB; using %u MiB", v,
               OTLPD_DEFAULT_MEMORY_LIMIT >> 20);
    return OTLPD_DEFAULT_MEMORY_LIMIT;
  }
  *source = "OTLPD_MEMORY_LIMIT_MIB";
  return (size_t)mib << 20;
}

static void log_memory_limit(otlpd_daemon *d, const char *env_source) {
  const char *src = env_source;
  if (d->mem.configured)
    src = strcmp(env_source, "default") == 0 ? "memory_limiter"
                                              : "memory_limiter; OTLPD_MEMORY_LIMIT_MIB is ignored";
  otlpd_info(&d->log, "memory limit: receivers refuse data above %.1f MiB held (%s)",
             (double)d->mem.limit / (1024.0 * 1024.0), src);
}

int otlpd_daemon_run(otlpd_config *cfg, int (*check_config)(void *arg, otlpd_errors *errs),
                     void *check_arg) {
  otlpd_daemon *d = calloc(1, sizeof(*d));
  if (!d) return 1;
  int rc = uv_loop_init(&d->loop);
  if (rc < 0) {
    free(d);
    return 1;
  }
  d->cfg = *cfg;
  memset(cfg, 0, sizeof(*cfg)); /* the daemon owns it now */
  d->log_level = (otlpd_log_level)(d->cfg.log_level | (d->cfg.log_json ? OTLPD_LOG_JSON : 0));
  d->log.level = &d->log_level;
  const char *mem_source;
  d->mem.limit = memory_limit(d, &mem_source);
  d->exit_code = 0;
  d->check_config = check_config;
  const char *re = getenv(OTLPD_RESTARTED_ENV);
  d->restarted = re && strcmp(re, "1") == 0;
  unsetenv(OTLPD_RESTARTED_ENV); /* not inherited by anything we start */
  d->check_arg = check_arg;

  otlpd_fdlimit_raise(&d->log);
  rc = start_signals(d);
  if (rc == 0) rc = otlpd_listen_fds_inherit(&d->listen);
  if (rc == 0) rc = otlpd_pipelines_build(d);
  if (rc == 0) rc = otlpd_telemetry_start(d);
  if (rc == 0) rc = otlpd_pipelines_start(d);
  otlpd_listen_fds_close_untaken(&d->listen); /* endpoints the new config no longer has */
  if (rc == 0) {
    d->started = true;
    otlpd_info(&d->log, "otlpd %s started: %zu pipelines", OTLPD_VERSION, d->cfg.n_pipelines);
    log_memory_limit(d, mem_source);
    uv_run(&d->loop, UV_RUN_DEFAULT);
    otlpd_log_totals(d);
    otlpd_info(&d->log, d->restart ? "drained; restarting with the new configuration" : "drained; exiting");
  } else {
    d->exit_code = 1;
    otlpd_pipelines_shutdown(d);
    uv_unref((uv_handle_t *)&d->sig_term);
    uv_unref((uv_handle_t *)&d->sig_int);
    uv_unref((uv_handle_t *)&d->sig_hup);
    uv_run(&d->loop, UV_RUN_DEFAULT);
  }
  /* The pipelines drained: the daemon's own endpoints answer until now. */
  otlpd_extensions_shutdown(d);
  otlpd_telemetry_shutdown(d);
  uv_run(&d->loop, UV_RUN_DEFAULT);
  /* Exporters drained: close the shared HTTP client while they still exist
   * (anything left in flight gets its cancelled callback). */
  if (d->http.client) d->http.close(d->http.client);
  otlpd_pipelines_destroy(d);
  otlpd_telemetry_destroy(d);
  uv_walk(&d->loop, close_walk, NULL);
  uv_run(&d->loop, UV_RUN_DEFAULT);
  uv_loop_close(&d->loop);
  otlpd_config_free(&d->cfg);
  int code = d->restart && d->exit_code == 0 ? OTLPD_DAEMON_RESTART : d->exit_code;
  if (code == OTLPD_DAEMON_RESTART) otlpd_listen_fds_export(&d->listen);
  otlpd_listen_fds_free(&d->listen);
  free(d);
  return code;
}
