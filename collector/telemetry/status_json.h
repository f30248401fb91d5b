/* The live status page's data (/status.json): every pipeline as its chain
 * of component ids, and each component's counters, which the page polls
 * and turns into rates. */
#ifndef OTLPD_STATUS_JSON_H
#define OTLPD_STATUS_JSON_H

#include "daemon.h"
#include "otlpd/buf.h"

typedef struct otlpd_status_process {
  double uptime_s;
  uint64_t rss_bytes;
} otlpd_status_process;

/* Replaces out's contents. 0 or -ENOMEM. */
int otlpd_status_render(otlpd_buf *out, const otlpd_daemon *d, const otlpd_status_process *p);

/* The page itself (status_page.html compiled in). */
extern const char otlpd_status_page_html[];
extern const size_t otlpd_status_page_html_len;

#endif
