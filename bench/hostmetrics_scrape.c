/* CPU cost of hostmetrics scrapes on this machine's /proc: each scraper
 * alone, then all of them, N scrapes each (default 200), reported as CPU
 * microseconds per scrape (user+sys of this process), data points and
 * protobuf bytes per scrape. Usage: otlpd_bench_hostmetrics [N] [root_path] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../receivers/hostmetrics/hostmetrics.h"
#include "otlpd/config.h"

static double cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int run(const char *name, const char *scrapers, int n, const char *root) {
  char yaml[512];
  snprintf(yaml, sizeof(yaml), "scrapers: {%s}", scrapers);
  hm_cfg cfg;
  memset(&cfg, 0, sizeof(cfg));
  otlpd_settings_defaults(hm_settings, &cfg);
  otlpd_errors errs = {0};
  otlpd_node *node = otlpd_yaml_parse(yaml, strlen(yaml), "bench", &errs);
  if (!node || otlpd_settings_apply(hm_settings, &cfg, node, "hostmetrics", &errs) != 0) {
    otlpd_errors_print(&errs, stderr);
    return 1;
  }
  otlpd_node_free(node);
  otlpd_errors_free(&errs);
  hm_filters filters;
  memset(&filters, 0, sizeof(filters));
  hm_state state = {0};
  char proc[4096];
  snprintf(proc, sizeof(proc), "%s/proc", root);
  hm_scrape s = {.cfg = &cfg, .filters = &filters, .state = &state, .proc = proc, .root = root,
                 .statvfs = statvfs};
  size_t points = 0, bytes = 0;
  double t0 = cpu_us();
  for (int i = 0; i < n; i++) {
    s.arena = otlpd_arena_new(16384);
    s.now_ns = (uint64_t)i;
    otlp_metrics_request *req = hm_scrape_all(&s);
    if (!req) return 1;
    points = s.points;
    if (i == 0) bytes = protobuf_c_message_get_packed_size(&req->base);
    otlpd_arena_free(s.arena);
  }
  double per = (cpu_us() - t0) / n;
  printf("| %s | %.0f | %zu | %zu |\n", name, per, points, bytes);
  hm_scrape_release(&s);
  hm_state_free(&state);
  otlpd_settings_free(hm_settings, &cfg);
  return 0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  const char *root = argc > 2 ? argv[2] : "";
  static const char *const one[] = {"cpu", "memory", "load", "disk", "filesystem", "network", "paging", "processes"};
  printf("| scrapers | CPU µs per scrape | data points | protobuf bytes |\n| --- | ---: | ---: | ---: |\n");
  for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
    char sc[64];
    snprintf(sc, sizeof(sc), "%s: ", one[i]);
    if (run(one[i], sc, n, root)) return 1;
  }
  return run("all eight", "cpu: , memory: , load: , disk: , filesystem: , network: , paging: , processes: ", n, root);
}
