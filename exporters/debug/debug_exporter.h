/* debug exporter: prints what arrives, otelcol debugexporter style.
 *
 * Files of this folder:
 *   debug_config.c   settings table (otelcol key names)
 *   debug_factory.c  lifecycle, consume(), sampling, the summary line
 *   debug_out.c      output buffer written in whole-line chunks; value,
 *                    attribute, id and time formatting shared by renderers
 *   debug_traces.c, debug_metrics.c, debug_logs.c
 *                    normal (one line per item) and detailed renderers
 *
 * Runs on the loop thread and writes synchronously: it is a debugging aid,
 * and a terminal or log pipe that blocks will slow the daemon down. */
#ifndef OTLPD_DEBUG_EXPORTER_H
#define OTLPD_DEBUG_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include "otlpd/buf.h"
#include "otlpd/component.h"
#include "otlpd/settings.h"

typedef enum { DEBUG_BASIC = 0, DEBUG_NORMAL = 1, DEBUG_DETAILED = 2 } debug_verbosity;

typedef struct debug_cfg {
  int verbosity; /* debug_verbosity */
  int64_t sampling_initial;
  int64_t sampling_thereafter;
  bool use_internal_logger;
} debug_cfg;

extern const otlpd_setting debug_settings[];

/* Text gathered for one batch, written out in chunks that end on a line. */
typedef struct debug_out {
  otlpd_buf buf;
  int fd;
  bool failed; /* out of memory while rendering: the rest is skipped */
} debug_out;

#define DEBUG_OUT_CHUNK ((size_t)64 << 10)

typedef struct debug_exporter {
  otlpd_consumer base;
  const otlpd_host *host;
  const debug_cfg *cfg;
  debug_out out;
  /* zap-style sampling, per signal: counts within the current second */
  uint64_t second[OTLPD_SIGNAL_COUNT];
  uint64_t seen[OTLPD_SIGNAL_COUNT];
  uint64_t sampled_out;
} debug_exporter;

/* debug_out.c */
void dbg_write(debug_out *o, const void *p, size_t n);
void dbg_printf(debug_out *o, const char *fmt, ...) OTLPD_PRINTF(2, 3);
/* Writes what is buffered if it has grown past a chunk; call between items. */
void dbg_item_done(debug_out *o);
void dbg_flush(debug_out *o);
/* Text with control characters escaped (so one item stays one line). */
void dbg_text(debug_out *o, const char *s);
void dbg_hex(debug_out *o, const ProtobufCBinaryData *id);
/* "2020-02-11 20:26:12.000000321 +0000 UTC", as Go prints times. */
void dbg_time(debug_out *o, uint64_t unix_nano);
/* Shortest text that reads back as the same double (Go's %v). */
void dbg_double(debug_out *o, double d);
/* A value as text: strings bare, lists and maps as JSON (normal output). */
void dbg_value(debug_out *o, const otlp_any_value *v);
/* A value with its type: Str(x), Int(1), Map({...}) (detailed output). */
void dbg_typed_value(debug_out *o, const otlp_any_value *v);
/* "k=v" pairs joined by sep. */
void dbg_attrs_inline(debug_out *o, otlp_key_value *const *kv, size_t n, const char *sep);
/* "<title>\n" then one "<indent>-> k: Type(v)" line per attribute; nothing
 * when there are none. */
void dbg_attrs_block(debug_out *o, const char *title, const char *indent,
                     otlp_key_value *const *kv, size_t n);
/* "Resource SchemaURL/attributes" and "InstrumentationScope" blocks. */
void dbg_resource(debug_out *o, const char *schema_url, const otlp_resource *r);
void dbg_scope(debug_out *o, const char *kind, size_t index, const char *schema_url,
               const otlp_scope *s);

/* Renderers: normal writes one line per item, detailed everything. */
void debug_traces_normal(debug_out *o, const otlpd_batch *b);
void debug_traces_detailed(debug_out *o, const otlpd_batch *b);
void debug_metrics_normal(debug_out *o, const otlpd_batch *b);
void debug_metrics_detailed(debug_out *o, const otlpd_batch *b);
void debug_logs_normal(debug_out *o, const otlpd_batch *b);
void debug_logs_detailed(debug_out *o, const otlpd_batch *b);

#endif
