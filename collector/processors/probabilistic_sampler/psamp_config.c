/* probabilistic_sampler settings: otelcol-contrib's keys, defaults and
 * Validate() rules (processor/probabilisticsamplerprocessor/config.go),
 * plus a from_attribute that would never be read and a record source
 * without one. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "otlpd/config.h"
#include "probabilistic_sampler.h"

static const char *const sources[] = {"traceID", "record", NULL};

const otlpd_setting psamp_settings[] = {
    OTLPD_S_DOUBLE(psamp_cfg, "sampling_percentage", sampling_percentage, "0", 0, 0,
                   "percentage of traces / log records kept; 0 keeps none, 100 or more keeps all"),
    OTLPD_S_INT(psamp_cfg, "hash_seed", hash_seed, "0", 0, 4294967295.0,
                "seed of the FNV-1a hash; use the same one in every collector of a trace's path"),
    OTLPD_S_STRING(psamp_cfg, "mode", mode, NULL,
                   "hash_seed, proportional or equalizing (OTEP 235); unset: hash_seed"),
    OTLPD_S_INT(psamp_cfg, "sampling_precision", sampling_precision, "4", 0, 0,
                "hex digits of thresholds computed from probabilities, 1..14"),
    OTLPD_S_BOOL(psamp_cfg, "fail_closed", fail_closed, "true",
                 "logs: drop a record whose randomness cannot be read (false keeps it)"),
    OTLPD_S_ENUM(psamp_cfg, "attribute_source", attribute_source, "traceID", sources,
                 "logs: hash the trace id (traceID) or the from_attribute value (record)"),
    OTLPD_S_STRING(psamp_cfg, "from_attribute", from_attribute, NULL,
                   "logs: record attribute hashed when attribute_source is record"),
    OTLPD_S_STRING(psamp_cfg, "sampling_priority", sampling_priority, NULL,
                   "logs: record attribute whose double value is a minimum percentage for that record"),
    OTLPD_S_END,
};

static bool set(const char *s) { return s && *s; }

static void check_percentage(double pct, const char *path, otlpd_errors *errs) {
  if (isnan(pct) || isinf(pct))
    otlpd_errorf(errs, "%s::sampling_percentage: sampling rate is invalid: %g%%", path, pct);
  else if (pct < 0)
    otlpd_errorf(errs, "%s::sampling_percentage: sampling rate is negative: %g%% (0..100)", path, pct);
  else if (pct > 0 && (double)(float)pct / 100.0 < 1.0 / (double)PSAMP_MAX_ADJUSTED)
    otlpd_errorf(errs, "%s::sampling_percentage: sampling rate is too small: %g%%", path, pct);
}

static void check_mode(const char *mode, const char *path, otlpd_errors *errs) {
  static const char *const modes[] = {"hash_seed", "proportional", "equalizing"};
  for (size_t i = 0; set(mode) && i < sizeof(modes) / sizeof(modes[0]); i++)
    if (!strcmp(mode, modes[i])) return;
  if (!set(mode)) return;
  otlpd_errorf(errs, "%s::mode: unsupported sampler mode \"%s\" (hash_seed, proportional, equalizing)", path,
               mode);
}

int psamp_validate(const void *config, const char *path, otlpd_errors *errs) {
  const psamp_cfg *c = config;
  size_t before = errs->n;
  check_percentage(c->sampling_percentage, path, errs);
  check_mode(c->mode, path, errs);
  if (c->sampling_precision == 0)
    otlpd_errorf(errs, "%s::sampling_precision: invalid sampling precision: 0 (1..14)", path);
  else if (c->sampling_precision < 0 || c->sampling_precision > 14)
    otlpd_errorf(errs, "%s::sampling_precision: %lld is out of range (1..14)", path,
                 (long long)c->sampling_precision);
  /* hash_seed reads it only with attribute_source: record; the OTEP 235
   * modes for records without a trace id */
  if (set(c->from_attribute) && c->attribute_source != PSAMP_SOURCE_RECORD &&
      psamp_mode_of(c, OTLPD_TRACES) == PSAMP_MODE_HASH)
    otlpd_errorf(errs, "%s::from_attribute: only read with attribute_source: record in hash_seed mode "
                       "(attribute_source is traceID)", path);
  if (c->attribute_source == PSAMP_SOURCE_RECORD && !set(c->from_attribute))
    otlpd_errorf(errs, "%s::from_attribute: missing (attribute_source: record needs the attribute to hash)",
                 path);
  return errs->n > before ? -EINVAL : 0;
}
