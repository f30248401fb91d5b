/* One scrape: every configured scraper into one ExportMetricsServiceRequest
 * in s->arena. A scraper that fails keeps what it built (as otelcol's
 * partial scrape errors); only ENOMEM fails the whole scrape. */
#include <errno.h>
#include <string.h>

#include "hostmetrics.h"

typedef struct scraper_entry {
  size_t has_offset;
  int (*run)(hm_scrape *s);
} scraper_entry;

static const scraper_entry scrapers[] = {
    {offsetof(hm_scrapers_cfg, has_cpu), hm_scrape_cpu},
    {offsetof(hm_scrapers_cfg, has_disk), hm_scrape_disk},
    {offsetof(hm_scrapers_cfg, has_filesystem), hm_scrape_filesystem},
    {offsetof(hm_scrapers_cfg, has_load), hm_scrape_load},
    {offsetof(hm_scrapers_cfg, has_memory), hm_scrape_memory},
    {offsetof(hm_scrapers_cfg, has_network), hm_scrape_network},
    {offsetof(hm_scrapers_cfg, has_paging), hm_scrape_paging},
    {offsetof(hm_scrapers_cfg, has_processes), hm_scrape_processes},
};

otlp_metrics_request *hm_scrape_all(hm_scrape *s) {
  s->rm = NULL;
  s->nrm = s->caprm = 0;
  s->points = 0;
  s->err[0] = '\0';
  uint64_t btime = 0;
  if (hm_boot_time(s, &btime) < 0) hm_errorf(s, "reading %s/stat: no btime", s->proc);
  s->boot_ns = btime * 1000000000ull;
  s->host_name = hm_host_name(s);
  const char *base = (const char *)&s->cfg->scrapers;
  for (size_t i = 0; i < sizeof(scrapers) / sizeof(scrapers[0]); i++) {
    if (!*(const bool *)(const void *)(base + scrapers[i].has_offset)) continue;
    size_t before = s->nrm;
    if (scrapers[i].run(s) == -ENOMEM) return NULL;
    /* a scraper that emitted nothing leaves no empty ResourceMetrics */
    if (s->nrm > before && s->rm[s->nrm - 1]->scope_metrics[0]->n_metrics == 0) s->nrm--;
  }
  otlp_metrics_request *req = otlpd_arena_alloc(s->arena, sizeof(*req));
  if (!req) return NULL;
  *req = (otlp_metrics_request)OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
  req->resource_metrics = s->rm;
  req->n_resource_metrics = s->nrm;
  return req;
}
