/* tail_sampling's composite policy, configured from YAML as a user writes
 * it: rate allocations, first-matching sub-policy decides, per-second
 * budgets under a deterministic clock (the view's now_sec), config errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../collector/processors/tail_sampling/tail_sampling.h"
#include "otlpd/config.h"

extern const otlpd_factory otlpd_processor_tail_sampling;
#define F otlpd_processor_tail_sampling

/* Parse and validate; NULL (errors in errs) when invalid. */
static tsamp_cfg *load(const char *yaml, otlpd_errors *errs) {
  otlpd_node *n = otlpd_yaml_parse(yaml, strlen(yaml), "t", errs);
  assert_non_null(n);
  tsamp_cfg *cfg = calloc(1, F.config_size);
  otlpd_settings_defaults(F.settings, cfg);
  int rc = otlpd_settings_apply(F.settings, cfg, n, "tail_sampling", errs);
  otlpd_node_free(n);
  if (rc == 0) rc = F.validate(cfg, "tail_sampling", errs);
  if (rc == 0) return cfg;
  otlpd_settings_free(F.settings, cfg);
  free(cfg);
  return NULL;
}

static void unload(tsamp_cfg *cfg) {
  otlpd_settings_free(F.settings, cfg);
  free(cfg);
}

/* A trace of n spans, error status on all of them when err. */
typedef struct trace {
  otlp_trace_request req;
  otlp_resource_spans rs, *rsp[1];
  otlp_scope_spans ss, *ssp[1];
  otlp_span sp[16], *spp[16];
  Opentelemetry__Proto__Trace__V1__Status st;
  uint8_t id[16];
  tsamp_trace_view v;
} trace;

static void trace_init(trace *t, size_t n, bool err, int64_t now_sec) {
  memset(t, 0, sizeof(*t));
  opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&t->req);
  opentelemetry__proto__trace__v1__resource_spans__init(&t->rs);
  opentelemetry__proto__trace__v1__scope_spans__init(&t->ss);
  opentelemetry__proto__trace__v1__status__init(&t->st);
  t->st.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
  for (size_t i = 0; i < n; i++) {
    opentelemetry__proto__trace__v1__span__init(&t->sp[i]);
    if (err) t->sp[i].status = &t->st;
    t->spp[i] = &t->sp[i];
  }
  t->ss.n_spans = n;
  t->ss.spans = t->spp;
  t->ssp[0] = &t->ss;
  t->rs.n_scope_spans = 1;
  t->rs.scope_spans = t->ssp;
  t->rsp[0] = &t->rs;
  t->req.n_resource_spans = 1;
  t->req.resource_spans = t->rsp;
  t->v = (tsamp_trace_view){.req = &t->req, .id = t->id, .spans = n, .now_sec = now_sec};
}

static const char *composite_yaml =
    "policies:\n"
    "  - name: comp\n"
    "    type: composite\n"
    "    composite:\n"
    "      max_total_spans_per_second: 100\n"
    "      policy_order: [errors, rest]\n"
    "      composite_sub_policy:\n"
    "        - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
    "        - {name: rest, type: always_sample}\n"
    "      rate_allocation:\n"
    "        - {policy: errors, percent: 60}\n"
    "        - {policy: rest, percent: 30}\n";

static tsamp_policy *comp_init(tsamp_cfg **cfg, const char *yaml) {
  otlpd_errors errs = {0};
  *cfg = load(yaml, &errs);
  for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.msgs[i]);
  otlpd_errors_free(&errs);
  assert_non_null(*cfg);
  tsamp_policy *p = calloc(1, sizeof(*p));
  char err[256];
  assert_int_equal(tsamp_policy_init(p, (*cfg)->policies.v, err, sizeof(err)), 0);
  return p;
}

static void comp_fini(tsamp_cfg *cfg, tsamp_policy *p) {
  tsamp_policy_fini(p);
  free(p);
  unload(cfg);
}

static void test_allocations(void **st) {
  (void)st;
  tsamp_cfg *cfg;
  tsamp_policy *p = comp_init(&cfg, composite_yaml);
  assert_int_equal(p->type, TSAMP_P_COMPOSITE);
  assert_int_equal(p->n_subs, 2);
  assert_int_equal(p->alloc[0], 60);
  assert_int_equal(p->alloc[1], 30);
  comp_fini(cfg, p);
  /* percent 0: an equal share (100 / 3, truncated); no entry: nothing */
  const char *y = "policies:\n"
                  "  - name: c\n"
                  "    type: composite\n"
                  "    composite:\n"
                  "      max_total_spans_per_second: 100\n"
                  "      composite_sub_policy:\n"
                  "        - {name: a, type: always_sample}\n"
                  "        - {name: b, type: always_sample}\n"
                  "        - {name: c, type: always_sample}\n"
                  "      rate_allocation:\n"
                  "        - {policy: a}\n"
                  "        - {policy: b, percent: 25}\n";
  p = comp_init(&cfg, y);
  assert_int_equal(p->alloc[0], 33);
  assert_int_equal(p->alloc[1], 25);
  assert_int_equal(p->alloc[2], 0);
  trace t;
  trace_init(&t, 1, false, 7);
  /* `a` decides every trace (first match), up to its 33 spans a second */
  int kept = 0;
  for (int i = 0; i < 50; i++) kept += tsamp_policy_eval(p, &t.v) == TSAMP_SAMPLED;
  assert_int_equal(kept, 33);
  comp_fini(cfg, p);
}

/* Per second: errors up to 60 spans, the rest up to 30; a sub-policy over
 * its share answers not sampled without trying the next one. */
static void test_budget_per_second(void **st) {
  (void)st;
  tsamp_cfg *cfg;
  tsamp_policy *p = comp_init(&cfg, composite_yaml);
  trace e, ok;
  for (int64_t sec = 1000; sec < 1003; sec++) {
    trace_init(&e, 10, true, sec);
    trace_init(&ok, 10, false, sec);
    int err_kept = 0, ok_kept = 0;
    for (int i = 0; i < 8; i++) { /* 80 error spans, 80 others, interleaved */
      err_kept += tsamp_policy_eval(p, &e.v) == TSAMP_SAMPLED;
      ok_kept += tsamp_policy_eval(p, &ok.v) == TSAMP_SAMPLED;
    }
    assert_int_equal(err_kept, 6); /* 60 spans */
    assert_int_equal(ok_kept, 3);  /* 30 spans */
  }
  /* a trace larger than what is left is refused, a smaller one still fits */
  trace_init(&e, 10, true, 2000);
  for (int i = 0; i < 5; i++) assert_int_equal(tsamp_policy_eval(p, &e.v), TSAMP_SAMPLED);
  trace_init(&e, 11, true, 2000);
  assert_int_equal(tsamp_policy_eval(p, &e.v), TSAMP_NOT_SAMPLED);
  trace_init(&e, 10, true, 2000);
  assert_int_equal(tsamp_policy_eval(p, &e.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(p, &e.v), TSAMP_NOT_SAMPLED);
  comp_fini(cfg, p);
}

/* max_total_spans_per_second bounds each sub-policy's count too (otelcol
 * compares a sub-policy's own count with it), and an `and` sub-policy. */
static void test_max_total_and_and(void **st) {
  (void)st;
  const char *y = "policies:\n"
                  "  - name: c\n"
                  "    type: composite\n"
                  "    composite:\n"
                  "      max_total_spans_per_second: 20\n"
                  "      composite_sub_policy:\n"
                  "        - name: big-errors\n"
                  "          type: and\n"
                  "          and: {and_sub_policy: [{name: e, type: status_code, status_code: {status_codes: [ERROR]}},\n"
                  "                                 {name: n, type: span_count, span_count: {min_spans: 5}}]}\n"
                  "      rate_allocation:\n"
                  "        - {policy: big-errors, percent: 100}\n";
  tsamp_cfg *cfg;
  tsamp_policy *p = comp_init(&cfg, y);
  trace t;
  trace_init(&t, 5, true, 1);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_SAMPLED);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_NOT_SAMPLED);
  trace_init(&t, 4, true, 2); /* too few spans for the and */
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_NOT_SAMPLED);
  trace_init(&t, 5, false, 2); /* no error */
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_NOT_SAMPLED);
  trace_init(&t, 5, true, 2);
  assert_int_equal(tsamp_policy_eval(p, &t.v), TSAMP_SAMPLED);
  comp_fini(cfg, p);
}

static void expect_error(const char *yaml, const char *msg) {
  otlpd_errors errs = {0};
  tsamp_cfg *cfg = load(yaml, &errs);
  bool found = false;
  for (size_t i = 0; i < errs.n; i++) {
    if (strstr(errs.msgs[i], msg)) found = true;
    else fprintf(stderr, "other error: %s\n", errs.msgs[i]);
  }
  if (!found) fprintf(stderr, "expected an error containing: %s\n", msg);
  otlpd_errors_free(&errs);
  if (cfg) unload(cfg);
  assert_null(cfg);
  assert_true(found);
}

static void test_config_errors(void **st) {
  (void)st;
  const char *head = "policies:\n  - name: c\n    type: composite\n    composite:\n"
                     "      max_total_spans_per_second: 10\n";
  char y[1024];
  snprintf(y, sizeof y, "%s", head);
  expect_error(y, "tail_sampling::policies[0]::composite::composite_sub_policy: no sub-policies");
  snprintf(y, sizeof y, "%s      composite_sub_policy: [{name: a, type: drop}]\n", head);
  expect_error(y, "composite_sub_policy[0]::type: drop cannot be a composite sub-policy");
  snprintf(y, sizeof y, "%s      composite_sub_policy: [{name: a, type: always_sample}]\n"
                        "      rate_allocation: [{policy: b, percent: 10}]\n", head);
  expect_error(y, "rate_allocation[0]::policy: \"b\" is not a composite_sub_policy");
  snprintf(y, sizeof y, "%s      composite_sub_policy: [{name: a, type: always_sample}]\n"
                        "      policy_order: [a, x]\n", head);
  expect_error(y, "policy_order[1]: \"x\" is not a composite_sub_policy");
  snprintf(y, sizeof y, "%s      composite_sub_policy: [{name: a, type: status_code, status_code: {status_codes: [BAD]}}]\n",
           head);
  expect_error(y, "composite_sub_policy[0]::status_code: unknown status code");
  snprintf(y, sizeof y, "%s      composite_sub_policy: [{name: a, type: always_sample}]\n"
                        "      rate_allocation: [{policy: a, percent: 101}]\n", head);
  expect_error(y, "percent");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_allocations),
      cmocka_unit_test(test_budget_per_second),
      cmocka_unit_test(test_max_total_and_and),
      cmocka_unit_test(test_config_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
