/* memory_limiter settings: otelcol's keys, defaults and validation. */
#include <errno.h>

#include "memory_limiter.h"
#include "memory_total.h"
#include "otlpd/config.h"

#define MIB (1024ull * 1024)

const otlpd_setting memlim_settings[] = {
    OTLPD_S_DURATION(memlim_cfg, "check_interval", check_interval, "0s",
                     "how often the limiter logs whether it refuses data; required, > 0"),
    OTLPD_S_INT(memlim_cfg, "limit_mib", limit_mib, "0", 0, 4294967295.0,
                "hard limit in MiB of data held; wins over limit_percentage"),
    OTLPD_S_INT(memlim_cfg, "spike_limit_mib", spike_limit_mib, "0", 0, 4294967295.0,
                "headroom below limit_mib; data is refused at limit - spike and above (0: 20 % of the limit)"),
    OTLPD_S_INT(memlim_cfg, "limit_percentage", limit_percentage, "0", 0, 100,
                "hard limit as a percentage of the cgroup's memory limit, else of physical memory"),
    OTLPD_S_INT(memlim_cfg, "spike_limit_percentage", spike_limit_percentage, "0", 0, 100,
                "spike headroom as a percentage of the same total (0: 20 % of the limit)"),
    OTLPD_S_IGNORED("min_gc_interval_when_soft_limited", "accepted for otelcol compatibility; otlpd has no GC"),
    OTLPD_S_IGNORED("min_gc_interval_when_hard_limited", "accepted for otelcol compatibility; otlpd has no GC"),
    OTLPD_S_END,
};

/* otelcol's rules; every broken one is reported, not only the first. */
int memlim_validate(const void *config, const char *path, otlpd_errors *errs) {
  const memlim_cfg *c = config;
  size_t before = errs->n;
  if (c->check_interval <= 0)
    otlpd_errorf(errs, "%s::check_interval: must be greater than zero", path);
  if (c->limit_mib == 0 && c->limit_percentage == 0)
    otlpd_errorf(errs, "%s::limit_mib: 'limit_mib' or 'limit_percentage' must be greater than zero", path);
  if (c->limit_mib > 0 && c->spike_limit_mib >= c->limit_mib)
    otlpd_errorf(errs, "%s::spike_limit_mib: must be smaller than limit_mib (%lld)", path,
                 (long long)c->limit_mib);
  if (c->limit_percentage > 0 && c->spike_limit_percentage >= c->limit_percentage)
    otlpd_errorf(errs, "%s::spike_limit_percentage: must be smaller than limit_percentage (%lld)", path,
                 (long long)c->limit_percentage);
  return errs->n > before ? -EINVAL : 0;
}

int memlim_compute(const memlim_cfg *c, const char *root, memlim_limits *out) {
  *out = (memlim_limits){0};
  if (c->limit_mib > 0) {
    out->hard = (uint64_t)c->limit_mib * MIB;
    out->spike = (uint64_t)c->spike_limit_mib * MIB;
    out->source = "limit_mib";
  } else {
    int rc = otlpd_mem_total(root, &out->total, &out->source);
    if (rc) return rc;
    out->hard = (uint64_t)c->limit_percentage * out->total / 100;
    out->spike = (uint64_t)c->spike_limit_percentage * out->total / 100;
  }
  if (out->spike == 0) out->spike = out->hard / 5;
  if (out->hard == 0 || out->spike >= out->hard) return -EINVAL;
  return 0;
}
