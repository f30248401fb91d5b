/* memory_limiter processor: otelcol's keys turned into the daemon's
 * memory accounting limit. otlpd counts the bytes of data it holds
 * (decoded requests, queued encodings), exactly and at once, so the
 * processor has no measuring to do: it sets the limit receivers refuse
 * at, and refuses itself above it. */
#ifndef OTLPD_MEMORY_LIMITER_H
#define OTLPD_MEMORY_LIMITER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "otlpd/component.h"

typedef struct memlim_cfg {
  int64_t check_interval; /* ns */
  int64_t limit_mib;
  int64_t spike_limit_mib;
  int64_t limit_percentage;
  int64_t spike_limit_percentage;
} memlim_cfg;

extern const otlpd_setting memlim_settings[];
int memlim_validate(const void *cfg, const char *path, struct otlpd_errors *errs);

/* The limits a config means, in bytes. */
typedef struct memlim_limits {
  uint64_t hard;        /* limit_mib, or limit_percentage of total */
  uint64_t spike;       /* spike_limit_*, or 20 % of hard */
  uint64_t total;       /* percentages only: the memory they are of */
  const char *source;   /* where total came from, or "limit_mib" */
} memlim_limits;

/* root: where to look for /proc and /sys (memory_total.h). 0 or negative
 * errno (the total memory could not be found for a percentage). */
int memlim_compute(const memlim_cfg *c, const char *root, memlim_limits *out);

typedef struct memlim_proc {
  otlpd_consumer base;
  const otlpd_host *host;
  otlpd_signal signal;
  otlpd_consumer *next;
  memlim_limits lim;
  size_t soft;               /* refuse at or above this many bytes held */
  uint64_t interval_ms;      /* check_interval; 0: no timer */
  const otlpd_batch *admitted; /* admitted on this loop turn: consume() takes it */
  uint64_t admitted_at;      /* uv_now() of that admit */
  uv_timer_t timer;
  bool timer_init;
  bool logged_refusing;      /* the state the log last reported */
  uint64_t last_log_ms;
  bool logged_once;
  uint64_t refused_since_log; /* items */
} memlim_proc;

#endif
