/* debug exporter settings, with otelcol debugexporter's key names. */
#include <stddef.h>

#include "debug_exporter.h"

static const char *const verbosity_choices[] = {"basic", "normal", "detailed", NULL};

const otlpd_setting debug_settings[] = {
    OTLPD_S_ENUM(debug_cfg, "verbosity", verbosity, "basic", verbosity_choices,
                 "basic: one line per batch; normal: one line per item; detailed: every field"),
    OTLPD_S_INT(debug_cfg, "sampling_initial", sampling_initial, "2", 0, 1e9,
                "batches printed per signal each second before sampling starts"),
    OTLPD_S_INT(debug_cfg, "sampling_thereafter", sampling_thereafter, "1", 0, 1e9,
                "after that, print every Nth batch of the second (1 = all, 0 = none)"),
    OTLPD_S_BOOL(debug_cfg, "use_internal_logger", use_internal_logger, "true",
                 "true: through the daemon's log on stderr; false: plain text on stdout"),
    OTLPD_S_END,
};
