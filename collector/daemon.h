/* The daemon's one context: the loop, the built pipelines and their
 * component instances. Nothing else in the process is mutable and global. */
#ifndef OTLPD_DAEMON_H
#define OTLPD_DAEMON_H

#include <stdbool.h>
#include <uv.h>

#include "otlpd/component.h"
#include "otlpd/config.h"
#include "otlpd/net.h"

typedef struct otlpd_instance {
  otlpd_component_cfg *cc;
  const otlpd_factory *f;
  void *state;
  otlpd_host host;
  char *name;            /* logger name: id, or "id (pipeline)" for processors */
  otlpd_counters counters; /* host.counters points here */
  bool started;
  otlpd_status status;     /* host.report_status */
  char why[160];
} otlpd_instance;

typedef struct otlpd_fanout otlpd_fanout;

typedef struct otlpd_daemon {
  uv_loop_t loop;
  otlpd_log_level log_level;
  otlpd_logger log;
  otlpd_memacct mem;
  volatile bool shutting_down;
  volatile bool started;   /* every instance started (host.started) */
  otlpd_config cfg;
  /* Instances in start order: extensions, exporters, processors, receivers. */
  otlpd_instance *inst;
  size_t n_inst, cap_inst;
  otlpd_fanout **fanouts;
  size_t n_fanouts;
  uv_signal_t sig_term, sig_int, sig_hup;
  otlpd_listen_fds listen; /* listeners kept across a reload */
  atomic_int grpc_pollers; /* host.grpc_pollers */
  /* SIGHUP: checks a config before a reload; NULL = reload not possible. */
  int (*check_config)(void *arg, otlpd_errors *errs);
  void *check_arg;
  bool restart;            /* drained for a reload: exec again once down */
  bool restarted;          /* this process is such a reload (OTLPD_RESTARTED) */
  uv_timer_t drain_report; /* says what the drain still waits for */
  uv_timer_t drain_deadline; /* service::shutdown_timeout */
  uv_timer_t stage_timer;  /* shuts exporters down once processors drained */
  bool exporters_stopped;
  otlpd_http_slot http;    /* shared HTTP client, created lazily */
  struct otlpd_telemetry *telemetry; /* /metrics (collector/telemetry/) */
  int exit_code;
} otlpd_daemon;

/* Default cap on bytes held by in-flight data before receivers refuse. */
#define OTLPD_DEFAULT_MEMORY_LIMIT (24u * 1024 * 1024)

/* Build every instance from d->cfg (already validated). 0 or negative errno. */
int otlpd_pipelines_build(otlpd_daemon *d);
int otlpd_pipelines_start(otlpd_daemon *d);
/* Receivers stop, processors flush, exporters drain (async on the loop). */
void otlpd_pipelines_shutdown(otlpd_daemon *d);
void otlpd_pipelines_destroy(otlpd_daemon *d);
/* Extensions stop last, once the pipelines drained. */
void otlpd_extensions_shutdown(otlpd_daemon *d);

/* One log line per component with what it accepted, sent, dropped, lost. */
void otlpd_log_totals(otlpd_daemon *d);

/* Fan-out: deliver one batch to several consumers. */
otlpd_consumer *otlpd_fanout_new(otlpd_daemon *d, otlpd_consumer **to, size_t n);

/* Run until SIGTERM/SIGINT and a graceful drain. Returns the exit code,
 * or OTLPD_DAEMON_RESTART after a SIGHUP whose config passed
 * check_config (may be NULL): everything accepted was delivered, and the
 * caller now executes itself again to run the new config. */
#define OTLPD_DAEMON_RESTART (-1)
/* Set in the environment of the restarted image; read (and removed) at
 * start so that outputs continue instead of starting over. */
#define OTLPD_RESTARTED_ENV "OTLPD_RESTARTED"
int otlpd_daemon_run(otlpd_config *cfg, int (*check_config)(void *arg, otlpd_errors *errs),
                     void *check_arg);

/* component_status.c: otlpd_host.report_status / each_status. */
void otlpd_status_report(const otlpd_host *h, otlpd_status st, const char *why);
void otlpd_status_each(const otlpd_host *h, otlpd_status_fn fn, void *arg);

/* fdlimit.c: raise RLIMIT_NOFILE's soft limit to the hard one; logs the limit. */
void otlpd_fdlimit_raise(const otlpd_logger *log);

/* listen_keep.c: the daemon's side of otlpd_listen_fds (net.h). */
int otlpd_listen_fds_inherit(otlpd_listen_fds *l);
void otlpd_listen_fds_close_untaken(otlpd_listen_fds *l);
int otlpd_listen_fds_export(otlpd_listen_fds *l);
void otlpd_listen_fds_free(otlpd_listen_fds *l);

#endif
