/* Log records as text: one line each (normal) or every field (detailed). */
#include <stdio.h>

#include "debug_exporter.h"

/* "Info", "Warn2", ... for SeverityNumber 1..24; NULL when unset. */
static const char *severity_name(int n, char *buf, size_t len) {
  static const char *const bands[] = {"Trace", "Debug", "Info", "Warn", "Error", "Fatal"};
  if (n < 1 || n > 24) return NULL;
  int band = (n - 1) / 4, step = (n - 1) % 4;
  if (step == 0) return bands[band];
  snprintf(buf, len, "%s%d", bands[band], step + 1);
  return buf;
}

void debug_logs_normal(debug_out *o, const otlpd_batch *b) {
  char sev[16];
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_logs *rl = b->resources[i];
    for (size_t j = 0; j < rl->n_scope_logs; j++) {
      const otlp_scope_logs *sl = rl->scope_logs[j];
      for (size_t k = 0; k < sl->n_log_records; k++) {
        const otlp_log_record *r = sl->log_records[k];
        const char *s = r->severity_text && *r->severity_text
                            ? r->severity_text
                            : severity_name((int)r->severity_number, sev, sizeof(sev));
        if (s) {
          dbg_text(o, s);
          dbg_write(o, " ", 1);
        }
        dbg_value(o, r->body);
        if (r->n_attributes) dbg_write(o, " ", 1);
        dbg_attrs_inline(o, r->attributes, r->n_attributes, " ");
        dbg_write(o, "\n", 1);
        dbg_item_done(o);
      }
    }
  }
}

static void record_detailed(debug_out *o, size_t index, const otlp_log_record *r) {
  char sev[16];
  const char *name = severity_name((int)r->severity_number, sev, sizeof(sev));
  dbg_printf(o, "LogRecord #%zu\nObservedTimestamp: ", index);
  dbg_time(o, r->observed_time_unix_nano);
  dbg_write(o, "\nTimestamp: ", 12);
  dbg_time(o, r->time_unix_nano);
  dbg_write(o, "\nSeverityText: ", 15);
  dbg_text(o, r->severity_text);
  dbg_printf(o, "\nSeverityNumber: %s(%d)\nBody: ", name ? name : "Unspecified",
             (int)r->severity_number);
  dbg_typed_value(o, r->body);
  dbg_write(o, "\n", 1);
  if (r->event_name && *r->event_name) {
    dbg_write(o, "EventName: ", 11);
    dbg_text(o, r->event_name);
    dbg_write(o, "\n", 1);
  }
  dbg_attrs_block(o, "Attributes:", "     ", r->attributes, r->n_attributes);
  if (r->dropped_attributes_count)
    dbg_printf(o, "DroppedAttributesCount: %u\n", r->dropped_attributes_count);
  dbg_write(o, "Trace ID: ", 10);
  dbg_hex(o, &r->trace_id);
  dbg_write(o, "\nSpan ID: ", 10);
  dbg_hex(o, &r->span_id);
  dbg_printf(o, "\nFlags: %u\n", r->flags);
}

void debug_logs_detailed(debug_out *o, const otlpd_batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const otlp_resource_logs *rl = b->resources[i];
    dbg_printf(o, "ResourceLog #%zu\n", i);
    dbg_resource(o, rl->schema_url, rl->resource);
    for (size_t j = 0; j < rl->n_scope_logs; j++) {
      const otlp_scope_logs *sl = rl->scope_logs[j];
      dbg_scope(o, "ScopeLogs", j, sl->schema_url, sl->scope);
      for (size_t k = 0; k < sl->n_log_records; k++) {
        record_detailed(o, k, sl->log_records[k]);
        dbg_item_done(o);
      }
    }
  }
}
