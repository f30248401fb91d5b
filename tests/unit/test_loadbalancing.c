/* loadbalancing exporter: endpoint defaults, otelcol's hash ring (expected
 * picks computed by tests/loadbalancing/check.py's independent port of
 * consistent_hashing.go), and routing a batch into per-backend batches
 * with every span in exactly one of them, on its ring backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../exporters/loadbalancing/lb.h"
#include "batch_fixtures.h"

static void test_with_port(void **st) {
  (void)st;
  const char *cases[][2] = {{"gw:4317", "gw:4317"}, {"gw", "gw:4317"}, {"10.0.0.1", "10.0.0.1:4317"},
                            {"[::1]:55690", "[::1]:55690"}, {"::1", "[::1]:4317"}, {"[::1]", "[::1]:4317"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *s = lb_with_port(cases[i][0]);
    assert_string_equal(s, cases[i][1]);
    free(s);
  }
}

static void trace_key(uint8_t *k, int t) {
  k[0] = (uint8_t)t;
  k[1] = 0x5a;
  memset(k + 2, t * 7 % 256, 14);
}

static const char *const eps[] = {"gw-a:4317", "gw-b:4317", "gw-c:4317"};
static const uint32_t want[24] = {0, 1, 1, 2, 1, 2, 0, 1, 0, 2, 0, 2, 2, 1, 2, 1, 1, 1, 2, 0, 1, 2, 1, 0};

static void test_ring_matches_otelcol(void **st) {
  (void)st;
  lb_ring r = {0};
  assert_int_equal(lb_ring_build(&r, eps, 3), 0);
  assert_int_equal(r.n, 300); /* no position collisions for these names */
  for (int t = 0; t < 24; t++) {
    uint8_t k[16];
    trace_key(k, t);
    assert_int_equal(lb_ring_pick(&r, k, 16), want[t]);
  }
  lb_ring_free(&r);
}

static void test_ring_one_backend(void **st) {
  (void)st;
  lb_ring r = {0};
  assert_int_equal(lb_ring_build(&r, eps, 1), 0);
  for (int t = 0; t < 50; t++) assert_int_equal(lb_ring_pick(&r, &t, sizeof(t)), 0);
  lb_ring_free(&r);
}

/* Removing one backend from the list moves exactly the traces it had
 * (about a third of them here) and nothing else. */
static void test_ring_removal_moves_only_its_share(void **st) {
  (void)st;
  const char *const three[] = {"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317"};
  const char *const two[] = {"10.0.0.1:4317", "10.0.0.3:4317"}; /* .2 removed */
  lb_ring a = {0}, b = {0};
  assert_int_equal(lb_ring_build(&a, three, 3), 0);
  assert_int_equal(lb_ring_build(&b, two, 2), 0);
  size_t moved = 0, n = 20000;
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < n; i++) {
    uint8_t key[16];
    for (int j = 0; j < 16; j++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      key[j] = (uint8_t)x;
    }
    const char *before = three[lb_ring_pick(&a, key, 16)], *after = two[lb_ring_pick(&b, key, 16)];
    if (strcmp(before, after) == 0) continue;
    assert_string_equal(before, "10.0.0.2:4317"); /* only the removed backend's traces move */
    moved++;
  }
  double share = (double)moved / (double)n;
  printf("removing 1 of 3 backends moved %.1f%% of %zu traces\n", share * 100.0, n);
  assert_true(share > 0.15 && share < 0.5);
  lb_ring_free(&a);
  lb_ring_free(&b);
}

/* 2 resources x 2 scopes x 6 spans; span k gets trace key k % 24. */
static void test_route_traces(void **st) {
  (void)st;
  otlpd_memacct acct = {0};
  int counter = 0;
  otlpd_payload *p = fx_traces(2, 2, 6, &counter, &acct);
  otlp_trace_request *req = (otlp_trace_request *)p->msg;
  int k = 0;
  for (size_t r = 0; r < req->n_resource_spans; r++)
    for (size_t s = 0; s < req->resource_spans[r]->n_scope_spans; s++)
      for (size_t i = 0; i < req->resource_spans[r]->scope_spans[s]->n_spans; i++, k++) {
        otlp_span *sp = req->resource_spans[r]->scope_spans[s]->spans[i];
        sp->trace_id.data = otlpd_arena_alloc(p->arena, 16);
        sp->trace_id.len = 16;
        trace_key(sp->trace_id.data, k);
      }
  otlpd_batch *in = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  lb_ring r = {0};
  assert_int_equal(lb_ring_build(&r, eps, 3), 0);
  lb_router rt = {.key = LB_KEY_TRACE_ID};
  otlpd_batch *out[3];
  assert_int_equal(lb_route(&rt, &r, 3, in, out), 0);
  int seen[24] = {0};
  size_t total = 0;
  for (uint32_t b = 0; b < 3; b++) {
    assert_non_null(out[b]);
    total += out[b]->items;
    size_t counted = 0;
    for (size_t e = 0; e < out[b]->n; e++) {
      otlp_resource_spans *rs = out[b]->resources[e];
      for (size_t s = 0; s < rs->n_scope_spans; s++)
        for (size_t i = 0; i < rs->scope_spans[s]->n_spans; i++) {
          otlp_span *sp = rs->scope_spans[s]->spans[i];
          int idx = atoi(sp->name + 1);
          assert_int_equal(want[idx], b);
          seen[idx]++;
          counted++;
        }
    }
    assert_int_equal(counted, out[b]->items);
  }
  assert_int_equal(total, 24);
  for (int i = 0; i < 24; i++) assert_int_equal(seen[i], 1);
  for (int b = 0; b < 3; b++) otlpd_batch_unref(out[b]);
  otlpd_batch_unref(in);
  assert_int_equal(otlpd_memacct_used(&acct), 0); /* the split copies were freed */
  lb_ring_free(&r);
  free(rt.picks);
}

/* routing_key service: whole resources move, wire bytes kept. */
static void test_route_service_keeps_resources(void **st) {
  (void)st;
  int counter = 0;
  otlpd_payload *p = fx_traces(3, 1, 4, &counter, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  lb_ring r = {0};
  assert_int_equal(lb_ring_build(&r, eps, 3), 0);
  lb_router rt = {.key = LB_KEY_SERVICE};
  otlpd_batch *out[3];
  assert_int_equal(lb_route(&rt, &r, 3, in, out), 0);
  size_t n = 0, items = 0;
  for (int b = 0; b < 3; b++) {
    if (!out[b]) continue;
    n += out[b]->n;
    items += out[b]->items;
    for (size_t e = 0; e < out[b]->n; e++) assert_ptr_equal(out[b]->owners[e], in->owners[0]);
    otlpd_batch_unref(out[b]);
  }
  assert_int_equal(n, 3);
  assert_int_equal(items, 12);
  otlpd_batch_unref(in);
  lb_ring_free(&r);
  free(rt.picks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_with_port),
      cmocka_unit_test(test_ring_matches_otelcol),
      cmocka_unit_test(test_ring_one_backend),
      cmocka_unit_test(test_ring_removal_moves_only_its_share),
      cmocka_unit_test(test_route_traces),
      cmocka_unit_test(test_route_service_keeps_resources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
