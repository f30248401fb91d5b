/* k8s_attributes' per-resource cost with 1,000 pods in the table:
 *   lookup   association only (k8s.pod.ip -> pod), no edit
 *   tag      association + copy-on-write edit + adding the pod's 6
 *            default attributes and one label (what consume() does)
 *   miss     association of an IP no pod has (passed on untouched)
 *   cow      association + the copy-on-write edit alone, nothing added
 *            (the share of "tag" that is the edit API's, not this processor's)
 * over batches of 1,000 resources (each with 6 attributes and one span).
 * CPU time per resource, best of 5 rounds.
 *   otlpd_bench_k8sattr [rounds-of-batches]   */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlpd/buf.h"
#include "otlpd/codec.h"
#include "otlpd/component.h"
#include "processors/k8s_attributes/k8s_attributes.h"
#include "processors/k8s_attributes/k8sattr_json.h"

#define PODS 1000
#define RES 1000

static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *pod_list(void) {
  otlpd_buf b = {0};
  otlpd_buf_printf(&b, "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[");
  for (int i = 0; i < PODS; i++)
    otlpd_buf_printf(&b,
                     "%s{\"metadata\":{\"name\":\"app%d-7d9f8b6c5d-x2x4q\",\"namespace\":\"ns%d\",\"uid\":\"uid-%08d\","
                     "\"creationTimestamp\":\"2026-11-29T09:00:00Z\",\"labels\":{\"app\":\"app%d\","
                     "\"pod-template-hash\":\"7d9f8b6c5d\"},\"ownerReferences\":[{\"kind\":\"ReplicaSet\","
                     "\"name\":\"app%d-7d9f8b6c5d\"}]},\"spec\":{\"nodeName\":\"node-a\"},"
                     "\"status\":{\"podIP\":\"10.1.%d.%d\"}}",
                     i ? "," : "", i, i % 20, i, i, i, i / 256, i % 256);
  otlpd_buf_printf(&b, "]}");
  otlpd_buf_append(&b, "", 1);
  return (char *)b.data;
}

static otlpd_payload *request(bool hit) {
  otlpd_buf b = {0};
  otlpd_buf_printf(&b, "{\"resourceSpans\":[");
  for (int i = 0; i < RES; i++) {
    int p = (i * 7) % PODS;
    otlpd_buf_printf(&b,
                     "%s{\"resource\":{\"attributes\":["
                     "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc%d\"}},"
                     "{\"key\":\"service.version\",\"value\":{\"stringValue\":\"1.0\"}},"
                     "{\"key\":\"telemetry.sdk.name\",\"value\":{\"stringValue\":\"opentelemetry\"}},"
                     "{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"go\"}},"
                     "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h\"}},"
                     "{\"key\":\"k8s.pod.ip\",\"value\":{\"stringValue\":\"%s%d.%d\"}}]},"
                     "\"scopeSpans\":[{\"spans\":[{\"name\":\"s\"}]}]}",
                     i ? "," : "", i, hit ? "10.1." : "10.9.", p / 256, p % 256);
  }
  otlpd_buf_printf(&b, "]}");
  otlpd_arena *a = otlpd_arena_new(0);
  char err[256];
  ProtobufCMessage *m = otlpd_json_decode(otlpd_request_descriptor(OTLPD_TRACES), (char *)b.data, b.len, a, err,
                                          sizeof(err));
  otlpd_buf_free(&b);
  if (!m) {
    fprintf(stderr, "bench: %s\n", err);
    exit(1);
  }
  return otlpd_payload_new(OTLPD_TRACES, a, m, NULL);
}

static otlp_resource *res(const otlpd_batch *b, size_t i) {
  return ((otlp_resource_spans *)b->resources[i])->resource;
}

/* One pass over the batch; returns pods found. */
enum { LOOKUP, TAG, COW };

static size_t run(const k8sattr_rules *r, const k8sattr_table *t, const otlpd_host *h, otlpd_batch *in, int mode) {
  size_t found = 0;
  otlpd_batch *mine = NULL;
  for (size_t i = 0; i < in->n; i++) {
    otlp_resource *rr = res(in, i);
    const char *conn;
    const k8sattr_pod *p = k8sattr_associate(r, t, rr->n_attributes, rr->attributes, NULL, &conn);
    found += p != NULL;
    if (mode == LOOKUP || !k8sattr_would_add(p, conn, rr->n_attributes, rr->attributes)) continue;
    if (!mine) mine = otlpd_batch_edit(h, in);
    otlp_resource_spans *rs = otlpd_batch_mut_resource(mine, i);
    if (mode == COW) continue;
    if (k8sattr_add_attrs(mine, i, p, conn, &rs->resource->n_attributes, &rs->resource->attributes)) abort();
  }
  if (mine) otlpd_batch_unref(mine);
  return found;
}

int main(int argc, char **argv) {
  int batches = argc > 1 ? atoi(argv[1]) : 200;
  k8sattr_cfg cfg = {0};
  k8sattr_rule_cfg label = {.key = "app"};
  cfg.extract.labels.v = &label;
  cfg.extract.labels.n = 1;
  k8sattr_rules rules;
  if (k8sattr_rules_build(&cfg, &rules)) return 1;
  k8sattr_table t;
  k8sattr_table_init(&t, NULL);
  k8sattr_json j = {0};
  char *rv = NULL, *list = pod_list();
  if (k8sattr_apply_list(&t, &rules, &j, list, strlen(list), &rv) || t.npods != PODS) {
    fprintf(stderr, "bench: pod list not applied\n");
    return 1;
  }
  otlpd_counters counters = {0};
  otlpd_host host = {.counters = &counters, .mutates_data = true};
  otlpd_payload *hit = request(true), *miss = request(false);
  otlpd_batch *bh = otlpd_batch_from_payload(hit), *bm = otlpd_batch_from_payload(miss);
  struct {
    const char *name;
    otlpd_batch *b;
    int mode;
    size_t want;
  } cases[] = {{"lookup", bh, LOOKUP, RES}, {"tag", bh, TAG, RES}, {"miss", bm, TAG, 0}, {"cow", bh, COW, RES}};
  printf("k8s_attributes, %d pods, batches of %d resources x %d, best of 5 (CPU ns per resource)\n", PODS, RES, batches);
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
      double t0 = cpu_ns();
      for (int k = 0; k < batches; k++)
        if (run(&rules, &t, &host, cases[c].b, cases[c].mode) != cases[c].want) {
          fprintf(stderr, "bench: %s found the wrong pods\n", cases[c].name);
          return 1;
        }
      double per = (cpu_ns() - t0) / ((double)batches * RES);
      if (per < best) best = per;
    }
    printf("  %-7s %8.1f ns/resource\n", cases[c].name, best);
  }
  otlpd_batch_unref(bh);
  otlpd_batch_unref(bm);
  otlpd_payload_unref(hit);
  otlpd_payload_unref(miss);
  k8sattr_table_free(&t);
  k8sattr_rules_free(&rules);
  k8sattr_json_free(&j);
  free(rv);
  free(list);
  return 0;
}
