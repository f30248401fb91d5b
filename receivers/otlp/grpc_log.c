/* gRPC core logs through otlpd's logger, so the daemon's stderr keeps one
 * line format. gRPC's own verbosity (GRPC_VERBOSITY, default ERROR) still
 * decides what reaches us. */
#include <string.h>
#include <grpc/support/log.h>

#include "grpc_server.h"

/* No instance data reaches gpr's callback: the logger is a constant. */
static const otlpd_logger core_log = {"grpc-core", NULL};

static void route(gpr_log_func_args *a) {
  /* gRPC's errors stay errors: a listener that died (EMFILE) is one. */
  otlpd_log_level lvl = a->severity == GPR_LOG_SEVERITY_DEBUG  ? OTLPD_LOG_DEBUG
                        : a->severity == GPR_LOG_SEVERITY_INFO ? OTLPD_LOG_INFO
                                                               : OTLPD_LOG_ERROR;
  const char *file = a->file ? strrchr(a->file, '/') : NULL;
  otlpd_log(&core_log, lvl, "%s (%s:%d)", a->message, file ? file + 1 : (a->file ? a->file : "?"), a->line);
}

void otlp_grpc_log_route(void) { gpr_set_log_function(route); }
